import type { NovaMigration } from './migration.js';

/**
 * The process (`host:pid`) that runs an install or plan: a run left "running" by a process that
 * was killed (SIGKILL, power loss) can then be told apart from one still going, and closed.
 */
export const runOwner: NovaMigration = {
  name: '007-run-owner',
  async up(db) {
    await db.schema.alterTable('runs').addColumn('owner', 'text').execute();
  },
};
