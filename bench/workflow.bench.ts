/**
 * Workflow engine throughput with durable checkpoints on a SQLite file, against a plain in-memory
 * loop that calls the same agent for the same steps (no expressions, no state machine, no store):
 *   - sequential: N task steps in one thread (each step's input is an expression over the previous
 *     step's output), one committed transition per step;
 *   - fan-out: a foreach over N items (concurrency C), one item thread + task per item;
 *   - sequential again with steps sent as messages through the AgentRuntime over the in-process
 *     bus (the production path), against a loop of the same runtime.call()s.
 * Run alone: `npx tsx bench/workflow.bench.ts [steps] [concurrency]` (default 1000 steps, fan-out
 * concurrency = steps, i.e. all 1,000 branches at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UtilityAgent } from '../src/agents/utility/utility-agent.js';
import { openStore } from '../src/store/store.js';
import { parseDefinition } from '../src/workflow/definition.js';
import { directInvoker, runtimeInvoker, WORKFLOW_ENGINE_ID } from '../src/workflow/invoker.js';
import { InProcessBus } from '../src/bus/in-process/in-process-bus.js';
import { AgentRegistry } from '../src/agents/registry.js';
import { AgentRuntime } from '../src/agents/runtime.js';
import { LocalWorkflowExecutor } from '../src/workflow/local-executor.js';
import type { StepInvoker } from '../src/workflow/executor.js';
import { assertValidDefinition } from '../src/workflow/validate.js';

const N = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? N);

const direct: StepInvoker = directInvoker([new UtilityAgent({ allowedDirs: [] })]);
const bus = new InProcessBus();
const runtime = new AgentRuntime({ bus, registry: new AgentRegistry({ principals: { [WORKFLOW_ENGINE_ID]: ['*'] } }) });
await runtime.register(new UtilityAgent({ allowedDirs: [] }));
const viaBus: StepInvoker = runtimeInvoker(runtime);
let invoker = direct;
const signal = new AbortController().signal;
const call = (i: number, input: Record<string, unknown>) =>
  invoker({ capability: 'util.echo', input, runId: 'baseline', stepId: `s${i}`, idempotencyKey: `baseline:${i}`, attempt: 1, signal });

function sequentialDefinition(n: number) {
  const steps = Array.from({ length: n }, (_, i) => ({
    id: `s${i}`, type: 'task' as const, capability: 'util.echo',
    input: i === 0 ? { i: 0 } : { i: `=steps.s${i - 1}.echo.i + 1` },
    ...(i < n - 1 ? { next: `s${i + 1}` } : {}),
  }));
  return assertValidDefinition(parseDefinition({ name: 'bench-sequential', steps, output: `steps.s${n - 1}.echo` }));
}

function fanoutDefinition(concurrency: number) {
  return assertValidDefinition(parseDefinition({
    name: 'bench-fanout',
    steps: [
      { id: 'fan', type: 'foreach', items: 'input.items', do: 'work', concurrency, maxItems: 100_000 },
      { id: 'work', type: 'task', capability: 'util.echo', input: { item: '=item' } },
    ],
  }));
}

async function baselineSequential(n: number): Promise<number> {
  const t = performance.now();
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const out = await call(i, { i: i === 0 ? 0 : prev + 1 });
    prev = (out.echo as { i: number }).i;
  }
  if (prev !== n - 1) throw new Error('baseline lost steps');
  return performance.now() - t;
}

async function baselineFanout(n: number, concurrency: number): Promise<number> {
  const t = performance.now();
  const results = new Array<unknown>(n);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      results[i] = await call(i, { item: i });
    }
  }));
  if (results.filter(Boolean).length !== n) throw new Error('baseline lost items');
  return performance.now() - t;
}

async function engine(kind: 'sequential' | 'fanout', n: number, concurrency: number): Promise<{ ms: number; cpuMs: number; writes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-wf-bench-'));
  const store = await openStore({ sqlitePath: join(dir, 'nova.sqlite') });
  const ex = new LocalWorkflowExecutor({ store, invoker });
  try {
    const def = kind === 'sequential' ? sequentialDefinition(n) : fanoutDefinition(concurrency);
    const input = kind === 'sequential' ? {} : { items: Array.from({ length: n }, (_, i) => i) };
    const t = performance.now();
    const cpu = process.cpuUsage();
    const runId = await ex.start(def, input);
    const outcome = await ex.wait(runId);
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (outcome.status !== 'succeeded') throw new Error(`run ${outcome.status}: ${outcome.error?.message}`);
    if (kind === 'sequential' && (outcome.output as { i: number }).i !== n - 1) throw new Error('engine lost steps');
    const run = await ex.wf.loadRun(runId);
    if (run!.version < n) throw new Error('engine lost transitions');
    return { ms, cpuMs, writes: ex.wf.commits };
  } finally {
    await ex.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const WARMUP = Number(process.env.WARMUP ?? 3);
const REPEAT = Number(process.env.REPEAT ?? 3);

/** Median of REPEAT measured runs after WARMUP discarded ones (V8 needs a few full runs to tier up). */
async function measure<T extends { ms: number }>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const runs: T[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await fn());
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(runs.length / 2)];
}
const timed = (f: () => Promise<number>) => async () => ({ ms: await f() });

