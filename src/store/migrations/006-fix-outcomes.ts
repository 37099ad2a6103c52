import type { NovaMigration } from './migration.js';
import { withSeq } from './migration.js';

/** Every fix the troubleshooter tried and whether it worked: the data fixes are ranked by. */
export const fixOutcomes: NovaMigration = {
  name: '006-fix-outcomes',
  async up(db, dialect) {
    await withSeq(db.schema.createTable('fix_outcomes'), dialect)
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step_index', 'integer', (c) => c.notNull())
      .addColumn('pattern_id', 'text', (c) => c.notNull())
      .addColumn('fix_template', 'text', (c) => c.notNull())
      .addColumn('command', 'text', (c) => c.notNull())
      .addColumn('worked', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('fix_outcomes_pattern').on('fix_outcomes').columns(['pattern_id', 'fix_template']).execute();
  },
};
