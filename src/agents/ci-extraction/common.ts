/** Shapes and small helpers shared by the CI readers. */
import type { CandidateStep, Platform, Provenance, Stage } from '../../protocol/plan.js';
import { STAGE_ORDER } from '../../protocol/plan.js';
import { commandWords, isLintCommand, splitScript, stageOfCommand } from '../documentation/command-facts.js';

export interface Toolchain {
  language: string;
  version: string;
  /** Every version CI's matrix runs for this toolchain, when it lists several (any of them would do). */
  alternatives?: string[];
  source: Provenance;
}

/** What the readers may know about this machine. */
export interface CiOptions {
  /**
   * Whether a version of a toolchain (`java`, `17`) is installed here; undefined when unknown. A
   * matrix that lists several versions is reduced to an entry this machine can run when it has one.
   */
  satisfiedHere?: (language: string, version: string) => boolean | undefined;
}

export interface Service {
  name: string;
  source: Provenance;
}

/**
 * What a CI job says about itself beyond its steps, for choosing the main job: the system it runs
 * on, the services it starts, and the jobs it waits for (a job that `needs` a test job is a
 * follow-up variant of it). `key` is `<file>#<job>`, as the planner's `ciJobOf` names it.
 */
export interface CiJob {
  key: string;
  runner?: Platform;
  services: string[];
  needs: string[];
}

/**
 * The CI job a candidate's detail names (`github-actions:test/Run tests` → `github-actions:test`),
 * undefined for evidence that is not a hosted CI job. Travis's `travis:<phase>` details are the
 * phases (install, script…) of its one job.
 */
export function ciJobOfDetail(detail: string | undefined): string | undefined {
  const m = /^(github-actions|gitlab-ci|circleci|travis|azure-pipelines):([^/]+)/.exec(detail ?? '');
  if (!m) return undefined;
  return m[1] === 'travis' ? 'travis:job' : m[0];
}

/** What one CI reader found in one file. */
export interface CiFindings {
  candidates: CandidateStep[];
  toolchains: Toolchain[];
  services: Service[];
  jobs: CiJob[];
  warnings: string[];
}

export const emptyFindings = (): CiFindings => ({ candidates: [], toolchains: [], services: [], jobs: [], warnings: [] });

/**
 * Base confidence per CI system: the repository's own pipeline is the strongest evidence, and
 * within it hosted CI that runs on every change beats helper files (Makefile, Dockerfile).
 */
export const CI_CONFIDENCE = {
  githubActions: 0.9,
  gitlab: 0.85,
  circleci: 0.85,
  azure: 0.8,
  travis: 0.8,
  tox: 0.75,
  devcontainer: 0.75,
  nox: 0.7,
  makefile: 0.65,
  dockerfile: 0.6,
} as const;

/** Lint/format-only steps are weak evidence of how to test: they need extra tools and often fail for style. */
export const LINT_PENALTY = 0.3;

/** Stage named by a CI step or job name ("Run tests", "Install dependencies"). */
export function stageOfName(name: string | undefined): Stage | undefined {
  if (!name) return undefined;
  const n = name.toLowerCase();
  if (/\b(test|tests|testing|spec|specs|check|checks|verify|coverage|e2e|integration|unit|lint|linting|format|style|typecheck|type-check|mypy)\b/.test(n)) return 'test';
  if (/\b(build|compile|make|bundle|package)\b/.test(n)) return 'build';
  if (/\b(install|dependencies|deps|setup|set up|bootstrap|prepare|restore|requirements|venv)\b/.test(n)) return 'install';
  if (/\b(system|apt|packages|os deps)\b/.test(n)) return 'system';
  if (/\b(start|serve)\b/.test(n)) return 'run';
  return undefined;
}

/**
 * A package manager run at a pinned version through a runner (`npx npm@7 ci`, `npx -y pnpm@8
 * install`, `pnpm dlx yarn@1 install`, `corepack pnpm@9 install`) as the plain command (`npm ci`).
 */
export function unwrapPinnedPackageManager(part: string): string {
  const m = /^(\s*(?:\w+=\S*\s+)*)(?:npx|pnpx|bunx|(?:pnpm|yarn) dlx|npm exec|corepack)\s+(?:(?:-y|--yes|-q|--quiet)\s+)*(npm|pnpm|yarn|bun)@\S+(?:\s+--)?(?=\s|$)/.exec(part);
  return m ? `${m[1]}${m[2]}${part.slice(m[0].length)}` : part;
}

/** The stage of one simple CI command (see `stageOfCommand`), through a pinned package manager too. */
export function ciStageOfCommand(part: string): Stage | undefined {
  return stageOfCommand(unwrapPinnedPackageManager(part));
}

/** The latest stage among a script's recognised parts, as `stageOfScript`, with `ciStageOfCommand`. */
export function ciStageOfScript(script: string): Stage | undefined {
  let best: Stage | undefined;
  for (const part of splitScript(script)) {
    const s = ciStageOfCommand(part);
    if (s && (!best || STAGE_ORDER[s] > STAGE_ORDER[best])) best = s;
  }
  return best;
}

