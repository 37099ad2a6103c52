import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeBackends } from '../testing/services.js';
import type { Store } from '../store/store.js';
import { parseDefinition } from './definition.js';
import { RunState, WorkflowMachine } from './machine.js';
import { StaleTransitionError, WorkflowStore } from './persistence.js';

const definition = parseDefinition({
  name: 'p',
  steps: [
    { id: 'a', type: 'task', capability: 'util.echo', input: { v: '=input.v' }, next: 'b' },
    { id: 'b', type: 'task', capability: 'util.echo' },
  ],
});

for (const backend of storeBackends()) {
  describe.skipIf(!!backend.skip)(`workflow persistence on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let wf: WorkflowStore;
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
      wf = new WorkflowStore(store);
    });
    afterEach(async () => cleanup());

    async function begun() {
      const { state, transition } = await WorkflowMachine.begin(definition, { runId: 'r1', input: { v: 7 }, tenant: 'default', owner: 'me', leaseUntil: Date.now() + 60_000 });
      await wf.commit(transition);
      return state;
    }

    it('round-trips a run: records written by a transition load back into an equal state', async () => {
      const state = await begun();
      const loaded = await wf.load('r1');
      expect(loaded.run).toMatchObject({ runId: 'r1', status: 'running', version: 1, input: { v: 7 }, owner: 'me' });
      expect(loaded.steps.map((s) => [s.stepKey, s.status, s.input])).toEqual([['main/a#1', 'running', { v: 7 }]]);
      expect(loaded.threads.map((t) => [t.threadKey, t.status])).toEqual([['main', 'running']]);
      const again = new RunState(loaded.run, loaded.steps, loaded.threads);
      expect([...again.steps.keys()]).toEqual([...state.steps.keys()]);
      expect((await wf.events('r1')).map((e) => e.event.type)).toEqual(['run.started', 'step.started']);
    });

    it('records a step completion exactly once: a second, stale completion is rolled back whole', async () => {
      const state = await begun();
      // Two executors computed the same completion from the same version; only one may commit.
      const copy = await wf.load('r1');
      const other = new WorkflowMachine(new RunState(copy.run, copy.steps, copy.threads));
      const t1 = await new WorkflowMachine(state).stepSucceeded('main/a#1', 1, { ok: 1 });
      const t2 = await other.stepSucceeded('main/a#1', 1, { ok: 2 });
      await wf.commit(t1!);
      await expect(wf.commit(t2!)).rejects.toBeInstanceOf(StaleTransitionError);
      const loaded = await wf.load('r1');
      expect(loaded.steps.find((s) => s.stepId === 'a')).toMatchObject({ status: 'succeeded', output: { ok: 1 } });
      expect(loaded.steps.filter((s) => s.stepId === 'b')).toHaveLength(1);
      expect((await wf.events('r1')).filter((e) => e.event.type === 'step.succeeded')).toHaveLength(1);
    });

    it('guards step updates by status and attempt even when the version matches', async () => {
      const state = await begun();
      const t = await new WorkflowMachine(state).stepSucceeded('main/a#1', 1, { ok: 1 });
      t!.steps[0].prev = { status: 'running', attempt: 2 };
      await expect(wf.commit(t!)).rejects.toBeInstanceOf(StaleTransitionError);
      expect((await wf.load('r1')).run.version).toBe(1);
    });

    it('prunes finished runs with all their rows, never unfinished ones', async () => {
      const state = await begun();
      // A second run, finished.
      const other = await WorkflowMachine.begin(parseDefinition({ name: 'q', steps: [{ id: 'p', type: 'pass' }] }), { runId: 'r2', input: {}, tenant: 'default', owner: null, leaseUntil: null });
      await wf.commit(other.transition);
      expect(other.state.run.status).toBe('succeeded');
      const future = new Date(Date.now() + 60_000).toISOString();
      expect(await wf.prune(future)).toBe(1);
      expect(await wf.loadRun('r2')).toBeUndefined();
      expect(await wf.events('r2')).toEqual([]);
      expect((await wf.load('r1')).steps).toHaveLength(1);
      expect(state.run.status).toBe('running');
      const defs = await wf.db.selectFrom('workflow_definitions').select('workflow').execute();
      expect(defs.map((d) => d.workflow)).toEqual(['p']);
    });

    it('leases a run to one owner at a time', async () => {
      await begun();
      expect(await wf.claim('r1', 'other', 1000)).toBe(false);
      expect(await wf.claim('r1', 'other', 1000, (o) => o === 'me')).toBe(true);
      expect(await wf.renew('r1', 'me', 1000)).toBe(false);
      expect(await wf.renew('r1', 'other', 1000)).toBe(true);
      await wf.release('r1', 'other');
      expect(await wf.claim('r1', 'third', 1000)).toBe(true);
      expect((await wf.unfinishedRunIds()).map((r) => r.runId)).toEqual(['r1']);
      expect((await wf.listRuns({ status: 'running' })).map((r) => r.runId)).toEqual(['r1']);
    });
  });
}
