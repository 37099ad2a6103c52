import { describe, expect, it } from 'vitest';
import { storeBackends } from '../../testing/services.js';
import { fixStats, rankFixes, recordFixOutcome } from './fix-outcomes.js';

for (const backend of storeBackends()) {
  describe.skipIf(!!backend.skip)(`fix outcomes on ${backend.name}`, () => {
    it('ranks fixes by how often they worked', async () => {
      const { store, cleanup } = await backend.open();
      try {
        const base = { runId: 'r', stepIndex: 0, patternId: 'npm.eresolve-peer-deps', command: 'x' };
        await recordFixOutcome(store, { ...base, fixTemplate: 'A', worked: false });
        await recordFixOutcome(store, { ...base, fixTemplate: 'A', worked: false });
        await recordFixOutcome(store, { ...base, fixTemplate: 'B', worked: true });
        const stats = await fixStats(store, ['npm.eresolve-peer-deps']);
        expect(stats.map((s) => [s.fixTemplate, s.tried, s.worked])).toEqual([['B', 1, 1], ['A', 2, 0]]);
        const ranked = rankFixes('npm.eresolve-peer-deps', [{ template: 'A' }, { template: 'C' }, { template: 'B' }], stats);
        expect(ranked.map((f) => f.template)).toEqual(['B', 'C', 'A']);
      } finally {
        await cleanup();
      }
    });
  });
}
