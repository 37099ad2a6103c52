/**
 * Plan synthesis: resolve the target, gather evidence (repository analysis, documentation, CI),
 * merge it by precedence, add system packages and prerequisites, and judge every command.
 */
import type { Config } from '../../config.js';
import { NovaError } from '../../errors.js';
import type { CandidateStep, Plan, PlanStep } from '../../protocol/plan.js';
import { RepoFs } from '../../repo/repo-fs.js';
import { resolveTarget, type ResolveOptions } from '../../repo/target.js';
import { analyzeRepository } from '../repository-analysis/analyze.js';
import type { RepositoryAnalysis } from '../repository-analysis/types.js';
import { extractDocs } from '../documentation/extract.js';
import { extractCi } from '../ci-extraction/extract.js';
import { describe, mergeCandidates, type MergedStep } from './merge.js';
import { canonicalLanguage, detectPrerequisites, pinSatisfied } from './prerequisites.js';
import { filterEvidence, otherDistribution } from './filters.js';
import { ciJobOfSource, selectCiJobs } from './ci-jobs.js';
import { projectIdentity } from '../documentation/project-identity.js';
import { debianPackageInstalled, toolVersion } from './machine.js';
import { judgeSteps, validationContext } from './validation.js';
import { initValidator } from '../command-validation/index.js';

export interface PlanOptions {
  /** Check prerequisites and tools against this machine (default true). */
  probe?: boolean;
  resolve?: ResolveOptions;
}

type CiEvidence = ReturnType<typeof extractCi>;

function safely<T>(what: string, fn: () => T, fallback: T, warnings: string[]): T {
  try {
    return fn();
  } catch (e) {
    warnings.push(`${what} failed: ${e instanceof Error ? e.message : String(e)}; the plan was made without it`);
    return fallback;
  }
}

/** CI secrets cannot be used outside CI: replace them with a placeholder the user must fill. */
function scrubSecrets(c: CandidateStep): CandidateStep {
  if (!c.env) return c;
  const needs = new Set(c.needsInput ?? []);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.env)) {
    const m = /\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/.exec(v);
    if (m) { env[k] = v; needs.add(m[1]); } else env[k] = v;
  }
  return { ...c, env, ...(needs.size ? { needsInput: [...needs] } : {}) };
}

/** One `apt-get install` step for the system packages dependencies need and this machine lacks. */
function systemPackageStep(analysis: RepositoryAnalysis, probe: boolean): CandidateStep | undefined {
  const pkgs = new Set<string>();
  const because = new Set<string>();
  for (const h of analysis.systemHints) {
    if (h.optional || h.kind === 'browser') continue;
    for (const p of h.apt) {
      if (probe && debianPackageInstalled(p) === true) continue;
      pkgs.add(p);
      because.add(h.dependency);
    }
  }
  if (!pkgs.size) return undefined;
  return {
    stage: 'system',
    command: `apt-get install -y --no-install-recommends ${[...pkgs].sort().join(' ')}`,
    source: { kind: 'manifest', detail: `system packages for ${[...because].join(', ')}` },
    confidence: 0.5,
    platform: 'linux',
  };
}

function clip(command: string): string {
  const one = command.split('\n')[0];
  return one.length > 80 || command.includes('\n') ? `${one.slice(0, 79)}…` : one;
}

function toPlanStep(s: MergedStep | CandidateStep): Omit<PlanStep, 'verdict' | 'reasons'> {
  const m = s as MergedStep;
  return {
    stage: s.stage,
    command: s.command,
    ...(s.cwd && s.cwd !== '.' ? { cwd: s.cwd } : {}),
    ...(s.env && Object.keys(s.env).length ? { env: s.env } : {}),
    source: s.source,
    confidence: s.confidence,
    ...(s.needsInput?.length ? { needsInput: s.needsInput } : {}),
    ...(m.alsoFoundIn?.length ? { alsoFoundIn: m.alsoFoundIn } : {}),
  };
}

