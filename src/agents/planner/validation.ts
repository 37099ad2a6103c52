/**
 * Runs the planned commands through the Command Validation agent's rules, in order, so that
 * `cd`/`export` in one step and files created by another carry into the verdicts of later steps.
 */
import { join } from 'node:path';
import type { Ecosystem, Verdict } from '../../protocol/plan.js';
import { validateSteps } from '../command-validation/index.js';
import type { StepAnalysis, ValidationContext } from '../command-validation/types.js';
import { toolVersion, which } from './machine.js';

export interface StepToValidate {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
}

export interface StepJudgement {
  verdict: Verdict;
  reasons: string[];
  suggestion?: string;
  network?: boolean;
}

const LANGUAGE_TOOLS: Record<string, string> = { node: 'node', python: 'python', go: 'go', rust: 'rust', 'java-maven': 'java', 'java-gradle': 'java', ruby: 'ruby', php: 'php', dotnet: 'dotnet' };
/** Executables whose presence is worth telling the validator about (PATH lookups only). */
const COMMON_TOOLS = ['npm', 'npx', 'pnpm', 'yarn', 'bun', 'pip', 'pip3', 'python', 'python3', 'uv', 'poetry', 'pdm', 'pipenv', 'hatch', 'tox', 'nox', 'pytest', 'go', 'cargo', 'rustc', 'mvn', 'gradle', 'java', 'bundle', 'ruby', 'gem', 'rake', 'composer', 'php', 'dotnet', 'cmake', 'ctest', 'meson', 'ninja', 'make', 'gcc', 'g++', 'docker', 'git', 'apt-get'];

/**
 * What a written version means for the installed toolchain. A Java release level (pom `release`
 * 8, Gradle toolchain 17) is compiled for by any newer JDK (`--release 8`), so it is a minimum.
 */
export function effectiveConstraint(language: string, version: string): string {
  if (language === 'java' && /^\d+$/.test(version.trim())) return `>=${version.trim()}`;
  if (language === 'java' && /^1\.\d$/.test(version.trim())) return `>=${version.trim().slice(2)}`;
  return version;
}

export function validationContext(root: string, ecosystems: Ecosystem[], probe: boolean): ValidationContext {
  const lockfiles = [...new Set(ecosystems.filter((e) => e.root === '.').flatMap((e) => e.lockfiles ?? []))];
  const constraints: Record<string, string> = {};
  for (const e of ecosystems) {
    const lang = LANGUAGE_TOOLS[e.name];
    if (lang && e.languageVersion && !(lang in constraints)) constraints[lang] = effectiveConstraint(lang, e.languageVersion);
  }
  const ctx: ValidationContext = { workspace: root, lockfiles, os: 'linux', constraints };
  if (probe) {
    // null = not installed; a tool on PATH whose version was not probed is left out ("not probed").
    const toolVersions: Record<string, string | null> = {};
    for (const t of COMMON_TOOLS) if (which(t) === null) toolVersions[t] = null;
    for (const lang of Object.keys(constraints)) toolVersions[lang] = toolVersion(lang);
    ctx.toolVersions = toolVersions;
  }
  return ctx;
}

export function judgeSteps(steps: StepToValidate[], ctx: ValidationContext): StepJudgement[] {
  let analyses: StepAnalysis[];
  try {
    analyses = validateSteps(steps.map((s) => ({ command: s.command, ...(s.cwd ? { cwd: join(ctx.workspace, s.cwd) } : {}), ...(s.env ? { env: s.env } : {}) })), ctx);
  } catch (e) {
    // The validator must never take the plan down; unjudged steps are marked for review.
    const why = `could not be checked: ${e instanceof Error ? e.message : String(e)}`;
    return steps.map(() => ({ verdict: 'warn', reasons: [why] }));
  }
  return analyses.map((a) => {
    const reasons = [...a.verdict.reasons];
    for (const t of a.missingTools ?? []) if (!reasons.some((r) => r.includes(t))) reasons.push(`${t} is not installed here`);
    return {
      verdict: a.verdict.verdict,
      reasons,
      ...(a.verdict.suggestion ? { suggestion: a.verdict.suggestion } : {}),
      ...(a.verdict.network !== undefined ? { network: a.verdict.network } : {}),
    };
  });
}