/** The stage of a CI command: its words first, then the step name, then the fallback. */
export function decideStage(command: string, name: string | undefined, fallback: Stage): Stage {
  const byCommand = ciStageOfScript(command);
  const byName = stageOfName(name);
  // "Test" running `apt-get install tcl && ./check-all`: the part the words do not explain reaches
  // the stage the name says. When every part is explained (`mvn install -DskipTests` in a step
  // named "Verify build"), the commands are the better witness.
  const parts = splitScript(command);
  if (byCommand && byName && STAGE_ORDER[byName] > STAGE_ORDER[byCommand] && parts.length > 1 && parts.some((p) => ciStageOfCommand(p) === undefined)) return byName;
  // A bare `make` runs the Makefile's first target, whatever it is: a step named "Install
  // dependencies" running it says what that target does better than the guess "build".
  if (byName && parts.length === 1 && /^(g?make|just|task)(\s+-\S+)*$/.test(commandWords(parts[0]).join(' '))) return byName;
  return byCommand ?? byName ?? fallback;
}

/** Remove comment-only and blank lines from a CI script; keep everything else as written. */
export function cleanScript(script: string): string {
  return script
    .split('\n')
    .filter((l) => l.trim() && !/^\s*#/.test(l))
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .trim();
}

/** Remove `./` prefix and trailing slashes; undefined for the repository root itself. */
export function normaliseDir(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  let d = dir.trim().replace(/^\.\/+/, '').replace(/\/+$/, '');
  d = d.replace(/^\$\{?(GITHUB_WORKSPACE|CI_PROJECT_DIR|TRAVIS_BUILD_DIR|CIRCLE_WORKING_DIRECTORY|BUILD_SOURCESDIRECTORY)\}?\/?/, '');
  if (!d || d === '.') return undefined;
  if (d.startsWith('/') || d.startsWith('~') || d.split('/').includes('..')) return undefined;
  return d;
}

export interface CandidateInput {
  command: string;
  stage: Stage;
  file: string;
  line: number;
  detail: string;
  confidence: number;
  cwd?: string;
  env?: Record<string, string>;
  platform?: Platform;
  needsInput?: string[];
  context?: string;
}

export function candidate(c: CandidateInput): CandidateStep {
  const lint = isLintCommand(c.command);
  const confidence = Math.max(0.05, Math.min(1, c.confidence - (lint ? LINT_PENALTY : 0)));
  return {
    stage: c.stage,
    command: c.command,
    ...(c.cwd ? { cwd: c.cwd } : {}),
    ...(c.env && Object.keys(c.env).length ? { env: c.env } : {}),
    source: { kind: 'ci', file: c.file, line: c.line, detail: c.detail },
    confidence: Math.round(confidence * 100) / 100,
    platform: c.platform ?? 'any',
    ...(c.needsInput?.length ? { needsInput: [...new Set(c.needsInput)] } : {}),
    ...(c.context ? { context: c.context } : {}),
  };
}

/** Platform named by a runner label, image or OS key (`windows-latest`, `macos-14`, `osx`). */
export function platformOfLabel(label: string | undefined): Platform | undefined {
  if (!label) return undefined;
  const l = label.toLowerCase();
  if (/windows|\bwin\b|win-|vs20\d\d/.test(l)) return 'windows';
  if (/macos|\bosx\b|\bmac\b|darwin|xcode/.test(l)) return 'macos';
  if (/ubuntu|linux|debian|fedora|alpine|centos/.test(l)) return 'linux';
  return undefined;
}

/** Steps that only print information (versions, environment); nothing to reproduce. */
export function isInformational(script: string): boolean {
  // Outputs and summaries for later CI steps (`echo "v=…" >> $GITHUB_OUTPUT`) mean nothing outside CI.
  const parts = splitScript(script).map((p) => p.replace(/\s*>>?\s*"?\$\{?GITHUB_(OUTPUT|STEP_SUMMARY|STATE)\}?"?\s*$/, ''));
  return parts.length > 0 && parts.every((p) => {
    const w = commandWords(p);
    return /^(echo|printf|env|printenv|pwd|ls|which|type|uname|df|free|nproc|lscpu|whoami|id|date|cat|head|tail|du|set|export)$/.test(w[0] ?? '') && !/[^2]>\s*[^&\s]/.test(p)
      || (w.length === 2 && /^(-v|-V|--version|version)$/.test(w[1]));
  });
}

/** Steps that only delete files (CI workspace tricks such as testing against an installed wheel). */
export function isCleanupOnly(script: string): boolean {
  const parts = splitScript(script);
  return parts.length > 0 && parts.every((p) => /^(rm|rmdir|unlink)$/.test(commandWords(p)[0] ?? '') || /^git clean\b/.test(p));
}

/** Scripts that talk to the CI runner itself ($GITHUB_ENV, ::set-output): weaker outside CI. */
export function usesRunnerPlumbing(script: string): boolean {
  return /\$\{?(GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT|GITHUB_STEP_SUMMARY|GITHUB_STATE)\b|::(set-output|add-path|set-env|group|endgroup)/.test(script);
}

/** Steps whose name says they release, deploy or upload — not part of installing and testing. */
export function isReleaseName(name: string | undefined): boolean {
  return !!name && /\b(publish|release|deploy|deployment|upload (coverage|artifacts?|results|to)|codecov|coveralls|push (image|to)|tag (image|release)|gh-pages|github pages)\b/i.test(name);
}
