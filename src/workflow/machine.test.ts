import { describe, expect, it } from 'vitest';
import { WorkflowDefinition } from '../protocol/workflow.js';
import { WorkflowMachine } from './machine.js';
import { mergeTransitions } from './records.js';

const begin = (steps: unknown[]) => WorkflowMachine.begin(WorkflowDefinition.parse({ name: 'm', steps }), { runId: 'r', input: {}, tenant: 'default', owner: null, leaseUntil: null });

describe('workflow state machine', () => {
  it('fails the run instead of spinning on an unbounded synchronous cycle that skipped validation', async () => {
    const { state, transition } = await begin([
      { id: 'a', type: 'pass', next: 'b' },
      { id: 'b', type: 'pass', next: 'a' },
    ]);
    expect(state.run.status).toBe('failed');
    expect(transition.run?.error?.code).toBe('LOOP_LIMIT');
  }, 60_000);

  it('walks long synchronous chains without recursion (a 5,000-item foreach of pass steps)', async () => {
    const { state } = await begin([
      { id: 'fe', type: 'foreach', items: '[1..5000]', do: 'p', concurrency: 5000 },
      { id: 'p', type: 'pass', output: { v: '=item' } },
    ]);
    expect(state.run.status).toBe('succeeded');
    expect((state.run.output as unknown[]).length).toBe(5000);
  });

  it('starts every branch in the first transition and dispatches their tasks after it', async () => {
    const { transition } = await begin([
      { id: 'p', type: 'parallel', branches: ['x', 'y'] },
      { id: 'x', type: 'task', capability: 'util.echo', input: { v: '=$stepKey' } },
      { id: 'y', type: 'task', capability: 'util.echo' },
    ]);
    expect(transition.createRun?.runId).toBe('r');
    expect(transition.dispatch.map((d) => [d.stepKey, d.input])).toEqual([['main/p#1/0/x#1', { v: 'main/p#1/0/x#1' }], ['main/p#1/1/y#1', {}]]);
    expect(transition.threads.map((t) => t.row.threadKey)).toEqual(['main', 'main/p#1/0', 'main/p#1/1']);
  });

  it('merges consecutive transitions into one commit: first guard, last row, version moved by their count', async () => {
    const { state } = await begin([
      { id: 'p', type: 'parallel', branches: ['x', 'y'] },
      { id: 'x', type: 'task', capability: 'util.echo' },
      { id: 'y', type: 'task', capability: 'util.echo' },
    ]);
    state.run.version = 1; // as if the first transition had been committed
    const m = new WorkflowMachine(state);
    const t1 = await m.stepSucceeded('main/p#1/0/x#1', 1, { a: 1 });
    const t2 = await m.stepSucceeded('main/p#1/1/y#1', 1, { b: 2 });
    const merged = mergeTransitions([t1!, t2!]);
    expect(merged.fromVersion).toBe(1);
    expect(merged.toVersion).toBe(3);
    expect(merged.run?.status).toBe('succeeded');
    const x = merged.steps.find((w) => w.row.stepKey === 'main/p#1/0/x#1')!;
    expect(x.prev).toEqual({ status: 'running', attempt: 1 });
    expect(x.row.status).toBe('succeeded');
    expect(merged.events.map((e) => e.type)).toEqual(['step.succeeded', 'step.succeeded', 'step.succeeded', 'run.succeeded']);
  });

  it('ignores a stale completion (wrong attempt, or a step no longer running)', async () => {
    const { state } = await begin([{ id: 'a', type: 'task', capability: 'util.echo' }]);
    const m = new WorkflowMachine(state);
    expect(await m.stepSucceeded('main/a#1', 2, {})).toBeNull();
    expect(await m.stepSucceeded('main/a#1', 1, {})).not.toBeNull();
    expect(await m.stepSucceeded('main/a#1', 1, {})).toBeNull();
  });
});
