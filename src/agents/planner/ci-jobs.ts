/**
 * One CI configuration often holds many jobs: lint, docs, packaging checks, regression runs
 * against other branches, matrix variants. A plan needs the job(s) that install, build and test
 * the project. Jobs are scored by what they do and what they are called; the best job for each
 * toolchain the tests use is kept, the rest are left out (with a count in the warnings).
 */
import type { CandidateStep } from '../../protocol/plan.js';
import { commandFamilies, isTaskRunner } from './normalize.js';
import { commandWords, isLintCommand, splitScript } from '../documentation/command-facts.js';
import { ciJobOfDetail, ciStageOfCommand, type CiJob } from '../ci-extraction/common.js';

const GOOD_NAME = /(^|[-_ /:])(tests?|ci|build|check|unit|main|linux|ubuntu)([-_ /:]|$)/i;
const SIDE_NAME = /(lint|pre-?commit|format|style|typecheck|types|mypy|docs?|coverage|release|publish|deploy|bench|redistribut|regression|nightly|canary|preview|audit|security|sanitiz|fuzz|msrv|minimal|cross|windows|macos|wasm|android|ios|semver|api-compat|compat|valgrind|scan-?build|static[-_ ]?analy|coverity|analy[sz])/i;

/** `github-actions:<job>/<step>` → `<file>#<job>` (Travis: `<file>#job`); undefined for evidence that is not a CI job. */
export function ciJobOf(c: CandidateStep): string | undefined {
  return c.source.kind === 'ci' ? ciJobOfSource(c.source) : undefined;
}

interface Job {
  key: string;
  name: string;
  steps: CandidateStep[];
  families: Set<string>;
  score: number;
  info?: CiJob;
}

/** Commands that change the dependency set CI resolves (`npm update pkg`, `composer remove pkg`): a variant of the plain install. */
const CHANGES_DEPENDENCIES = /^(npm|pnpm|yarn|bun|composer|bundle|bundler) (update|upgrade|up|remove|rm|uninstall)( +-\S+)* +[^-\s]|^(npx )?(ncu|npm-check-updates)\b|^(python[0-9.]* -m )?(pip[0-9.]*|uv pip) uninstall\b/;
/** Cross-compilation (`cross build`, `cargo build --target=aarch64-unknown-linux-gnu`): builds for another machine than this x86-64 Linux one. */
const CROSS_BUILD = /(^|\s)cross (build|test|check)\b|--target[= ](?!x86_64-unknown-linux-gnu\b)\S*-(unknown|apple|pc|linux|windows|android)[-\s]/;
/** Packaging a release (tarballs, .deb/.rpm, installers). */
const PACKAGES = /\b(dpkg-deb|rpmbuild|cpack|makensis|iscc|fpm|cargo deb|cargo (generate-)?rpm)\b|\btar (-\w*c\w*z|c\w*z)|\bzip -r\b/;

function scoreJob(j: Job, all: Map<string, Job>): number {
  const parts = j.steps.flatMap((s) => partsOf(s).map((p) => ({ ...p, lint: isLintCommand(p.text) })));
  const stages = new Set(parts.map((p) => p.stage));
  // Style checks alone (`cargo fmt --check`) are a lint job however its steps are staged.
  const tests = parts.some((p) => p.stage === 'test' && !p.lint) ? 3 : stages.has('test') ? 1 : 0;
  let score = tests + (stages.has('install') ? 1 : 0) + (stages.has('build') ? 1 : 0);
  // Testing the project at the top of the repository, not only a sub-package in a folder.
  if (j.steps.some((s) => s.stage === 'test' && !s.cwd && !isLintCommand(s.command))) score += 1;
  const label = `${j.key.split('#')[0].split('/').pop()} ${j.name}`;
  if (GOOD_NAME.test(label)) score += 2;
  if (SIDE_NAME.test(label)) score -= 3;
  // A job that runs on macOS or Windows, or has steps only those systems can run (`brew
  // update`, pwsh), is about that system; the plan runs on Linux.
  if (otherSystem(j)) score -= 3;
  // Variants of a plain job: `tests-es-7` beside `tests`, a job that waits for a test job
  // (`needs: tests`), one with service containers, one that changes the resolved dependencies,
  // and release builds for other targets.
  if (variantOf(j, all)) score -= 3;
  if (envVariantOf(j, all)) score -= 2;
  if (j.info?.needs.some((n) => { const o = all.get(n); return !!o && testsBeyondLint(o); })) score -= 2;
  if (j.info?.services.length) score -= 1;
  if (parts.some((p) => CHANGES_DEPENDENCIES.test(commandWords(p.text).join(' ')))) score -= 2;
  if (parts.some((p) => CROSS_BUILD.test(p.text))) score -= 3;
  if (parts.some((p) => PACKAGES.test(p.text))) score -= 2;
  return score;
}

