import type { NovaMigration } from './migration.js';
import { coreTables } from './001-core.js';

/**
 * Every migration, in order. Modules that own tables add their migration here (one line each);
 * names sort by their number.
 */
export const migrations: NovaMigration[] = [
  coreTables,
];
