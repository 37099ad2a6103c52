import type { NovaMigration } from './migration.js';
import { bigint, withSeq } from './migration.js';

export const coreTables: NovaMigration = {
  name: '001-core',
  async up(db, dialect) {
    await db.schema.createTable('agents')
      .addColumn('agent_id', 'text', (c) => c.primaryKey())
      .addColumn('agent_type', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('registration', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .execute();

    await withSeq(db.schema.createTable('messages'), dialect)
      .addColumn('message_id', 'text', (c) => c.notNull().unique())
      .addColumn('from_agent', 'text', (c) => c.notNull())
      .addColumn('to_agent', 'text', (c) => c.notNull())
      .addColumn('message_type', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('parent_message_id', 'text')
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('messages_status').on('messages').columns(['status', 'to_agent']).execute();
    await db.schema.createIndex('messages_parent').on('messages').column('parent_message_id').execute();

    await db.schema.createTable('state_docs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await withSeq(db.schema.createTable('state_updates'), dialect)
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('update_json', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'text', (c) => c.notNull())
      .addUniqueConstraint('state_updates_run_version', ['run_id', 'version'])
      .execute();

    await withSeq(db.schema.createTable('audit_events'), dialect)
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('audit_events_subject').on('audit_events').columns(['subject', 'seq']).execute();

    await db.schema.createTable('kv')
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('expires_at', bigint(dialect))
      .addPrimaryKeyConstraint('kv_pk', ['namespace', 'key'])
      .execute();
    await db.schema.createIndex('kv_expires').on('kv').column('expires_at').execute();

    await db.schema.createTable('runs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull().defaultTo('default'))
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', bigint(dialect))
      .addColumn('summary', 'text')
      .execute();
    await db.schema.createIndex('runs_started').on('runs').column('started_at').execute();

    await withSeq(db.schema.createTable('commands'), dialect)
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step_index', 'integer', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('command', 'text', (c) => c.notNull())
      .addColumn('cwd', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('exit_code', 'integer')
      .addColumn('duration_ms', bigint(dialect), (c) => c.notNull())
      .addColumn('output', 'text', (c) => c.notNull())
      .addColumn('output_truncated', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('started_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('commands_run').on('commands').columns(['run_id', 'step_index']).execute();

    await withSeq(db.schema.createTable('documents'), dialect)
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('used_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('documents_run').on('documents').column('run_id').execute();
  },
};
