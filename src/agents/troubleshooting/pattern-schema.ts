import { z } from 'zod';

/**
 * One entry of the error-pattern library (error-patterns.json). Patterns are data so they can be
 * reviewed, extended and ranked without touching code. `match` is a JavaScript regular expression
 * (source text) tried against the failed step's output with ANSI colour codes removed;
 * `$1`, `$2`… in the explanation and in fix commands are replaced with its capture groups.
 */
export const FixTemplate = z.object({
  /** Shell command to run; captures substituted. */
  command: z.string().min(1),
  description: z.string().min(1),
  /**
   * replace: run the fix instead of the failed command (e.g. `npm install` for a failed `npm ci`);
   * before: run the fix, then retry the failed command;
   * retry-with: re-run the failed command with the text appended (flags).
   */
  mode: z.enum(['replace', 'before', 'retry-with']),
  /** The fix installs system packages: never applied without --allow-system. */
  system: z.boolean().default(false),
  network: z.boolean().default(false),
  /** Only offer this fix when the failed command matches this regular expression. */
  appliesTo: z.string().optional(),
});
export type FixTemplate = z.infer<typeof FixTemplate>;

export const ErrorCategory = z.enum([
  'missing-module', 'missing-header', 'missing-system-library', 'command-not-found', 'engine-mismatch',
  'lockfile-out-of-sync', 'dependency-conflict', 'dependency-not-found', 'native-build', 'network',
  'permission', 'out-of-memory', 'disk-full', 'timeout', 'test-failure', 'compile-error',
  'credentials', 'toolchain-version', 'configuration', 'resource-limit',
  // No known pattern matched: nothing is known about the cause (it is not a configuration problem).
  'unknown',
]);
export type ErrorCategory = z.infer<typeof ErrorCategory>;

export const ErrorPattern = z.object({
  id: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/),
  category: ErrorCategory,
  /** Tools/ecosystems this applies to (npm, yarn, pnpm, node-gyp, pip, python, cargo, go, maven, gradle, make, gcc, generic). */
  tools: z.array(z.string()).min(1),
  match: z.string().min(1),
  flags: z.string().regex(/^[imsu]*$/).default('m'),
  /** Plain-language explanation for people. */
  explanation: z.string().min(1),
  fixes: z.array(FixTemplate).default([]),
  /** Higher wins when several patterns match the same output. */
  priority: z.number().int().default(50),
});
export type ErrorPattern = z.infer<typeof ErrorPattern>;
