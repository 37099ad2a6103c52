/**
 * Task runners many projects use instead of (or beside) make: `justfile` recipes (`just test`) and
 * go-task `Taskfile.yml` tasks (`task test`). Only the standard names (test, build, install…)
 * become candidates, the same way Makefile targets do.
 */
import type { RepoFs } from '../../repo/repo-fs.js';
import type { Stage } from '../../protocol/plan.js';
import { candidate, CI_CONFIDENCE, emptyFindings, type CiFindings } from './common.js';
import { loadYamlFile } from './yaml-tree.js';

const WANTED: [RegExp, Stage, number][] = [
  [/^(test|tests|check|unit|test-all|ci)$/, 'test', 0],
  [/^(build|compile|all|default)$/, 'build', -0.05],
  [/^(install|deps|setup|bootstrap|dev-setup|init|sync)$/, 'install', -0.05],
  [/^(lint|fmt-check|format-check|typecheck)$/, 'test', -0.3],
];

/** Recipe names of a justfile with their lines: `name arg="x": deps` at the start of a line. */
export function parseJustfile(text: string): { name: string; line: number }[] {
  const out: { name: string; line: number }[] = [];
  text.split('\n').forEach((l, i) => {
    if (/^[\w-]+\s*:=/.test(l) || /^(set|alias|export|import|mod)\b/.test(l)) return; // assignments and settings
    const m = /^@?([A-Za-z_][\w-]*)(?:\s+[^:]*?)?\s*:(?!=)/.exec(l);
    if (m) out.push({ name: m[1], line: i + 1 });
  });
  return out;
}

export function extractTaskRunners(fs: RepoFs): CiFindings {
  const out = emptyFindings();
  const justfile = ['justfile', 'Justfile', '.justfile'].find((f) => fs.isFile(f));
  if (justfile) {
    const text = fs.readText(justfile, 128 * 1024) ?? '';
    for (const r of parseJustfile(text)) {
      const want = WANTED.find(([re]) => re.test(r.name));
      if (want) out.candidates.push(candidate({ command: `just ${r.name}`, stage: want[1], file: justfile, line: r.line, detail: `justfile:${r.name}`, confidence: CI_CONFIDENCE.makefile + want[2] }));
    }
  }
  const taskfile = ['Taskfile.yml', 'Taskfile.yaml', 'taskfile.yml', 'taskfile.yaml'].find((f) => fs.isFile(f));
  if (taskfile) {
    const root = loadYamlFile(fs, taskfile, out.warnings);
    const tasks = root?.kind === 'map' ? root.entries.find((e) => e.key === 'tasks')?.value : undefined;
    if (tasks?.kind === 'map') {
      for (const t of tasks.entries) {
        const want = WANTED.find(([re]) => re.test(t.key));
        if (want) out.candidates.push(candidate({ command: `task ${t.key}`, stage: want[1], file: taskfile, line: t.keyLine, detail: `taskfile:${t.key}`, confidence: CI_CONFIDENCE.makefile + want[2] }));
      }
    }
  }
  return out;
}
