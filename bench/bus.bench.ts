/**
 * Message bus throughput, in one run:
 *   baseline      the same messages handed to the handler by a plain loop (one function call each)
 *   bus           InProcessBus, validation on send and receive, no store
 *   bus + SQLite  InProcessBus with the communication log written to a SQLite file
 *   requests      request/response round trips through AgentRuntime.call (registry checks, reply)
 * Each figure is the best of three rounds after a warm-up. Run alone:
 * `npx tsx bench/bus.bench.ts [messages]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import os from 'node:os';
import { InProcessBus } from '../src/bus/in-process/in-process-bus.js';
import { openStore } from '../src/store/store.js';
import type { Message, MessageInput } from '../src/protocol/message.js';
import { AgentRegistry } from '../src/agents/registry.js';
import { AgentRuntime } from '../src/agents/runtime.js';
import { Agent, type CapabilityResult } from '../src/agents/agent.js';
import type { Capability } from '../src/protocol/agent.js';

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = 3;
const PRIORITIES = ['normal', 'normal', 'high', 'low'] as const;

let batch = 0;
function makeMessages(n: number): MessageInput[] {
  const ts = new Date().toISOString();
  const b = ++batch;
  const out: MessageInput[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      message_id: `b${b}-m${i}`,
      timestamp: ts,
      from_agent: 'bench-sender',
      to_agent: 'bench-sink',
      message_type: 'file.analyse',
      content: { path: `src/module-${i % 500}.ts`, line: i % 1000, flags: ['a', 'b'] },
      priority: PRIORITIES[i & 3],
    };
  }
  return out;
}

interface Timing { ms: number; cpuMs: number }

/** Wall time and this process's CPU time (user + system) since `start()`; CPU time is the steadier
 * figure on a shared machine, where other processes take turns on the cores. */
function start(): () => Timing {
  const t = performance.now();
  const c = process.cpuUsage();
  return () => {
    const u = process.cpuUsage(c);
    return { ms: performance.now() - t, cpuMs: (u.user + u.system) / 1000 };
  };
}

function baseline(msgs: MessageInput[]): Timing {
  let handled = 0;
  const handler = (m: MessageInput) => { if (m.content.path) handled++; };
  const stop = start();
  for (const m of msgs) handler(m);
  const timing = stop();
  if (handled !== msgs.length) throw new Error('baseline lost messages');
  return timing;
}

async function throughBus(msgs: MessageInput[], withStore: boolean): Promise<Timing> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-bus-bench-'));
  const store = withStore ? await openStore({ sqlitePath: join(dir, 'bench.sqlite') }) : undefined;
  const bus = new InProcessBus({ store });
  let handled = 0;
  await bus.consume('bench-sink', (m: Message) => { if (m.content.path) handled++; });
  const stop = start();
  for (const m of msgs) await bus.send(m);
  await bus.drain(); // delivered, acknowledged and (with a store) written
  const timing = stop();
  await bus.close();
  if (handled !== msgs.length) throw new Error(`bus delivered ${handled} of ${msgs.length}`);
  if (store) {
    const rows = await store.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'acked').executeTakeFirstOrThrow();
    if (Number(rows.n) !== msgs.length) throw new Error(`log holds ${rows.n} acked rows, expected ${msgs.length}`);
    await store.close();
  }
  rmSync(dir, { recursive: true, force: true });
  return timing;
}

class EchoAgent extends Agent {
  readonly id = 'echo';
  readonly type = 'echo';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [{ name: 'echo', description: 'echo', parameters: [{ name: 'i', type: 'integer', required: true }], required_permissions: [] }];
  async handle(m: Message): Promise<CapabilityResult> { return { i: m.content.i }; }
}

async function requests(n: number): Promise<Timing> {
  const runtime = new AgentRuntime({ bus: new InProcessBus(), registry: new AgentRegistry() });
  await runtime.register(new EchoAgent());
  const stop = start();
  const inFlight = 64; // callers at once, like parallel workflow steps
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) {
      const i = next++;
      const r = await runtime.call({ capability: 'echo' }, { i });
      if (r.i !== i) throw new Error('wrong reply');
    }
  }));
  const timing = stop();
  await runtime.close();
  return timing;
}

async function best(fn: () => Promise<Timing> | Timing): Promise<Timing> {
  let b: Timing = { ms: Infinity, cpuMs: Infinity };
  for (let r = 0; r < ROUNDS; r++) {
    const t = await fn();
    b = { ms: Math.min(b.ms, t.ms), cpuMs: Math.min(b.cpuMs, t.cpuMs) };
  }
  return b;
}

// Warm-up: let V8 and zod's compiled parsers settle.
baseline(makeMessages(20_000));
await throughBus(makeMessages(20_000), false);
await throughBus(makeMessages(5_000), true);
await requests(2_000);

const REQ = Math.max(1000, Math.floor(N / 5));
const rows: [string, number, Timing][] = [];
rows.push(['baseline: plain loop, function call per message', N, await best(() => baseline(makeMessages(N)))]);
rows.push(['in-process bus, validated (no store)', N, await best(() => throughBus(makeMessages(N), false))]);
rows.push(['in-process bus + comm log on SQLite', N, await best(() => throughBus(makeMessages(N), true))]);
rows.push(['request/response via AgentRuntime.call', REQ, await best(() => requests(REQ))]);

const base = rows[0][2].ms / rows[0][1];
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
console.log(`\nMessage bus, ${N} messages (best of ${ROUNDS}), Node ${process.versions.node}, load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores\n`);
console.log('| scenario | messages | wall ms | msgs/s (wall) | msgs/s (CPU time) | time per message vs baseline |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, n, t] of rows) {
  console.log(`| ${name} | ${n} | ${t.ms.toFixed(1)} | ${rate(n, t.ms)} | ${rate(n, t.cpuMs)} | ${(t.ms / n / base).toFixed(0)}x |`);
}
