import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeBackends } from '../testing/services.js';
import { recordFixOutcome } from '../agents/troubleshooting/fix-outcomes.js';
import type { Store } from './store.js';
import { createRun, deleteRunRecords, finishRun, prunableRuns, recordCommand, recordDocuments } from './runs.js';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** A run that started `days` ago, with one command, one document and one fix outcome. */
async function seed(store: Store, runId: string, days: number, status: string | null): Promise<void> {
  await createRun(store, { runId, kind: 'install', target: `/repo/${runId}` });
  await recordCommand(store, { runId, stepIndex: 0, attempt: 1, stage: 'install', command: 'npm ci', status: 'success', exitCode: 0, durationMs: 5, output: 'ok' });
  await recordDocuments(store, runId, [{ path: 'README.md', kind: 'readme', sha256: 'a'.repeat(64), bytes: 10 }]);
  await recordFixOutcome(store, { runId, stepIndex: 0, patternId: 'p.test', fixTemplate: 'npm ci', command: 'npm ci', worked: true });
  if (status) await finishRun(store, runId, status, {});
  await store.db.updateTable('runs').set({ started_at: ago(days) }).where('run_id', '=', runId).execute();
}

const counts = async (store: Store, runId: string) => ({
  runs: (await store.db.selectFrom('runs').select('run_id').where('run_id', '=', runId).execute()).length,
  commands: (await store.db.selectFrom('commands').select('run_id').where('run_id', '=', runId).execute()).length,
  documents: (await store.db.selectFrom('documents').select('run_id').where('run_id', '=', runId).execute()).length,
  fixes: (await store.db.withTables<{ fix_outcomes: { run_id: string } }>().selectFrom('fix_outcomes').select('run_id').where('run_id', '=', runId).execute()).length,
});

for (const b of storeBackends()) {
  describe.skipIf(!!b.skip)(`run pruning (${b.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await b.open());
      await seed(store, 'old-ok', 40, 'success');
      await seed(store, 'old-failed', 35, 'failed');
      await seed(store, 'old-running', 50, null);
      await seed(store, 'new-ok', 2, 'success');
    });
    afterAll(async () => { await cleanup(); });

    it('finds finished runs older than the cutoff, oldest first; --keep-failed keeps unsuccessful ones', async () => {
      expect(await prunableRuns(store, { startedBefore: ago(30) })).toEqual(['old-ok', 'old-failed']);
      expect(await prunableRuns(store, { startedBefore: ago(30), keepFailed: true })).toEqual(['old-ok']);
      expect(await prunableRuns(store, { startedBefore: ago(1) })).toEqual(['old-ok', 'old-failed', 'new-ok']);
      expect(await prunableRuns(store, { startedBefore: ago(60) })).toEqual([]);
    });

    it('deletes the runs and every row recorded for them, and nothing else', async () => {
      const deleted = await deleteRunRecords(store, ['old-ok', 'old-failed', 'no-such-run']);
      expect(deleted).toEqual({ runs: 2, commands: 2, documents: 2, fixOutcomes: 2 });
      for (const id of ['old-ok', 'old-failed']) expect(await counts(store, id)).toEqual({ runs: 0, commands: 0, documents: 0, fixes: 0 });
      for (const id of ['old-running', 'new-ok']) expect(await counts(store, id)).toEqual({ runs: 1, commands: 1, documents: 1, fixes: 1 });
      expect(await deleteRunRecords(store, [])).toEqual({ runs: 0, commands: 0, documents: 0, fixOutcomes: 0 });
    });

    it('deletes more runs than one statement takes', async () => {
      const ids = Array.from({ length: 1203 }, (_, i) => `bulk-${i}`);
      await store.db.insertInto('runs').values(ids.map((run_id) => ({ run_id, kind: 'plan', target: '/r', status: 'success', tenant: 'default', started_at: ago(100), finished_at: ago(100), duration_ms: 1, summary: null }))).execute();
      const found = await prunableRuns(store, { startedBefore: ago(90) });
      expect(found).toHaveLength(1203);
      expect((await deleteRunRecords(store, found)).runs).toBe(1203);
    });
  });
}
