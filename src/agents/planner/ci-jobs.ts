/**
 * One CI configuration often holds many jobs: lint, docs, packaging checks, regression runs
 * against other branches, matrix variants. A plan needs the job(s) that install, build and test
 * the project. Jobs are scored by what they do and what they are called; the best job for each
 * toolchain the tests use is kept, the rest are left out (with a count in the warnings).
 */
import type { CandidateStep } from '../../protocol/plan.js';
import { commandFamilies } from './normalize.js';

const GOOD_NAME = /(^|[-_ /:])(tests?|ci|build|check|unit|main|linux|ubuntu)([-_ /:]|$)/i;
const SIDE_NAME = /(lint|pre-?commit|format|style|typecheck|types|mypy|docs?|coverage|release|publish|deploy|bench|redistribut|regression|nightly|canary|preview|audit|security|sanitiz|fuzz|msrv|minimal|cross|windows|macos|wasm|android|ios|semver|api-compat|compat)/i;

/** `github-actions:<job>/<step>` → `<file>#<job>`; undefined for evidence that is not a CI job. */
export function ciJobOf(c: CandidateStep): string | undefined {
  if (c.source.kind !== 'ci' || !c.source.detail) return undefined;
  const m = /^(github-actions|gitlab-ci|circleci|travis|azure-pipelines):([^/]+)/.exec(c.source.detail);
  return m ? `${c.source.file ?? ''}#${m[2]}` : undefined;
}

interface Job {
  key: string;
  name: string;
  steps: CandidateStep[];
  families: Set<string>;
  score: number;
}

function scoreJob(j: Job): number {
  const stages = new Set(j.steps.map((s) => s.stage));
  let score = (stages.has('test') ? 3 : 0) + (stages.has('install') ? 1 : 0) + (stages.has('build') ? 1 : 0);
  const label = `${j.key.split('#')[0].split('/').pop()} ${j.name}`;
  if (GOOD_NAME.test(label)) score += 2;
  if (SIDE_NAME.test(label)) score -= 3;
  return score;
}

export function selectCiJobs(candidates: CandidateStep[]): { kept: CandidateStep[]; left: { candidate: CandidateStep; why: string }[] } {
  const jobs = new Map<string, Job>();
  for (const c of candidates) {
    const key = ciJobOf(c);
    if (!key) continue;
    let j = jobs.get(key);
    if (!j) jobs.set(key, (j = { key, name: key.split('#')[1], steps: [], families: new Set(), score: 0 }));
    j.steps.push(c);
    for (const f of commandFamilies(c.command)) j.families.add(f);
  }
  // One job is the main job: there is nothing to choose, but task files still defer to it.
  if (jobs.size === 0) return { kept: candidates, left: [] };
  for (const j of jobs.values()) j.score = scoreJob(j);
  const ranked = [...jobs.values()].sort((a, b) => b.score - a.score);
  // Without any job that tests, there is nothing to choose between: keep everything.
  if (!ranked.some((j) => j.steps.some((s) => s.stage === 'test'))) return { kept: candidates, left: [] };
  const testFamilies = new Set<string>();
  for (const j of ranked) for (const s of j.steps) if (s.stage === 'test') for (const f of commandFamilies(s.command)) testFamilies.add(f);
  const chosen = new Set<string>([ranked[0].key]);
  const covered = new Set(ranked[0].families);
  for (const j of ranked.slice(1)) {
    if (j.score < 3) break;
    if ([...j.families].some((f) => testFamilies.has(f) && !covered.has(f))) {
      chosen.add(j.key);
      j.families.forEach((f) => covered.add(f));
    }
  }
  // Task files CI can call (tox.ini, Makefile, noxfile) are secondary evidence: for a stage the
  // chosen jobs run, their other entry points are alternatives, not extra steps.
  const jobStages = new Set<string>();
  for (const j of ranked) if (chosen.has(j.key)) for (const s of j.steps) jobStages.add(s.stage);
  const kept: CandidateStep[] = [];
  const left: { candidate: CandidateStep; why: string }[] = [];
  const names = [...chosen].map((k) => k.split('#')[1]).join(', ');
  for (const c of candidates) {
    const key = ciJobOf(c);
    if (key && !chosen.has(key)) left.push({ candidate: c, why: `come from other CI jobs than the main one (${names})` });
    else if (!key && c.source.kind === 'ci' && jobStages.has(c.stage)) left.push({ candidate: c, why: `are task-file entry points for stages the main CI job (${names}) already runs` });
    else kept.push(c);
  }
  return { kept, left };
}