/** Plan a repository that is already on disk. */
export async function planRepository(root: string, opts: { target?: string; probe?: boolean } = {}): Promise<Plan> {
  const probe = opts.probe ?? true;
  const fs = new RepoFs(root);
  const warnings: string[] = [];
  const analysis = safely('repository analysis', () => analyzeRepository(fs), { ecosystems: [], candidates: [], warnings: [], projectDirs: [], workspaceMembers: [], systemHints: [], filesSeen: 0 }, warnings);
  const docs = safely('documentation extraction', () => extractDocs(fs), { candidates: [], documents: [], warnings: [] }, warnings);
  // A CI matrix listing several toolchain versions is reduced to one installed here, if any.
  const satisfiedHere = (language: string, version: string) => {
    const lang = canonicalLanguage(language);
    const installed = toolVersion(lang);
    return installed === null ? undefined : pinSatisfied(lang, installed, version);
  };
  const ci: CiEvidence = safely('CI extraction', () => extractCi(fs, probe ? { satisfiedHere } : {}), { candidates: [], toolchains: [], services: [], jobs: [], warnings: [] }, warnings);
  warnings.push(...analysis.warnings, ...ci.warnings, ...docs.warnings);
  // Evidence in precedence order; merge keeps the strongest of equivalent commands.
  const identity = safely('project identity', () => projectIdentity(fs), { packageNames: new Set<string>(), repoNames: new Set<string>() }, warnings);
  const filtered = filterEvidence([...ci.candidates, ...docs.candidates, ...analysis.candidates], identity, (p) => fs.exists(p), analysis.ecosystems);
  const jobs = selectCiJobs(filtered.kept, ci.jobs);
  // Toolchains set up only by CI jobs the plan leaves out (a Deno job beside the Node tests) are
  // not prerequisites of it.
  const ciToolchains = ci.toolchains.filter((t) => !jobs.leftJobs.has(ciJobOfSource(t.source) ?? ''));
  // A package-manager version pinned only in CI (pnpm/action-setup `version: 11.3.0`) is the one
  // the project is installed with; the manifest's packageManager field, when present, wins.
  for (const e of analysis.ecosystems) {
    if (e.name !== 'node') continue;
    const pinned = ciToolchains.find((t) => t.language === e.packageManager && /^\d+(\.\d+){0,2}$/.test(t.version.trim()));
    if (pinned && !e.packageManagerVersion) e.packageManagerVersion = pinned.version.trim();
    // Likewise the Node version CI sets up (setup-node `node-version: 14`) when no manifest names
    // one; a matrix of versions stays CI's, where the prerequisite names every version that would do.
    const node = ciToolchains.find((t) => t.language === 'node' && !t.alternatives && /^v?\d+(\.\d+){0,2}(\.x)?$/.test(t.version.trim()));
    if (node && !e.languageVersion && e.root === '.') {
      e.languageVersion = node.version.trim();
      e.languageVersionSource = node.source.file ?? 'CI';
    }
  }

  const kept = jobs.kept;
  const left = [...filtered.left, ...jobs.left];
  const all = kept.map(scrubSecrets);
  // Distribution-specific commands (dnf, pacman, apk…) are for another system than the sandbox's.
  const retargeted = all.map((c) => (c.platform === 'macos' || c.platform === 'windows' || !otherDistribution(c.command) ? c : { ...c, platform: 'linux' as const, otherDistro: otherDistribution(c.command) }));
  const here = retargeted.filter((c) => !('otherDistro' in c) && (c.platform === 'any' || c.platform === 'linux' || c.platform === undefined));
  const elsewhere = retargeted.filter((c) => 'otherDistro' in c || c.platform === 'macos' || c.platform === 'windows');
  const { steps: merged, dropped } = mergeCandidates(here);
  const sys = systemPackageStep(analysis, probe);
  for (const why of new Set(left.map((l) => l.why))) {
    const these = left.filter((l) => l.why === why);
    warnings.push(`left out ${these.length} command(s) that ${why.replace(/^installs/, 'install').replace(/^only prints/, 'only print').replace(/^CI housekeeping/, 'are CI housekeeping')}, e.g. \`${clip(these[0].candidate.command)}\` (${describe(these[0].candidate.source)})`);
  }
  const lowConfidence = dropped.filter((d) => d.why.startsWith('confidence'));
  if (lowConfidence.length) {
    warnings.push(`${lowConfidence.length} weakly supported command(s) left out of the plan, e.g. \`${clip(lowConfidence[0].candidate.command)}\` (${describe(lowConfidence[0].candidate.source)})`);
  }

  const partial = merged.map(toPlanStep);
  const pre = await detectPrerequisites({
    fs, ecosystems: analysis.ecosystems,
    steps: partial.map((s) => ({ ...s, verdict: 'allow', reasons: [] })),
    systemHints: analysis.systemHints, ciToolchains, ciServices: ci.services, probe,
  });
  warnings.push(...pre.warnings);
  const ordered = [...pre.extraSteps.map(toPlanStep), ...(sys ? [toPlanStep(sys)] : []), ...partial];

  await initValidator();
  const vctx = validationContext(fs.root, analysis.ecosystems, probe);
  const judged = judgeSteps(ordered, vctx);
  const steps: PlanStep[] = ordered.map((s, i) => ({ ...s, ...judged[i] }));
  const otherJudged = judgeSteps(elsewhere, vctx);
  const otherPlatformSteps: PlanStep[] = elsewhere.map((c, i) => ({ ...toPlanStep(c), ...otherJudged[i], reasons: ['otherDistro' in c ? `meant for another Linux distribution: ${String(c.otherDistro)}` : `meant for ${c.platform}`, ...otherJudged[i].reasons] }));

  if (!analysis.ecosystems.length && !steps.length && !otherPlatformSteps.length) {
    throw new NovaError('NOTHING_TO_PLAN', `nothing to plan in ${fs.root}: no manifest, build file, CI configuration or documented command was found`, {
      hint: 'Check that this is the project folder (not a parent or an empty checkout); nova reads package.json, pyproject.toml, go.mod, Cargo.toml, pom.xml, Makefile, CI files and READMEs.',
      exitCode: 2,
      details: { warnings },
    });
  }
  if (!steps.length && otherPlatformSteps.length) warnings.push('every documented command is for another operating system; nothing runs on Linux as written');
  if (!analysis.ecosystems.length) warnings.push('no known project type was recognised; the plan comes from documentation and CI only');

  return {
    target: opts.target ?? root,
    root: fs.root,
    ecosystems: analysis.ecosystems,
    steps,
    ...(otherPlatformSteps.length ? { otherPlatformSteps } : {}),
    prerequisites: pre.prerequisites,
    warnings: [...new Set(warnings)],
    ...(docs.documents.length ? { documents: docs.documents } : {}),
  };
}

/** Resolve a target (folder or git URL) and plan it. */
export async function buildPlan(target: string, config: Config, opts: PlanOptions = {}): Promise<Plan> {
  const resolved = await resolveTarget(target, config, opts.resolve);
  return planRepository(resolved.root, { target, probe: opts.probe });
}

