/**
 * Crash test of the local durable engine: a child process runs a ~70-step workflow (sequence,
 * choice, parallel group, fork/join, fan-out, loop) whose effect steps append their step key to a
 * file; the child is SIGKILLed at many different instants (and some resumes are killed again);
 * after each kill `resume` finishes the run, and every effect is present exactly once, no step
 * completes twice, and no completed step is dispatched again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../src/store/store.js';
import { tempDir } from '../src/testing/services.js';
import { UtilityAgent } from '../src/agents/utility/utility-agent.js';
import { runtimeInvoker, WORKFLOW_ENGINE_ID } from '../src/workflow/invoker.js';
import { InProcessBus } from '../src/bus/in-process/in-process-bus.js';
import { AgentRegistry } from '../src/agents/registry.js';
import { AgentRuntime } from '../src/agents/runtime.js';
import { LocalWorkflowExecutor } from '../src/workflow/local-executor.js';
import { parseDefinition } from '../src/workflow/definition.js';
import { assertValidDefinition } from '../src/workflow/validate.js';
import { crashWorkflow } from '../src/workflow/testing/crash-workflow.js';

const CHILD_SRC = fileURLToPath(new URL('./workflow-crash-child.ts', import.meta.url));
// The child is bundled once with esbuild (what tsx uses underneath): starting it through the tsx
// loader costs seconds per spawn on a busy machine, which would dominate the test. Dependencies stay
// external and resolve from the project's node_modules, so the child runs the same code.
const CHILD = fileURLToPath(new URL('../node_modules/.cache/nova-test/workflow-crash-child.mjs', import.meta.url));
const TRIALS = 24;
const PAUSE_MS = 8;

let dir: ReturnType<typeof tempDir>;
let store: Store;
let sqlitePath: string;
const definition = assertValidDefinition(parseDefinition(crashWorkflow()));

function inputFor(file: string) {
  return { file, route: 'a', items: ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'], pauseMs: PAUSE_MS };
}

/** The resuming side, wired like the child: AgentRuntime over the in-process bus. */
async function executor(): Promise<{ ex: LocalWorkflowExecutor; close: () => Promise<void> }> {
  const bus = new InProcessBus();
  const runtime = new AgentRuntime({ bus, registry: new AgentRegistry({ principals: { [WORKFLOW_ENGINE_ID]: ['*'] } }) });
  await runtime.register(new UtilityAgent({ allowedDirs: [dir.path] }));
  const ex = new LocalWorkflowExecutor({ store, invoker: runtimeInvoker(runtime) });
  return { ex, close: async () => { await ex.close(); await runtime.close(); await bus.close(); } };
}

/** Start the child; resolve once it says the run is being driven. */
function spawnChild(runId: string, mode: 'start' | 'resume', input: unknown) {
  const child = spawn(process.execPath, [CHILD, sqlitePath, dir.path, runId, mode, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('running')) resolve(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before running: ${err}`)));
  });
  running.catch(() => {});
  return { child, exited, running, output: () => out };
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

beforeAll(async () => {
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [CHILD_SRC], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: CHILD, logLevel: 'warning' });
  dir = tempDir('nova-wf-crash-');
  sqlitePath = join(dir.path, 'nova.sqlite');
  store = await openStore({ sqlitePath });
});
afterAll(async () => {
  await store.close();
  dir.cleanup();
});

describe('workflow engine crash safety', () => {
  it(`finishes every run with each effect exactly once after SIGKILL at ${TRIALS} points`, async () => {
    expect(definition.steps.length).toBeGreaterThanOrEqual(50);
    // Reference: the same workflow without a crash gives the expected effects and the time span to kill in.
    const refFile = join(dir.path, 'reference.txt');
    const ref = await executor();
    const t0 = Date.now();
    const refId = await ref.ex.start(definition, inputFor(refFile), { runId: 'reference' });
    expect((await ref.ex.wait(refId)).status).toBe('succeeded');
    const refMs = Date.now() - t0;
    await ref.close();
    const expected = lines(refFile).sort();
    expect(expected.length).toBeGreaterThanOrEqual(50);
    expect(new Set(expected).size).toBe(expected.length);

    let killedMidRun = 0;
    const killDelays: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const runId = `crash-${trial}`;
      const file = join(dir.path, `effects-${trial}.txt`);
      // Kill points spread over the whole run by progress (the number of effects already written),
      // plus a few milliseconds of jitter so kills also land between an effect and its commit.
      const target = Math.floor((trial / TRIALS) * (expected.length - 2));
      const jitter = trial % 4;
      const c = spawnChild(runId, 'start', inputFor(file));
      await c.running;
      let childExited = false;
      void c.exited.then(() => { childExited = true; });
      while (!childExited && lines(file).length < target) await new Promise((r) => setTimeout(r, 1));
      if (jitter) await new Promise((r) => setTimeout(r, jitter));
      killDelays.push(lines(file).length);
      c.child.kill('SIGKILL');
      await c.exited;
      const afterKill = await store.db.selectFrom('workflow_runs' as never).select('status' as never).where('run_id' as never, '=', runId as never).executeTakeFirst() as { status: string } | undefined;
      if (afterKill?.status === 'running') killedMidRun++;

      // Every fourth trial, kill the first resume as well.
      if (trial % 4 === 1 && afterKill?.status === 'running') {
        const r = spawnChild(runId, 'resume', null);
        await r.running;
        await new Promise((res) => setTimeout(res, 15 + (trial % 7) * 10));
        r.child.kill('SIGKILL');
        await r.exited;
      }

      const { ex, close } = await executor();
      await ex.resume(runId);
      const outcome = await ex.wait(runId);
      await close();
      expect(outcome.status, `trial ${trial} (killed after ${killDelays[trial]} effects)`).toBe('succeeded');
      const got = lines(file).map((l) => l.replace(runId, 'reference')).sort();
      expect(got, `trial ${trial}: effects exactly once`).toEqual(expected);

      // No step completed twice, and none was dispatched again after it completed.
      const events = await ex.wf.events(runId, { limit: 100_000 });
      const succeeded = new Map<string, number>();
      for (const { event: e } of events) {
        if (!e.stepKey) continue;
        if (e.type === 'step.succeeded') succeeded.set(e.stepKey, (succeeded.get(e.stepKey) ?? 0) + 1);
        if ((e.type === 'step.resumed' || e.type === 'step.started' || e.type === 'step.retried') && succeeded.has(e.stepKey)) {
          throw new Error(`trial ${trial}: ${e.stepKey} was dispatched again (${e.type}) after it completed`);
        }
      }
      expect([...succeeded.values()].every((n) => n === 1), `trial ${trial}: a step completed twice`).toBe(true);
    }
    console.log(`crash test: ${TRIALS} kills (+${Math.ceil(TRIALS / 4)} kills of a resume), ${killedMidRun} mid-run; effects written at each kill: ${killDelays.join(',')} of ${expected.length}`);
    expect(killedMidRun, `effects written at each kill: ${killDelays.join(',')}; reference run ${refMs} ms`).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
