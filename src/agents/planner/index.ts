export { buildPlan, planRepository, type PlanOptions } from './build-plan.js';
export { PlannerAgent } from './agent.js';
export { mergeCandidates, SOURCE_RANK, MIN_CONFIDENCE } from './merge.js';
export { normalizeCommand, commandIntent, commandFamilies } from './normalize.js';
export { detectPrerequisites, versionSatisfies } from './prerequisites.js';
