import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { storeBackends } from '../../testing/services.js';
import { StepEffects } from './step-effects.js';

for (const b of storeBackends()) {
  describe.skipIf(!!b.skip)(`StepEffects on ${b.name}`, () => {
    it('applies an effect once per key; a redelivery gets the recorded result', async () => {
      const { store, cleanup } = await b.open();
      try {
        await sql`CREATE TABLE effect_log (k text NOT NULL)`.execute(store.db);
        const effects = new StepEffects(store);
        let calls = 0;
        const apply = () => effects.once('run1:main/a#1', { runId: 'run1', stepId: 'a' }, async (trx) => {
          calls++;
          await sql`INSERT INTO effect_log (k) VALUES ('a')`.execute(trx);
          return { n: calls };
        });
        expect(await apply()).toEqual({ result: { n: 1 }, applied: true });
        expect(await apply()).toEqual({ result: { n: 1 }, applied: false });
        expect(calls).toBe(1);
        // An effect that throws leaves neither its writes nor the key behind, so a retry applies it.
        await expect(effects.once('k2', { runId: 'run1', stepId: 'b' }, async (trx) => {
          await sql`INSERT INTO effect_log (k) VALUES ('b')`.execute(trx);
          throw new Error('crashed mid-effect');
        })).rejects.toThrow('crashed mid-effect');
        expect(await effects.get('k2')).toBeUndefined();
        expect((await effects.once('k2', { runId: 'run1', stepId: 'b' }, async () => 'ok')).applied).toBe(true);
        const rows = await sql<{ k: string }>`SELECT k FROM effect_log ORDER BY k`.execute(store.db);
        expect(rows.rows.map((r) => r.k)).toEqual(['a']);
        expect(await effects.countForRun('run1')).toBe(2);
      } finally {
        await cleanup();
      }
    });

    it('lets only one of several concurrent duplicates apply its effect', async () => {
      const { store, cleanup } = await b.open();
      try {
        await sql`CREATE TABLE effect_log (k text NOT NULL)`.execute(store.db);
        const effects = new StepEffects(store);
        const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => effects.once('dup', { runId: 'r', stepId: 's' }, async (trx) => {
          await sql`INSERT INTO effect_log (k) VALUES ('dup')`.execute(trx);
          await new Promise((r) => setTimeout(r, 20));
          return { by: i };
        })));
        expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
        const winner = outcomes.find((o) => o.applied)!.result;
        for (const o of outcomes) expect(o.result).toEqual(winner);
        const rows = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM effect_log`.execute(store.db);
        expect(Number(rows.rows[0].n)).toBe(1);
      } finally {
        await cleanup();
      }
    });
  });
}
