import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../store/store.js';
import { storeBackends, tempDir } from '../testing/services.js';
import { UtilityAgent } from '../agents/utility/utility-agent.js';
import type { WorkflowEvent } from '../protocol/workflow.js';
import { parseDefinition } from './definition.js';
import { directInvoker } from './invoker.js';
import { LocalWorkflowExecutor } from './local-executor.js';
import { ProbeAgent } from './testing/test-agent.js';
import { assertValidDefinition } from './validate.js';

let dir: ReturnType<typeof tempDir>;
let store: Store;
let probe: ProbeAgent;
let events: WorkflowEvent[];
let executors: LocalWorkflowExecutor[];

function executor(): LocalWorkflowExecutor {
  const ex = new LocalWorkflowExecutor({
    store,
    invoker: directInvoker([probe, new UtilityAgent({ allowedDirs: [dir.path] })]),
    onEvent: (e) => events.push(e),
    leaseMs: 2000,
  });
  executors.push(ex);
  return ex;
}

function def(steps: unknown[], extra: Record<string, unknown> = {}) {
  return assertValidDefinition(parseDefinition({ name: 't', steps, ...extra }));
}

async function run(steps: unknown[], input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const ex = executor();
  const runId = await ex.start(def(steps, extra), input);
  return { runId, outcome: await ex.wait(runId), ex };
}

beforeEach(async () => {
  dir = tempDir('nova-wf-');
  store = await openStore({ sqlitePath: join(dir.path, 'nova.sqlite') });
  probe = new ProbeAgent();
  events = [];
  executors = [];
});
afterEach(async () => {
  for (const ex of executors) await ex.close();
  await store.close();
  dir.cleanup();
});

