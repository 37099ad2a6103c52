/**
 * Command validation: every command parsed with mvdan/sh and judged allow / warn / block, with
 * reasons, a better form, the commands it runs, whether it needs the network, and (for a list of
 * steps) how the steps depend on one another.
 */
export type { CommandVerdict, StepAnalysis, StepLike, ValidationContext, VerdictLevel } from './types.js';
export { initValidator, validateCommand, MAX_COMMAND_BYTES, PARSE_FAILURE_PREFIX } from './validate.js';
export { validateSteps } from './steps.js';
export { CommandValidationAgent } from './agent.js';
