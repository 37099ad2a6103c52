import type { NovaMigration } from './migration.js';
import { bigint } from './migration.js';

/**
 * Exactly-once effects (src/workflow/bullmq/step-effects.ts owns the row type and statements):
 * a step's effect is recorded under its idempotency key in the same transaction that applies it,
 * so a step redelivered after a worker died finds the key and returns the recorded result.
 */
export const stepEffects: NovaMigration = {
  name: '005-step-effects',
  async up(db, dialect) {
    await db.schema.createTable('step_effects')
      .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step_id', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('worker', 'text')
      .addColumn('created_at', bigint(dialect), (c) => c.notNull())
      .execute();
    await db.schema.createIndex('step_effects_run').on('step_effects').column('run_id').execute();
  },
};
