/**
 * CI extraction: what the repository's own automation runs — hosted CI (GitHub Actions, GitLab,
 * Travis, CircleCI, Azure), test runners (tox, nox), Makefile targets, Dockerfile RUN lines and
 * dev container commands — as candidate steps with provenance, plus the toolchain versions and
 * services CI sets up. One broken file yields a warning; the others are still read.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { CandidateStep, Provenance } from '../../protocol/plan.js';
import { NovaError } from '../../errors.js';
import { ciJobOfDetail, emptyFindings, type CiFindings, type CiJob, type CiOptions, type Toolchain } from './common.js';
import { extractGithubActions } from './github-actions.js';
import { extractGitlab } from './gitlab.js';
import { extractAzure, extractCircleci, extractTravis } from './travis-circle-azure.js';
import { extractNox, extractTox } from './tox-nox.js';
import { extractMakefile } from './makefile.js';
import { extractTaskRunners } from './task-runners.js';
import { extractDockerfiles } from './dockerfile.js';
import { extractDevcontainer } from './devcontainer.js';
import { extractCompose } from './compose.js';

export interface CiExtraction {
  candidates: CandidateStep[];
  toolchains: Toolchain[];
  services: { name: string; source: Provenance }[];
  jobs: CiJob[];
  warnings: string[];
}

/** Readers in order of strength of evidence; toolchains from earlier readers win. */
const READERS: [string, (fs: RepoFs, opts: CiOptions) => CiFindings][] = [
  ['GitHub Actions', extractGithubActions],
  ['GitLab CI', extractGitlab],
  ['CircleCI', extractCircleci],
  ['Travis CI', extractTravis],
  ['Azure Pipelines', extractAzure],
  ['tox', extractTox],
  ['nox', extractNox],
  ['devcontainer', extractDevcontainer],
  ['Makefile', extractMakefile],
  ['justfile/Taskfile', extractTaskRunners],
  ['Dockerfile', extractDockerfiles],
  ['Docker Compose', extractCompose],
];

export function extractCi(fs: RepoFs, opts: CiOptions = {}): CiExtraction {
  const all = emptyFindings();
  for (const [name, read] of READERS) {
    let found: CiFindings;
    try {
      found = read(fs, opts);
    } catch (e) {
      // A reader bug or an unexpected shape must not cost the evidence from the other files.
      all.warnings.push(`${name} configuration could not be read: ${e instanceof NovaError ? e.message : (e as Error).message}`);
      continue;
    }
    all.candidates.push(...found.candidates);
    all.toolchains.push(...found.toolchains);
    all.services.push(...found.services);
    all.jobs.push(...found.jobs);
    all.warnings.push(...found.warnings);
  }
  return {
    candidates: dedupeCandidates(all.candidates),
    // One per language and job: the planner keeps those of the job(s) it chooses.
    toolchains: firstPer(all.toolchains, (t) => `${t.language}\u0000${t.source.file ?? ''}#${ciJobOfDetail(t.source.detail) ?? ''}`),
    services: firstPer(all.services, (s) => s.name),
    jobs: all.jobs,
    warnings: all.warnings,
  };
}

function firstPer<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The same command in the same folder from several files (or twice in one job): keep the strongest
 * instance. Steps of different CI jobs stay apart: the planner chooses the main job afterwards,
 * and must find that job's `npm ci` even when another workflow, read first, has one too.
 */
function dedupeCandidates(cands: CandidateStep[]): CandidateStep[] {
  const best = new Map<string, number>();
  const firstOf = new Map<string, number>();
  const out: CandidateStep[] = [];
  for (const c of cands) {
    const base = `${c.command}\u0000${c.cwd ?? ''}\u0000${c.platform}`;
    const job = ciJobOfDetail(c.source.detail);
    // A job's step is a duplicate only within its job; anything else folds into the first instance.
    const at = job ? best.get(`${base}\u0000${c.source.file ?? ''}#${job}`) : firstOf.get(base);
    if (at === undefined) {
      if (job) best.set(`${base}\u0000${c.source.file ?? ''}#${job}`, out.length);
      if (!firstOf.has(base)) firstOf.set(base, out.length);
      out.push(c);
    } else if (c.confidence > out[at].confidence) out[at] = c;
  }
  return out;
}