/** The job runs tests, not only style checks (a `test` job that `needs: lint` is no follow-up of it). */
function testsBeyondLint(j: Job): boolean {
  return j.steps.some((s) => s.stage === 'test' && !isLintCommand(s.command));
}

/** The job runs on macOS or Windows, or has steps only those systems can run. */
function otherSystem(j: Job): boolean {
  return j.info?.runner === 'macos' || j.info?.runner === 'windows' || j.steps.some((s) => s.platform === 'macos' || s.platform === 'windows');
}

/** The environment variables a job's steps set to something. */
function envKeys(j: Job): Set<string> {
  // An expression that came out empty (`${{ matrix.x == 'dev' && '1' || '' }}`) sets nothing.
  return new Set(j.steps.flatMap((s) => Object.entries(s.env ?? {}).filter(([, v]) => v !== '').map(([k]) => k)));
}

/**
 * Another job of the same file running the same tests with fewer environment variables: this one
 * is the same suite under extra settings (`TEST_DB=mysql`, `DEPS=lowest`).
 */
function envVariantOf(j: Job, all: Map<string, Job>): Job | undefined {
  const tests = (x: Job) => [...new Set(x.steps.filter((s) => s.stage === 'test').map((s) => s.command))].sort().join('\n');
  const mine = tests(j);
  if (!mine) return undefined;
  const env = envKeys(j);
  const file = j.key.split('#')[0];
  for (const o of all.values()) {
    // A macOS/Windows job has the same tests with its own settings: no plain version of a Linux one.
    if (o === j || o.key.split('#')[0] !== file || tests(o) !== mine || otherSystem(o)) continue;
    const theirs = envKeys(o);
    if (theirs.size < env.size && [...theirs].every((k) => env.has(k))) return o;
  }
  return undefined;
}

/** Another job of the same file whose name this job's extends (`test` → `test-with-updated-deps`, `tests` → `tests-es-7`). */
function variantOf(j: Job, all: Map<string, Job>): Job | undefined {
  const file = j.key.split('#')[0];
  for (const o of all.values()) {
    if (o === j || o.key.split('#')[0] !== file) continue;
    if (j.name.length > o.name.length && j.name.startsWith(o.name) && /^[-_ :.]/.test(j.name.slice(o.name.length)) && testsBeyondLint(o)) return o;
  }
  return undefined;
}

/**
 * The stage and toolchains of each part of a step's script: `make install` then `make test` in one
 * step installs and tests, whatever the step's own (latest) stage says.
 */
export function partsOf(c: CandidateStep): { stage: CandidateStep['stage']; families: string[]; text: string }[] {
  const parts = splitScript(c.command);
  if (parts.length < 2) return [{ stage: c.stage, families: isTaskRunner(c.command) ? ['*'] : [...commandFamilies(c.command)], text: c.command.trim() }];
  return parts.map((p) => ({ stage: ciStageOfCommand(p) ?? c.stage, families: isTaskRunner(p) ? ['*'] : [...commandFamilies(p)], text: p }));
}

export interface CiJobSelection {
  kept: CandidateStep[];
  left: { candidate: CandidateStep; why: string }[];
  /** Jobs whose steps were left out (`<file>#<job>`): what they set up is not needed either. */
  leftJobs: Set<string>;
}

