import { describe, expect, it } from 'vitest';
import { storeBackends } from '../testing/services.js';
import { commandHistory } from './command-history.js';
import { createRun, recordCommand } from './runs.js';
import { recordFixOutcome } from '../agents/troubleshooting/fix-outcomes.js';

for (const backend of storeBackends()) {
  describe.skipIf(!!backend.skip)(`command history on ${backend.name}`, () => {
    it('counts earlier first attempts of the same repository and their median time, and the fixes that made failures work anywhere', async () => {
      const { store, cleanup } = await backend.open();
      try {
        const cmd = (runId: string, attempt: number, command: string, status: string, durationMs: number) =>
          recordCommand(store, { runId, stepIndex: 0, attempt, stage: 'install', command, status, exitCode: status === 'success' ? 0 : 1, durationMs, output: '' });
        for (const id of ['r1', 'r2', 'r3']) await createRun(store, { runId: id, kind: 'install', target: '/repo/a' });
        await createRun(store, { runId: 'other', kind: 'install', target: '/repo/b' });
        await cmd('r1', 1, 'npm ci', 'success', 1000);
        await cmd('r2', 1, 'npm ci', 'failed', 3000);
        await cmd('r2', 2, 'npm install --no-audit --no-fund', 'success', 5000);
        await recordFixOutcome(store, { runId: 'r2', stepIndex: 0, patternId: 'npm.lockfile-out-of-sync', fixTemplate: 'npm install --no-audit --no-fund', command: 'npm install --no-audit --no-fund', worked: true });
        await cmd('r3', 1, 'npm ci', 'success', 2000);
        await cmd('other', 1, 'npm ci', 'failed', 9000);
        await cmd('other', 1, 'npm test', 'failed', 9000);
        const h = await commandHistory(store, ['npm ci', 'npm test'], '/repo/a');
        // Counts and times are this repository's; the failure in /repo/b does not count here.
        expect(h.get('npm ci')).toEqual({ runs: 3, succeeded: 2, medianMs: 2000, fixesThatWorked: [{ command: 'npm install --no-audit --no-fund', times: 1 }] });
        expect(h.has('npm test')).toBe(false);
        // A repository never run before: no counts, but the fix that worked elsewhere is shown.
        expect((await commandHistory(store, ['npm ci', 'npm test'], '/repo/new')).get('npm ci')).toEqual({ runs: 0, succeeded: 0, medianMs: 0, fixesThatWorked: [{ command: 'npm install --no-audit --no-fund', times: 1 }] });
        expect((await commandHistory(store, ['npm test'], '/repo/new')).size).toBe(0);
      } finally {
        await cleanup();
      }
    });
  });
}