describe('local workflow executor', () => {
  it('runs sequence, choice, parallel, foreach and loop with expressions over input and earlier outputs', async () => {
    const { outcome } = await run([
      { id: 'a', type: 'task', capability: 'util.echo', input: { x: '=input.n * 2' }, next: 'c' },
      { id: 'c', type: 'choice', choices: [{ when: 'steps.a.echo.x > 5', next: 'par' }], default: 'small' },
      { id: 'small', type: 'pass', output: { small: true } },
      { id: 'par', type: 'parallel', branches: ['b1', 'b2'], next: 'fe' },
      { id: 'b1', type: 'task', capability: 'util.sleep', input: { ms: 5 } },
      { id: 'b2', type: 'task', capability: 'util.echo', input: { y: 1 }, next: 'b2b' },
      { id: 'b2b', type: 'pass', output: { v: '=steps.b2.echo.y + 1' } },
      { id: 'fe', type: 'foreach', items: 'input.list', do: 'body', concurrency: 2, next: 'lp' },
      { id: 'body', type: 'task', capability: 'util.echo', input: { i: '=item', at: '=index' } },
      { id: 'lp', type: 'loop', do: 'lb', while: 'iteration < 3', maxIterations: 5, next: 'end' },
      { id: 'lb', type: 'task', capability: 'util.echo', input: { it: '=iteration', prev: '=last.echo.it' } },
      { id: 'end', type: 'pass', output: { fe: '=steps.fe.echo.i', par: '=steps.par', loop: '=steps.lp.echo' } },
    ], { n: 3, list: ['p', 'q', 'r'] });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ fe: ['p', 'q', 'r'], par: { b1: { slept: 5 }, b2: { v: 2 } }, loop: { it: 2, prev: 1 } });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.succeeded');
  });

  it('takes the default branch and evaluates the workflow output expression', async () => {
    const { outcome } = await run([
      { id: 'c', type: 'choice', choices: [{ when: 'input.n > 5', next: 'big' }], default: 'small' },
      { id: 'big', type: 'pass', output: { size: 'big' } },
      { id: 'small', type: 'pass', output: { size: 'small' } },
    ], { n: 1 }, { output: '{ "size": steps.small.size, "big": $exists(steps.big) }' });
    expect(outcome.output).toEqual({ size: 'small', big: false });
  });

  it('retries with backoff until the step succeeds, recording each retry', async () => {
    const started = Date.now();
    const { outcome } = await run([
      { id: 'f', type: 'task', capability: 'probe.flaky', input: { key: 'k', failures: 2 }, retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 40 } } },
    ]);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ key: 'k', failedBefore: 2 });
    expect(events.filter((e) => e.type === 'step.retried').map((e) => e.attempt)).toEqual([2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40 + 80 - 5);
  });

  it('goes to the error handler with the error once retries are exhausted', async () => {
    const { outcome } = await run([
      { id: 'f', type: 'task', capability: 'probe.flaky', input: { key: 'k', failures: 5 }, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 1 } }, onError: { goto: 'handled' }, next: 'never' },
      { id: 'never', type: 'pass' },
      { id: 'handled', type: 'pass', output: { code: '=error.code', msg: '=error.message' } },
    ]);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.output).toEqual({ code: 'UNAVAILABLE', msg: 'flaky failure 2 for k' });
    expect(probe.calls.filter((c) => c.capability === 'probe.flaky')).toHaveLength(2);
  });

  it('does not retry errors a retry cannot fix (bad input)', async () => {
    const { outcome } = await run([
      { id: 'f', type: 'task', capability: 'probe.fail', input: { code: 'BAD_INPUT' }, retry: { attempts: 5 } },
    ]);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('BAD_INPUT');
    expect(probe.calls).toHaveLength(1);
  });

  it('runs the compensation, then fails the run with the original reason', async () => {
    const file = join(dir.path, 'comp.txt');
    const { outcome } = await run([
      { id: 'f', type: 'task', capability: 'probe.fail', onError: { compensate: 'undo' } },
      { id: 'undo', type: 'task', capability: 'util.append-line', input: { file, line: '="undo " & error.code' } },
    ]);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toBe('probe failure');
    expect(readFileSync(file, 'utf8')).toBe('undo UNAVAILABLE\n');
    expect(events.some((e) => e.type === 'step.compensating')).toBe(true);
  });

  it('fails a step at its timeout and aborts the agent call', async () => {
    const { outcome } = await run([
      { id: 'slow', type: 'task', capability: 'probe.wait', input: { tag: 'slow' }, timeoutMs: 50 },
    ]);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('TIMEOUT');
    expect(probe.aborted).toEqual(['slow']);
  });

  it('fork/join on the first N branches cancels the others', async () => {
    const { outcome } = await run([
      { id: 'fork', type: 'parallel', branches: ['fast1', 'slow', 'fast2'], join: { first: 2 } },
      { id: 'fast1', type: 'task', capability: 'probe.wait', input: { ms: 5, tag: 'f1' } },
      { id: 'slow', type: 'task', capability: 'probe.wait', input: { tag: 'slow' } },
      { id: 'fast2', type: 'task', capability: 'probe.wait', input: { ms: 10, tag: 'f2' } },
    ]);
    expect(outcome.status).toBe('succeeded');
    expect(Object.keys(outcome.output as object).sort()).toEqual(['fast1', 'fast2']);
    expect(probe.aborted).toEqual(['slow']);
    expect(events.filter((e) => e.type === 'step.cancelled').map((e) => e.stepId)).toEqual(['slow']);
  });

  it('a failing branch fails a join-all parallel group and cancels its siblings', async () => {
    const { outcome } = await run([
      { id: 'par', type: 'parallel', branches: ['bad', 'hang'] },
      { id: 'bad', type: 'task', capability: 'probe.fail' },
      { id: 'hang', type: 'task', capability: 'probe.wait', input: { tag: 'hang' } },
    ]);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toContain('branch 0 ("bad") of "par" failed');
    expect(probe.aborted).toEqual(['hang']);
  });

  it('fans out over a list without exceeding the concurrency limit', async () => {
    const { outcome } = await run([
      { id: 'fe', type: 'foreach', items: '[1..12]', do: 'w', concurrency: 3 },
      { id: 'w', type: 'task', capability: 'probe.wait', input: { ms: 5, tag: '=$string(item)' } },
    ]);
    expect(outcome.status).toBe('succeeded');
    expect((outcome.output as unknown[]).length).toBe(12);
    expect(probe.maxActive).toBe(3);
  });

  it('stops a bounded cycle at maxVisits with LOOP_LIMIT', async () => {
    const { outcome } = await run([
      { id: 'tick', type: 'task', capability: 'util.echo', next: 'again' },
      { id: 'again', type: 'choice', choices: [{ when: 'true', next: 'tick' }], maxVisits: 3 },
    ]);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('LOOP_LIMIT');
    expect(probe.calls).toHaveLength(0);
    // "again" may be entered 3 times, so "tick" runs 4 times; the 4th entry of "again" fails.
    expect(events.filter((e) => e.type === 'step.succeeded' && e.stepId === 'tick')).toHaveLength(4);
  });

  it('fails the run with the reason when an expression throws, or an agent is missing', async () => {
    const bad = await run([{ id: 'x', type: 'task', capability: 'util.echo', input: { v: '=$notAFunction(1)' } }]);
    expect(bad.outcome.status).toBe('failed');
    expect(bad.outcome.error?.code).toBe('EXPRESSION');
    const gone = await run([{ id: 'x', type: 'task', capability: 'nobody.home', retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 1 } } }]);
    expect(gone.outcome.status).toBe('failed');
    expect(gone.outcome.error?.message).toContain('no agent provides capability "nobody.home"');
  });

  it('refuses a run input that does not match the declared inputs', async () => {
    const ex = executor();
    const d = def([{ id: 'a', type: 'pass' }], { inputs: [{ name: 'n', type: 'integer', required: true }] });
    await expect(ex.start(d, { n: 'three' })).rejects.toThrow(/\$\.n: must be integer, got string/);
    await expect(ex.start(d, {})).rejects.toThrow(/\$\.n: is required/);
  });

  it('cancels a running run and aborts its in-flight steps', async () => {
    const ex = executor();
    const runId = await ex.start(def([{ id: 'w', type: 'task', capability: 'probe.wait', input: { tag: 'w' } }]), {});
    await new Promise((r) => setTimeout(r, 20));
    await ex.cancel(runId, 'user asked');
    const outcome = await ex.wait(runId);
    expect(outcome.status).toBe('cancelled');
    expect(outcome.error?.message).toBe('user asked');
    expect(probe.aborted).toEqual(['w']);
  });

  it('on resume re-runs an idempotent in-flight step and interrupts a non-idempotent one (→ its error handler)', async () => {
    const d = def([
      { id: 'par', type: 'parallel', branches: ['idem', 'once'] },
      { id: 'idem', type: 'task', capability: 'probe.wait', input: { ms: 10000, tag: 'idem' }, idempotent: true },
      { id: 'once', type: 'task', capability: 'probe.wait', input: { ms: 10000, tag: 'once' }, onError: { goto: 'recovered' } },
      { id: 'recovered', type: 'pass', output: { was: '=error.code' } },
    ]);
    const first = executor();
    const runId = await first.start(d, {});
    await new Promise((r) => setTimeout(r, 20));
    await first.close(); // the process "dies": the run stays running with both steps in flight
    expect((await first.wf.loadRun(runId))?.status).toBe('running');
    probe.calls.length = 0;
    const second = executor();
    // same process id, so the dead owner cannot be detected: take over explicitly
    await expect(second.resume(runId)).rejects.toThrow(/being driven by/);
    await second.resume(runId, { force: true });
    const resumed = events.filter((e) => e.type === 'step.resumed').map((e) => e.stepId);
    const interrupted = events.filter((e) => e.type === 'step.interrupted').map((e) => e.stepId);
    expect(resumed).toEqual(['idem']);
    expect(interrupted).toEqual(['once']);
    expect(probe.calls.map((c) => c.content.tag)).toEqual(['idem']);
    await second.cancel(runId);
  });

  it('publishes step and run events in order for one step', async () => {
    await run([{ id: 'a', type: 'task', capability: 'util.echo', input: { v: 1 } }]);
    expect(events.map((e) => `${e.type}${e.stepId ? ':' + e.stepId : ''}`)).toEqual(['run.started', 'step.started:a', 'step.succeeded:a', 'run.succeeded']);
    const stored = await executors[0].wf.events(events[0].runId);
    expect(stored.map((s) => s.event.type)).toEqual(events.map((e) => e.type));
  });
});

