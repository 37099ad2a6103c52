/** Test helper: a repository folder built from a map of paths to contents, read through RepoFs. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RepoFs } from '../../repo/repo-fs.js';
import { tempDir } from '../../testing/services.js';
import type { CandidateStep } from '../../protocol/plan.js';

const cleanups: (() => void)[] = [];

export function fixtureRepo(files: Record<string, string | Buffer>, opts: { maxFileBytes?: number } = {}): RepoFs {
  const dir = tempDir('nova-extract-');
  cleanups.push(dir.cleanup);
  const root = join(dir.path, 'repo');
  mkdirSync(root);
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return new RepoFs(root, opts.maxFileBytes);
}

export function cleanupFixtures(): void {
  while (cleanups.length) cleanups.pop()!();
}

/** Strip a common leading indentation so fixtures can be written inline. */
export function dedent(s: string): string {
  const lines = s.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A Markdown code fence, for fixtures written inside template literals. */
export const fence = '```';

/** The commands of candidate steps, in order. */
export const cmds = (cs: CandidateStep[]): string[] => cs.map((c) => c.command);

/** The candidate with exactly this command; the error lists what there is instead. */
export function find(cs: CandidateStep[], command: string): CandidateStep {
  const c = cs.find((x) => x.command === command);
  if (!c) throw new Error(`no candidate "${command}" among: ${cmds(cs).join(' | ')}`);
  return c;
}
