/** Go modules: `go.mod` (go and toolchain directives, requires) and `go.work` workspaces. */
import type { Detector } from './types.js';
import { hasFile, lineOf, readText, step } from './util.js';

export function parseGoMod(text: string): { module?: string; go?: string; toolchain?: string; requires: Record<string, string> } {
  const requires: Record<string, string> = {};
  const clean = text.replace(/\/\/.*$/gm, '');
  for (const block of clean.matchAll(/^require\s*\(([^)]*)\)/gm)) {
    for (const l of block[1].split('\n')) { const m = /^\s*(\S+)\s+(\S+)/.exec(l); if (m) requires[m[1]] = m[2]; }
  }
  for (const m of clean.matchAll(/^require\s+([^\s(]+)\s+(\S+)/gm)) requires[m[1]] = m[2];
  return {
    module: /^module\s+(\S+)/m.exec(clean)?.[1],
    go: /^go\s+(\d[\w.]*)/m.exec(clean)?.[1],
    toolchain: /^toolchain\s+go(\S+)/m.exec(clean)?.[1],
    requires,
  };
}

export function parseGoWork(text: string): string[] {
  const clean = text.replace(/\/\/.*$/gm, '');
  const out: string[] = [];
  for (const block of clean.matchAll(/^use\s*\(([^)]*)\)/gm)) for (const l of block[1].split('\n')) if (l.trim()) out.push(l.trim());
  for (const m of clean.matchAll(/^use\s+([^\s(]+)/gm)) out.push(m[1]);
  return out.map((p) => p.replace(/^\.\/?/, '').replace(/\/$/, '')).map((p) => p || '.');
}

export const detectGo: Detector = (ctx) => {
  const hasMod = hasFile(ctx, 'go.mod');
  const hasWork = hasFile(ctx, 'go.work');
  if (!hasMod && !hasWork) return undefined;
  const text = hasMod ? readText(ctx, 'go.mod') ?? '' : '';
  const mod = parseGoMod(text);
  if (hasMod && !mod.module) ctx.warn(`${ctx.dir.dir === '.' ? '' : ctx.dir.dir + '/'}go.mod has no module line; it may be malformed`);
  const members = hasWork
    ? parseGoWork(readText(ctx, 'go.work') ?? '').map((p) => (ctx.dir.dir === '.' ? p : p === '.' ? ctx.dir.dir : `${ctx.dir.dir}/${p}`)).filter((p) => p !== ctx.dir.dir)
    : [];
  const file = hasMod ? 'go.mod' : 'go.work';
  const version = mod.toolchain ?? mod.go;
  return {
    ecosystem: {
      name: 'go', root: ctx.dir.dir, packageManager: 'go',
      ...(version ? { languageVersion: mod.toolchain ? mod.toolchain : `>=${mod.go}`, languageVersionSource: mod.toolchain ? 'go.mod toolchain' : 'go.mod go directive' } : {}),
      ...(members.length ? { workspaces: members } : {}),
      dependencies: mod.requires,
      ...(hasFile(ctx, 'go.sum') ? { lockfiles: ['go.sum'] } : {}),
    },
    candidates: [
      step(ctx, { stage: 'install', command: 'go mod download', file, kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'build', command: 'go build ./...', file, line: lineOf(text, /^module/m), kind: 'default', confidence: 0.5 }),
      step(ctx, { stage: 'test', command: 'go test ./...', file, kind: 'default', confidence: 0.5 }),
    ],
    members,
  };
};
