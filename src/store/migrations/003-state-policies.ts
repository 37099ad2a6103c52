import type { NovaMigration } from './migration.js';

/**
 * Shared state: each run's access policy is stored beside its document (state_docs stays as 001
 * made it), and the keys each update touched are indexed so `history({ key })` is a plain lookup
 * instead of a scan over JSON text.
 */
export const statePolicies: NovaMigration = {
  name: '003-state-policies',
  async up(db) {
    await db.schema.createTable('state_policies')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('state_update_keys')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('state_update_keys_pk', ['run_id', 'key', 'version'])
      .execute();
  },
};
