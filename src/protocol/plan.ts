import { z } from 'zod';

/** Ecosystems NovaSystem recognises. */
export const EcosystemName = z.enum([
  'node', 'python', 'go', 'rust', 'java-maven', 'java-gradle', 'ruby', 'php', 'dotnet',
  'cmake', 'meson', 'autotools', 'make', 'docker',
]);
export type EcosystemName = z.infer<typeof EcosystemName>;

export const Stage = z.enum(['system', 'install', 'build', 'test', 'run']);
export type Stage = z.infer<typeof Stage>;
export const STAGE_ORDER: Record<Stage, number> = { system: 0, install: 1, build: 2, test: 3, run: 4 };

export const SourceKind = z.enum(['ci', 'docs', 'manifest', 'default', 'memory', 'llm']);
export type SourceKind = z.infer<typeof SourceKind>;

export const Provenance = z.object({
  kind: SourceKind,
  file: z.string().optional(),
  line: z.number().int().min(1).optional(),
  /** Finer detail: `github-actions`, `makefile`, `readme-code-block`, … */
  detail: z.string().optional(),
});
export type Provenance = z.infer<typeof Provenance>;

export const Verdict = z.enum(['allow', 'warn', 'block']);
export type Verdict = z.infer<typeof Verdict>;

export const Ecosystem = z.object({
  name: EcosystemName,
  /** Folder relative to the repository root, "." for the root. */
  root: z.string(),
  packageManager: z.string(),
  packageManagerVersion: z.string().optional(),
  languageVersion: z.string().optional(),
  /** Where the language version came from (`.nvmrc`, `engines.node`, …). */
  languageVersionSource: z.string().optional(),
  workspaces: z.array(z.string()).optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  devDependencies: z.record(z.string(), z.string()).optional(),
  systemPackages: z.array(z.string()).optional(),
  /** Manifest scripts (package.json scripts, composer scripts, …). */
  scripts: z.record(z.string(), z.string()).optional(),
  lockfiles: z.array(z.string()).optional(),
});
export type Ecosystem = z.infer<typeof Ecosystem>;

/** What every step says of its command: stage, text, folder, environment, where it was found, how sure. */
const stepCore = {
  stage: Stage,
  command: z.string(),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  source: Provenance,
  confidence: z.number().min(0).max(1),
};

export const PlanStep = z.object({
  ...stepCore,
  verdict: Verdict,
  reasons: z.array(z.string()),
  /** Suggested better form of the command, if any (e.g. `npm ci`). */
  suggestion: z.string().optional(),
  /** The step needs network access (dependency downloads). */
  network: z.boolean().optional(),
  /** Values the user must supply before the step can run (placeholders such as `<your-token>`). */
  needsInput: z.array(z.string()).optional(),
  /** Other places the same step was found (they corroborate it). */
  alsoFoundIn: z.array(Provenance).optional(),
  /**
   * What earlier runs recorded in this store say about this exact command: runs, succeeded and
   * medianMs count first attempts in runs of the same target; fixesThatWorked come from any target.
   */
  history: z.object({
    runs: z.number().int().min(0),
    succeeded: z.number().int().min(0),
    medianMs: z.number().min(0),
    fixesThatWorked: z.array(z.object({ command: z.string(), times: z.number().int().min(1) })),
  }).optional(),
});
export type PlanStep = z.infer<typeof PlanStep>;

export const Prerequisite = z.object({
  kind: z.enum(['toolchain', 'service', 'browser', 'network', 'submodules', 'credentials', 'system-package', 'os']),
  name: z.string(),
  detail: z.string().optional(),
  /** Whether this machine appears to satisfy it (undefined: unknown). */
  satisfied: z.boolean().optional(),
  source: Provenance.optional(),
});
export type Prerequisite = z.infer<typeof Prerequisite>;

export const Plan = z.object({
  target: z.string(),
  /** Absolute path of the checked-out repository that was analysed. */
  root: z.string().optional(),
  ecosystems: z.array(Ecosystem),
  steps: z.array(PlanStep),
  /** Commands found for other systems (brew, choco, winget, PowerShell), kept apart. */
  otherPlatformSteps: z.array(PlanStep).optional(),
  prerequisites: z.array(Prerequisite).optional(),
  warnings: z.array(z.string()),
  /** Documents the plan was built from (recorded with install runs). */
  documents: z.array(z.object({ path: z.string(), kind: z.string(), bytes: z.number().int().min(0), sha256: z.string() })).optional(),
});
export type Plan = z.infer<typeof Plan>;

/** Platform a documented command is meant for; only linux/any commands enter the plan proper. */
export const Platform = z.enum(['any', 'linux', 'macos', 'windows']);
export type Platform = z.infer<typeof Platform>;

/**
 * A command found as evidence (in CI, docs, manifests or memory) before synthesis merges,
 * orders and validates the evidence into PlanSteps.
 */
export const CandidateStep = z.object({
  ...stepCore,
  platform: Platform.default('any'),
  needsInput: z.array(z.string()).optional(),
  /** Code-block language or CI job name, when known. */
  context: z.string().optional(),
});
export type CandidateStep = z.infer<typeof CandidateStep>;
