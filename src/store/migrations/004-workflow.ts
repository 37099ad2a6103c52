import type { NovaMigration } from './migration.js';
import { sql, type CreateTableBuilder } from 'kysely';
import { bigint } from './migration.js';

/**
 * Durable workflow runs (src/workflow/persistence.ts owns the row types and every statement).
 * Step and thread rows are keyed by deterministic keys inside a run, so a resumed or distributed
 * executor addresses the same instance the same way.
 */
export const workflowTables: NovaMigration = {
  name: '004-workflow',
  async up(db, dialect) {
    // On SQLite the per-step tables are clustered on their key (WITHOUT ROWID): one b-tree to
    // write per row instead of a table plus its primary-key index — fewer pages per commit.
    const clustered = <TB extends string, C extends string>(t: CreateTableBuilder<TB, C>): CreateTableBuilder<TB, C> =>
      dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t;
    // Definitions and inputs live apart from the run row: the run row is rewritten by every
    // transition (its version), and SQLite rewrites a whole row on UPDATE, large text included.
    await db.schema.createTable('workflow_definitions')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('workflow', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('workflow_run_inputs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('input', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('workflow_runs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('workflow', 'text', (c) => c.notNull())
      .addColumn('definition_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('tenant', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('owner', 'text')
      .addColumn('lease_until', bigint(dialect))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('workflow_runs_status').on('workflow_runs').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('workflow_runs_created').on('workflow_runs').column('created_at').execute();

    await db.schema.createTable('workflow_threads')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('thread_key', 'text', (c) => c.notNull())
      .addColumn('parent_key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('workflow_threads_pk', ['run_id', 'thread_key'])
      .$call(clustered)
      .execute();

    await db.schema.createTable('workflow_steps')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step_key', 'text', (c) => c.notNull())
      .addColumn('step_id', 'text', (c) => c.notNull())
      .addColumn('thread_key', 'text', (c) => c.notNull())
      .addColumn('visit', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('input', 'text')
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('not_before', bigint(dialect))
      .addColumn('done_seq', 'integer')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addPrimaryKeyConstraint('workflow_steps_pk', ['run_id', 'step_key'])
      .$call(clustered)
      .execute();

    // seq orders a run's events: the run version of the commit × 1,000,000 + position in it.
    await db.schema.createTable('workflow_events')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('seq', bigint(dialect), (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('step_key', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('workflow_events_pk', ['run_id', 'seq'])
      .$call(clustered)
      .execute();
  },
};
