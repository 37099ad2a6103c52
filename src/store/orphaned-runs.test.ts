import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeBackends } from '../testing/services.js';
import type { Store } from './store.js';
import { closeOrphanedRuns, createRun, finishRun, getRun, prunableRuns } from './runs.js';

/** The pid of a process that has just exited: a run owned by it was left behind by a crash. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

for (const b of storeBackends()) {
  describe.skipIf(!!b.skip)(`runs left running by a dead process (${b.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => { ({ store, cleanup } = await b.open()); });
    afterAll(async () => { await cleanup(); });

    it('are closed as interrupted; live, finished and other hosts\' runs are left alone', async () => {
      for (const id of ['crashed', 'live', 'elsewhere', 'done']) await createRun(store, { runId: id, kind: 'install', target: `/repo/${id}` });
      await store.db.updateTable('runs').set({ owner: `${hostname()}:${deadPid()}` }).where('run_id', '=', 'crashed').execute();
      await store.db.updateTable('runs').set({ owner: 'some-other-host:1234' }).where('run_id', '=', 'elsewhere').execute();
      await finishRun(store, 'done', 'success', {});

      expect(await closeOrphanedRuns(store)).toEqual(['crashed']);
      const crashed = await getRun(store, 'crashed');
      expect(crashed.status).toBe('interrupted');
      expect(crashed.finishedAt).not.toBeNull();
      expect(crashed.summary).toMatchObject({ interrupted: expect.stringMatching(/is gone/) });
      expect((await getRun(store, 'live')).status).toBe('running'); // owned by this very process
      expect((await getRun(store, 'elsewhere')).status).toBe('running');
      expect((await getRun(store, 'done')).status).toBe('success');
      expect(await closeOrphanedRuns(store)).toEqual([]); // once only

      const later = new Date(Date.now() + 1000).toISOString();
      expect((await prunableRuns(store, { startedBefore: later })).sort()).toEqual(['crashed', 'done']);
      expect(await prunableRuns(store, { startedBefore: later, keepFailed: true })).toEqual(['done']);
    });
  });
}