const rows: string[][] = [];
const bSeq = (await measure(timed(() => baselineSequential(N)))).ms;
const eSeq = await measure(() => engine('sequential', N, 1));
const bFan = (await measure(timed(() => baselineFanout(N, CONCURRENCY)))).ms;
const eFan = await measure(() => engine('fanout', N, CONCURRENCY));
invoker = viaBus;
const bBus = (await measure(timed(() => baselineSequential(N)))).ms;
const eBus = await measure(() => engine('sequential', N, 1));
invoker = direct;
await runtime.close();
await bus.close();

rows.push(['baseline: in-memory loop, sequential', String(N), '-', fmt(bSeq), '-', fmt((N / bSeq) * 1000, 0), '1']);
rows.push(['engine, SQLite checkpoints, sequential', String(N), String(eSeq.writes), fmt(eSeq.ms), fmt(eSeq.cpuMs), fmt((N / eSeq.ms) * 1000, 0), fmt(eSeq.ms / bSeq)]);
rows.push([`baseline: in-memory pool, fan-out ×${CONCURRENCY}`, String(N), '-', fmt(bFan), '-', fmt((N / bFan) * 1000, 0), '1']);
rows.push([`engine, SQLite checkpoints, fan-out ×${CONCURRENCY}`, String(N), String(eFan.writes), fmt(eFan.ms), fmt(eFan.cpuMs), fmt((N / eFan.ms) * 1000, 0), fmt(eFan.ms / bFan)]);
rows.push(['baseline: loop of runtime.call over the bus, sequential', String(N), '-', fmt(bBus), '-', fmt((N / bBus) * 1000, 0), '1']);
rows.push(['engine via runtime + bus, SQLite checkpoints, sequential', String(N), String(eBus.writes), fmt(eBus.ms), fmt(eBus.cpuMs), fmt((N / eBus.ms) * 1000, 0), fmt(eBus.ms / bBus)]);

console.log(`median of ${REPEAT} runs after ${WARMUP} warm-up runs each`);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores shared with other jobs)`);
console.log('| run | steps | commits | wall time (ms) | CPU time (ms) | steps/s | × slower than baseline |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const seqRate = (N / eSeq.ms) * 1000;
console.log(`\nsequential: ${fmt(seqRate, 0)} steps/s wall, ${fmt((N / eSeq.cpuMs) * 1000, 0)} steps per CPU-second (target ≥ 2,000/s: ${seqRate >= 2000 ? 'met' : 'NOT met'}); per step: engine ${fmt((eSeq.ms / N) * 1000, 0)} µs vs loop ${fmt((bSeq / N) * 1000, 1)} µs`);
