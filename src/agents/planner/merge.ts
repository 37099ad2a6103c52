/**
 * Merging evidence into one ordered list of steps.
 *
 * Precedence (strongest first): CI configuration (what maintainers actually run), memory of
 * earlier successful runs, documentation, an LLM's proposal, manifest facts (a script, a
 * lockfile), conventions (`go test ./...`). The strongest source of an equivalent command wins;
 * the others corroborate it (a small confidence boost, listed in `alsoFoundIn`). Manifest
 * defaults of a toolchain are dropped for a stage that CI already covers with that toolchain.
 */
import { STAGE_ORDER, type CandidateStep, type Provenance, type SourceKind } from '../../protocol/plan.js';
import { commandFamilies, commandIntent, normalizeCommand } from './normalize.js';
import { ciJobOf, partsOf } from './ci-jobs.js';

export const SOURCE_RANK: Record<SourceKind, number> = { ci: 0, memory: 1, docs: 2, llm: 3, manifest: 4, default: 5 };

/** Below this confidence a command is not planned (e.g. docs installing the published package). */
export const MIN_CONFIDENCE = 0.25;

export interface MergedStep extends CandidateStep {
  alsoFoundIn?: Provenance[];
  /** Position in the evidence, for stable ordering. */
  order: number;
}

export interface MergeResult {
  steps: MergedStep[];
  dropped: { candidate: CandidateStep; why: string }[];
}

function key(c: CandidateStep): string {
  return `${c.cwd ?? '.'}\0${commandIntent(c.command) ?? normalizeCommand(c.command)}`;
}

function isFallback(kind: SourceKind): boolean {
  return kind === 'manifest' || kind === 'default';
}

function better(a: CandidateStep, b: CandidateStep): boolean {
  const ra = SOURCE_RANK[a.source.kind];
  const rb = SOURCE_RANK[b.source.kind];
  return ra !== rb ? ra < rb : a.confidence > b.confidence;
}

