import type { NovaMigration } from './migration.js';
import { coreTables } from './001-core.js';
import { workflowTables } from './004-workflow.js';
import { stepEffects } from './005-step-effects.js';
import { fixOutcomes } from './006-fix-outcomes.js';
import { statePolicies } from './003-state-policies.js';
import { runOwner } from './007-run-owner.js';

/**
 * Every migration, in order. Modules that own tables add their migration here (one line each);
 * names sort by their number.
 */
export const migrations: NovaMigration[] = [
  coreTables,
  workflowTables,
  stepEffects,
  fixOutcomes,
  statePolicies,
  runOwner,
];