for (const backend of storeBackends().filter((b) => b.name === 'postgres')) {
  describe.skipIf(!!backend.skip)('local workflow executor on PostgreSQL', () => {
    it('runs branches, a fork/join and a fan-out with every transition in PostgreSQL', async () => {
      const { store: pg, cleanup } = await backend.open();
      try {
        const ex = new LocalWorkflowExecutor({ store: pg, invoker: directInvoker([probe]), leaseMs: 2000 });
        const runId = await ex.start(def([
          { id: 'fork', type: 'parallel', branches: ['a', 'b'], join: { first: 1 }, next: 'fan' },
          { id: 'a', type: 'task', capability: 'probe.wait', input: { ms: 1, tag: 'a' } },
          { id: 'b', type: 'task', capability: 'probe.wait', input: { tag: 'b' } },
          { id: 'fan', type: 'foreach', items: '[1..20]', do: 'rec', concurrency: 5 },
          { id: 'rec', type: 'task', capability: 'probe.record', input: { n: '=item' } },
        ]), {});
        const outcome = await ex.wait(runId);
        expect(outcome.status).toBe('succeeded');
        expect((outcome.output as { got: { n: number } }[]).map((o) => o.got.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const loaded = await ex.wf.load(runId);
        expect(loaded.steps.filter((s) => s.stepId === 'rec' && s.status === 'succeeded')).toHaveLength(20);
        expect(loaded.steps.find((s) => s.stepId === 'b')?.status).toBe('cancelled');
        await ex.close();
      } finally {
        await cleanup();
      }
    });
  });
}