export function mergeCandidates(candidates: CandidateStep[]): MergeResult {
  const dropped: MergeResult['dropped'] = [];
  const usable: { c: CandidateStep; order: number }[] = [];
  candidates.forEach((c, order) => {
    if (!c.command.trim()) return;
    if (c.confidence < MIN_CONFIDENCE) { dropped.push({ candidate: c, why: `confidence ${c.confidence.toFixed(2)} is below ${MIN_CONFIDENCE}` }); return; }
    usable.push({ c, order });
  });

  // CI coverage: which (cwd, stage) pairs CI runs with which toolchain families.
  const ciCoverage = new Set<string>();
  const ciStages = new Set<string>();
  for (const { c } of usable) {
    if (c.source.kind !== 'ci') continue;
    // Each part of a script counts for its own stage (`make install` then `make test` in one step
    // covers install too); a task runner (`make test`, `./scripts/test.sh`) stands for whatever
    // toolchain it wraps (`*`).
    for (const part of partsOf(c)) {
      ciStages.add(`${c.cwd ?? '.'}\0${part.stage}`);
      for (const fam of part.families) ciCoverage.add(`${c.cwd ?? '.'}\0${part.stage}\0${fam}`);
    }
  }

  const byKey = new Map<string, MergedStep>();
  for (const { c, order } of usable) {
    const k = key(c);
    const prev = byKey.get(k);
    if (!prev) { byKey.set(k, { ...c, order }); continue; }
    if (better(c, prev)) {
      const also = [prev.source, ...(prev.alsoFoundIn ?? [])];
      const env = { ...(prev.env ?? {}), ...(c.env ?? {}) };
      byKey.set(k, { ...c, order: Math.min(order, prev.order), alsoFoundIn: also, ...(Object.keys(env).length ? { env } : {}) });
      dropped.push({ candidate: prev, why: `same step as ${describe(c.source)}` });
    } else {
      prev.alsoFoundIn = [...(prev.alsoFoundIn ?? []), c.source];
      if (c.env && !prev.env) prev.env = c.env;
      dropped.push({ candidate: c, why: `same step as ${describe(prev.source)}` });
    }
  }
  // Pages deep in docs/ are mostly tutorials for users of the project; they fill only stages that
  // nothing else (CI, the manifests, the top-level README/CONTRIBUTING) says anything about.
  const shallowStages = new Set<string>();
  for (const m of byKey.values()) if (!isDeepDoc(m)) shallowStages.add(`${m.cwd ?? '.'}\0${m.stage}`);
  for (const [k, m] of byKey) {
    if (!isDeepDoc(m) || !shallowStages.has(`${m.cwd ?? '.'}\0${m.stage}`)) continue;
    byKey.delete(k);
    dropped.push({ candidate: m, why: `${m.source.file} is a documentation page and the ${m.stage} stage is already described elsewhere` });
  }
  // Documentation is used for stages CI does not cover: when CI shows how a stage is done, the
  // README's other commands for it are alternatives for users (distribution packages, tutorials).
  for (const [k, m] of byKey) {
    if (m.source.kind !== 'docs' || !ciStages.has(`${m.cwd ?? '.'}\0${m.stage}`)) continue;
    byKey.delete(k);
    dropped.push({ candidate: m, why: `CI already shows how the ${m.stage} stage is done` });
  }
  // A manifest default that nothing stronger repeated is dropped when CI already runs that
  // toolchain for the stage: CI shows what works, the default is only a guess.
  // CI at the top of the repository covers the sub-projects too (`mvn -f build-pom.xml verify`,
  // `npm test --workspaces`, `make test`): their defaults are guesses of the same work.
  for (const [k, m] of byKey) {
    if (!isFallback(m.source.kind)) continue;
    const covered = [...commandFamilies(m.command), '*'].find((f) => ciCoverage.has(`${m.cwd ?? '.'}\0${m.stage}\0${f}`) || ciCoverage.has(`.\0${m.stage}\0${f}`));
    if (covered) { byKey.delete(k); dropped.push({ candidate: m, why: `CI already runs ${covered} commands for the ${m.stage} stage` }); }
  }

  const steps = [...byKey.values()];
  for (const s of steps) {
    // Independent sources agreeing make a step more trustworthy.
    const kinds = new Set([s.source.kind, ...(s.alsoFoundIn ?? []).map((p) => p.kind)]);
    s.confidence = Math.min(0.99, Math.round((s.confidence + 0.05 * (kinds.size - 1)) * 100) / 100);
  }
  steps.sort((a, b) =>
    STAGE_ORDER[a.stage] - STAGE_ORDER[b.stage]
    || cwdRank(a.cwd) - cwdRank(b.cwd)
    || (a.cwd ?? '.').localeCompare(b.cwd ?? '.')
    || SOURCE_RANK[a.source.kind] - SOURCE_RANK[b.source.kind]
    || a.order - b.order);
  return { steps: keepCiJobOrder(steps), dropped };
}

/**
 * The stage sort must not reorder one CI job: a job that runs `pnpm install`, `pnpm build`,
 * `pnpm exec playwright install`, `pnpm test` passed in that order, and a later install step may
 * need what the build made. The job's steps keep the places the sort gave the job, filled in CI
 * order. Only system steps (OS packages, toolchain switches) are clearly out of place anywhere but
 * first and keep their sorted place, with the other system steps.
 */
function keepCiJobOrder(steps: MergedStep[]): MergedStep[] {
  const byJob = new Map<string, number[]>();
  steps.forEach((s, i) => {
    const job = ciJobOf(s);
    if (!job || s.stage === 'system') return;
    const at = byJob.get(job);
    if (at) at.push(i); else byJob.set(job, [i]);
  });
  const out = [...steps];
  for (const places of byJob.values()) {
    if (places.length < 2) continue;
    const inCiOrder = places.map((i) => steps[i]).sort((a, b) => a.order - b.order);
    places.forEach((place, k) => { out[place] = inCiOrder[k]; });
  }
  return out;
}

/** A documentation page below the top level (docs/quickstart.rst), not README/CONTRIBUTING. */
function isDeepDoc(c: CandidateStep): boolean {
  return c.source.kind === 'docs' && !!c.source.file && c.source.file.includes('/');
}


function cwdRank(cwd: string | undefined): number {
  return !cwd || cwd === '.' ? 0 : 1;
}

export function describe(p: Provenance): string {
  return p.file ? `${p.kind} ${p.file}${p.line ? `:${p.line}` : ''}` : p.kind;
}