export function selectCiJobs(candidates: CandidateStep[], jobInfo: CiJob[] = []): CiJobSelection {
  const jobs = new Map<string, Job>();
  for (const c of candidates) {
    const key = ciJobOf(c);
    if (!key) continue;
    let j = jobs.get(key);
    if (!j) jobs.set(key, (j = { key, name: key.split('#')[1], steps: [], families: new Set(), score: 0, info: jobInfo.find((i) => i.key === key) }));
    j.steps.push(c);
    for (const f of commandFamilies(c.command)) j.families.add(f);
  }
  if (jobs.size === 0) return { kept: candidates, left: [], leftJobs: new Set() };
  for (const j of jobs.values()) j.score = scoreJob(j, jobs);
  const ranked = [...jobs.values()].sort((a, b) => b.score - a.score);
  // Without any job that tests, there is no main job to choose: every job is kept, and the
  // task files still defer to them for the stages they run.
  const anyTests = ranked.some((j) => j.steps.some((s) => s.stage === 'test'));
  const chosen = new Set<string>(anyTests ? [ranked[0].key] : ranked.map((j) => j.key));
  if (anyTests) {
    const testFamilies = new Set<string>();
    for (const j of ranked) for (const s of j.steps) if (s.stage === 'test') for (const f of commandFamilies(s.command)) testFamilies.add(f);
    const covered = new Set(ranked[0].families);
    for (const j of ranked.slice(1)) {
      if (j.score < 3) break;
      if ([...j.families].some((f) => testFamilies.has(f) && !covered.has(f))) {
        chosen.add(j.key);
        j.families.forEach((f) => covered.add(f));
      }
    }
  }
  // Task files CI can call (tox.ini, Makefile, noxfile) and development images (Dockerfile,
  // devcontainer) are secondary evidence. For a stage the chosen jobs run, their entry points are
  // alternatives, not extra steps; and for a toolchain a chosen job installs and tests with by
  // itself, everything they do with that toolchain (any stage) repeats the job another way.
  const chosenSteps = ranked.filter((j) => chosen.has(j.key)).flatMap((j) => j.steps);
  // `docker build`/`docker compose` in a job runs the Dockerfile; it does not replace it.
  const jobStages = new Set(chosenSteps.filter((s) => !runsContainers(s.command)).flatMap((s) => partsOf(s).map((p) => p.stage)));
  const complete = completeFamilies(chosenSteps);
  const kept: CandidateStep[] = [];
  const left: { candidate: CandidateStep; why: string }[] = [];
  const names = [...chosen].map((k) => k.split('#')[1]).join(', ');
  for (const c of candidates) {
    const key = ciJobOf(c);
    const families = [...commandFamilies(c.command)];
    if (key && !chosen.has(key)) left.push({ candidate: c, why: `come from other CI jobs than the main one (${names})` });
    else if (!key && c.source.kind === 'ci' && jobStages.has(c.stage)) left.push({ candidate: c, why: `are task-file entry points for stages the main CI job (${names}) already runs` });
    else if (!key && c.source.kind === 'ci' && families.length && families.every((f) => complete.has(f) || complete.has('*'))) {
      left.push({ candidate: c, why: `repeat with ${families.join('/')} what the main CI job (${names}) already installs and tests (alternatives, not extra steps)` });
    } else kept.push(c);
  }
  return { kept, left, leftJobs: new Set([...jobs.keys()].filter((k) => !chosen.has(k))) };
}

/** The CI job a toolchain was set up in (`<file>#<job>`), as `ciJobOf` names jobs. */
export function ciJobOfSource(source: { file?: string; detail?: string }): string | undefined {
  const job = ciJobOfDetail(source.detail);
  return job ? `${source.file ?? ''}#${job.slice(job.indexOf(':') + 1)}` : undefined;
}

/** Toolchains that ship their own dependency fetch in the build/test command (`go test`, `cargo test`, `mvn verify`). */
const IMPLICIT_INSTALL = new Set(['go', 'rust', 'java-maven', 'java-gradle', 'dotnet']);
/** Test runners that make their own environment first (`uv run` syncs it; tox, nox and hatch create theirs). */
const SELF_PROVISIONING = /^(\w+=\S*\s+)*(uv run|uvx|tox|nox|hatch (test|run)|pixi run)\b/;

/**
 * Toolchain families a set of job steps installs *and* tests with: a complete sequence a task
 * file or development image cannot add to. A task runner (`make test`, `./ci/test.sh`) stands for
 * any toolchain (`*`).
 */
function completeFamilies(steps: CandidateStep[]): Set<string> {
  const installs = new Set<string>();
  const tests = new Set<string>();
  for (const { stage, families, text } of steps.flatMap(partsOf)) {
    if (stage === 'test') families.forEach((f) => tests.add(f));
    if (stage === 'install' || (stage === 'test' && SELF_PROVISIONING.test(text))) families.forEach((f) => installs.add(f));
  }
  const out = new Set<string>();
  for (const f of tests) {
    const installed = installs.has(f) || installs.has('*') || IMPLICIT_INSTALL.has(f) || (f === '*' && installs.size > 0);
    if (installed) out.add(f);
  }
  return out;
}

function runsContainers(command: string): boolean {
  return /^\s*(sudo\s+)?(docker|podman|docker-compose)\b/.test(command);
}
