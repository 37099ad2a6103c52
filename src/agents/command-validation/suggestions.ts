/**
 * Better forms of ordinary commands: reproducible installs from the lockfile that is there
 * (`npm ci`, `--frozen-lockfile`, `--immutable`, `uv sync --locked`) and a virtualenv for pip.
 * Each suggestion replaces one simple command; the caller gets the whole command rewritten.
 */
import type { ValidationContext } from './types.js';
import type { Unwrapped } from './unwrap.js';
import type { CmdRecord } from './walker.js';

export interface Rewrite {
  rec: CmdRecord;
  replacement: string;
  why: string;
  /** `venv`: creates and activates a virtualenv, so later pip commands in the same text are inside it. */
  kind?: 'venv';
}

function has(ctx: ValidationContext, ...names: string[]): boolean {
  return (ctx.lockfiles ?? []).some((l) => names.includes(l.split('/').pop()!));
}

/** Lockfiles in the context describe the workspace root: elsewhere they say nothing. */
function atRoot(rec: CmdRecord, workspace: string): boolean {
  return rec.cwd === workspace;
}

function rest(u: Unwrapped, from: number): string {
  const tail = u.core.slice(from).map((w) => w.source).join(' ');
  return tail ? ' ' + tail : '';
}

export function suggestFor(rec: CmdRecord, u: Unwrapped, ctx: ValidationContext, workspace: string): Rewrite | undefined {
  const w = u.words;
  const lockCtx = atRoot(rec, workspace) ? ctx : { ...ctx, lockfiles: [] };
  const n = u.name;
  const prefix = u.wrappers.length ? rec.argv.slice(0, rec.argv.length - u.core.length).map((x) => x.source).join(' ') + ' ' : '';
  const operandsAfter = (i: number) => w.slice(i).filter((t) => !t.startsWith('-'));
  if (n === 'npm' && (w[1] === 'install' || w[1] === 'i') && operandsAfter(2).length === 0 && !w.some((t) => t === '-g' || t === '--global')
    && has(lockCtx, 'package-lock.json', 'npm-shrinkwrap.json')) {
    const keep = u.core.slice(2).filter((x) => ['--omit=dev', '--production', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps', '--prefer-offline'].includes(x.text)).map((x) => x.source);
    return { rec, replacement: prefix + ['npm ci', ...keep].join(' '), why: 'package-lock.json exists: npm ci installs exactly what it records' };
  }
  if (n === 'yarn' && (w.length === 1 || (w[1] === 'install' && operandsAfter(2).length === 0)) && has(lockCtx, 'yarn.lock')
    && !w.some((t) => t === '--frozen-lockfile' || t === '--immutable' || t === '--pure-lockfile')) {
    const berry = has(lockCtx, '.yarnrc.yml');
    return { rec, replacement: prefix + `yarn install ${berry ? '--immutable' : '--frozen-lockfile'}` + rest(u, w[1] === 'install' ? 2 : 1), why: 'yarn.lock exists: install exactly what it records' };
  }
  if (n === 'pnpm' && (w[1] === 'install' || w[1] === 'i') && operandsAfter(2).length === 0 && has(lockCtx, 'pnpm-lock.yaml') && !w.includes('--frozen-lockfile')) {
    return { rec, replacement: prefix + 'pnpm install --frozen-lockfile' + rest(u, 2), why: 'pnpm-lock.yaml exists: install exactly what it records' };
  }
  if (n === 'bun' && (w[1] === 'install' || w[1] === 'i') && operandsAfter(2).length === 0 && has(lockCtx, 'bun.lock', 'bun.lockb') && !w.includes('--frozen-lockfile')) {
    return { rec, replacement: prefix + 'bun install --frozen-lockfile' + rest(u, 2), why: 'a bun lockfile exists: install exactly what it records' };
  }
  if (n === 'uv' && w[1] === 'sync' && has(lockCtx, 'uv.lock') && !w.some((t) => t === '--locked' || t === '--frozen')) {
    return { rec, replacement: prefix + 'uv sync --locked' + rest(u, 2), why: 'uv.lock exists: fail instead of silently re-locking' };
  }
  if (n === 'composer' && w[1] === 'update' && operandsAfter(2).length === 0 && has(lockCtx, 'composer.lock')) {
    return { rec, replacement: prefix + 'composer install' + rest(u, 2), why: 'composer.lock exists: install it rather than update it' };
  }
  if (n === 'pipenv' && w[1] === 'install' && operandsAfter(2).length === 0 && has(lockCtx, 'Pipfile.lock') && !w.includes('--deploy')) {
    return { rec, replacement: prefix + 'pipenv install --deploy' + rest(u, 2), why: 'Pipfile.lock exists: fail if it is out of date' };
  }
  const isPip = /^pip[0-9.]*$/.test(n) && w[1] === 'install';
  const isPyPip = /^python[0-9.]*$/.test(n) && w[1] === '-m' && w[2] === 'pip' && w[3] === 'install';
  if ((isPip || isPyPip) && !rec.venv && !u.wrappers.length && !w[0]!.includes('/') && !w.some((t) => t === '--user' || t === '--target' || t === '-t' || t === '--prefix' || t === '--root')) {
    return { rec, kind: 'venv', replacement: `python3 -m venv .venv && . .venv/bin/activate && ${rec.argv.map((x) => x.source).join(' ')}`, why: 'pip outside a virtualenv installs into the interpreter everyone shares' };
  }
  return undefined;
}

/** Apply rewrites to the original text (byte ranges), right to left. */
export function applyRewrites(command: string, rewrites: Rewrite[]): string | undefined {
  const usable = rewrites.filter((r) => r.rec.range);
  if (!usable.length) return undefined;
  let buf = Buffer.from(command, 'utf8');
  for (const r of [...usable].sort((a, b) => b.rec.range![0] - a.rec.range![0])) {
    const [s, e] = r.rec.range!;
    buf = Buffer.concat([buf.subarray(0, s), Buffer.from(r.replacement, 'utf8'), buf.subarray(e)]);
  }
  return buf.toString('utf8');
}
