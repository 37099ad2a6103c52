/**
 * Makefile targets a developer runs (install, build, all, test, check, lint…) as `make <target>`
 * candidates. A simple line reader: rule lines `target: prereqs` outside recipes, `.PHONY` lists,
 * `define … endef` skipped, continuation lines joined.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Stage } from '../../protocol/plan.js';
import { candidate, CI_CONFIDENCE, ciStageOfScript, emptyFindings, type CiFindings } from './common.js';

export const MAKEFILE_NAMES = ['GNUmakefile', 'Makefile', 'makefile'];

export interface MakeTarget {
  name: string;
  line: number;
  recipe: string[];
  phony: boolean;
}

export function parseMakefile(text: string): { targets: MakeTarget[]; first?: string } {
  const lines = text.split('\n');
  const targets = new Map<string, MakeTarget>();
  const phony = new Set<string>();
  let current: MakeTarget[] = [];
  let first: string | undefined;
  let inDefine = false;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i].replace(/\r$/, '');
    const lineNo = i + 1;
    while (l.endsWith('\\') && i + 1 < lines.length) l = l.slice(0, -1) + ' ' + lines[++i].replace(/\r$/, '').trim();
    if (inDefine) { if (/^\s*endef\b/.test(l)) inDefine = false; continue; }
    if (/^\s*define\s/.test(l)) { inDefine = true; continue; }
    if (l.startsWith('\t')) {
      for (const t of current) t.recipe.push(l.trim());
      continue;
    }
    if (!l.trim() || l.trimStart().startsWith('#')) continue;
    const phonyM = /^\.PHONY\s*:\s*(.*)$/.exec(l);
    if (phonyM) {
      for (const n of phonyM[1].split(/\s+/).filter(Boolean)) phony.add(n);
      current = [];
      continue;
    }
    // A rule: "a b: deps" — not a variable assignment (`X := y`, `X = a:b`, `X ?= y`).
    const rule = /^([^:=#\t][^:=#]*?)\s*(::?)(?!=)\s*(.*)$/.exec(l);
    if (!rule || /^\s*(ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|export|unexport|override|vpath)\b/.test(l)) {
      current = [];
      continue;
    }
    const names = rule[1].split(/\s+/).filter(Boolean);
    current = [];
    for (const name of names) {
      if (name.startsWith('.') || name.includes('%') || name.includes('$')) continue;
      first ??= name;
      const t = targets.get(name) ?? { name, line: lineNo, recipe: [], phony: false };
      targets.set(name, t);
      current.push(t);
    }
    // Inline recipe after ';'
    const semi = rule[3].indexOf(';');
    if (semi >= 0) for (const t of current) t.recipe.push(rule[3].slice(semi + 1).trim());
  }
  for (const t of targets.values()) t.phony = phony.has(t.name);
  return { targets: [...targets.values()], first };
}

/** Targets worth running and their stage; confidence reflects how standard the name is. */
const WANTED: [RegExp, Stage, number][] = [
  [/^(test|tests|check|unittest|unit-tests?|test-unit|tests-unit|pytest|test-all)$/, 'test', 0],
  [/^(build|all|compile|dist)$/, 'build', 0],
  [/^(install|deps|dependencies|setup|bootstrap|dev|develop|dev-install|install-dev|requirements|init|venv)$/, 'install', -0.05],
  [/^(lint|check-format|fmt-check|typecheck|format-check)$/, 'test', 0], // lint penalty applied by candidate()
];

export function extractMakefile(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  const file = MAKEFILE_NAMES.find((n) => fs.isFile(n));
  if (!file) return out;
  const r = fs.read(file, 256 * 1024);
  if (!r) {
    out.warnings.push(`${file} could not be read (binary, or a link leading outside the repository); skipped`);
    return out;
  }
  if (r.truncated) out.warnings.push(`${file} is larger than 256 KiB; only its beginning was read`);
  const { targets } = parseMakefile(r.text);
  for (const t of targets) {
    const want = WANTED.find(([re]) => re.test(t.name));
    if (!want) continue;
    let [, stage, delta] = want;
    const recipe = t.recipe.join('\n');
    // `make install` of an autotools/CMake project installs into the system; of a Python or
    // Node project it installs dependencies. The recipe tells which.
    if (t.name === 'install') {
      const rs = ciStageOfScript(recipe.replace(/\$\([^)]*\)/g, 'x'));
      if (rs !== 'install') { stage = 'build'; delta = -0.25; }
    }
    out.candidates.push(candidate({
      command: `make ${t.name}`,
      stage,
      file,
      line: t.line,
      detail: `makefile:${t.name}`,
      confidence: CI_CONFIDENCE.makefile + delta,
      context: t.phony ? 'phony' : undefined,
    }));
  }
  return out;
}
