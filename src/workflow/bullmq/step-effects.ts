/**
 * Exactly-once step effects. A step that may be delivered twice (BullMQ is at-least-once: a worker
 * can die after the effect but before the job is marked done) applies its effect through
 * `once(key, …)`: the effect's database writes and the `step_effects` row commit in one
 * transaction, so either both happen or neither; a redelivery (or a concurrent duplicate on
 * another worker) finds the key and gets the recorded result instead of applying the effect again.
 * Effects outside the database (files, HTTP) should carry the key themselves.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../../store/store.js';
import { NovaError } from '../../errors.js';

export type StepEffectsTable = {
  idempotency_key: string;
  run_id: string;
  step_id: string;
  result: string; // JSON
  worker: string | null;
  created_at: number; // epoch ms
};
// Type aliases, not interfaces: Kysely's withTables wants an index-signature-compatible type.
export type StepEffectTables = { step_effects: StepEffectsTable };

export interface EffectMeta {
  runId: string;
  stepId: string;
  worker?: string;
}

export interface EffectOutcome<T> {
  result: T;
  /** false when the key was already recorded and the effect was not applied again. */
  applied: boolean;
}

type Db = Kysely<StepEffectTables>;

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || /UNIQUE constraint failed|SQLITE_CONSTRAINT/.test(err?.message ?? '');
}

export class StepEffects {
  private readonly db: Db;
  constructor(private readonly store: Store) {
    this.db = store.db.withTables<StepEffectTables>() as unknown as Db;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const row = await this.db.selectFrom('step_effects').select('result').where('idempotency_key', '=', key).executeTakeFirst();
    return row ? (JSON.parse(row.result) as T) : undefined;
  }

  /**
   * Apply `effect` once per key. `effect` receives the transaction: do its database writes there.
   * Its result must be JSON-serialisable.
   */
  async once<T>(key: string, meta: EffectMeta, effect: (trx: Transaction<StepEffectTables>) => Promise<T>): Promise<EffectOutcome<T>> {
    if (!key) throw new NovaError('BAD_INPUT', 'an idempotency key must not be empty');
    const recorded = await this.get<T>(key);
    if (recorded !== undefined) return { result: recorded, applied: false };
    try {
      const result = await this.db.transaction().execute(async (trx) => {
        // Insert the key first: on PostgreSQL a concurrent duplicate blocks here until the first
        // commits, then fails on the primary key, so its effect never runs.
        await trx.insertInto('step_effects').values({ idempotency_key: key, run_id: meta.runId, step_id: meta.stepId, result: 'null', worker: meta.worker ?? null, created_at: Date.now() }).execute();
        const r = await effect(trx);
        await trx.updateTable('step_effects').set({ result: JSON.stringify(r ?? null) }).where('idempotency_key', '=', key).execute();
        return r;
      });
      return { result, applied: true };
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const winner = await this.get<T>(key);
      if (winner === undefined) throw e;
      return { result: winner, applied: false };
    }
  }

  async countForRun(runId: string): Promise<number> {
    const r = await this.db.selectFrom('step_effects').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
