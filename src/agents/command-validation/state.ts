/**
 * What the validator knows about the shell as it walks a script: working directory, variables,
 * functions, files created or downloaded so far. `cd`, `export` and plain assignments change it;
 * subshells and pipeline stages work on a copy, as a real shell does.
 */
import { posix } from 'node:path';

/** Home is not a real place here (the sandbox decides it): paths under it are kept as `/~/…`. */
export const HOME = '/~';

export interface ShellState {
  workspace: string;
  /** Absolute working directory, or null when it cannot be known (`cd "$(dirname "$0")"`). */
  cwd: string | null;
  /** Variables with a known value. */
  vars: Map<string, string>;
  /** Variables that are set but whose value is not known (e.g. `X=$(cmd)`). */
  opaqueVars: Set<string>;
  /** Variables that later steps see (exported, or assigned at the top level of a step). */
  carried: Set<string>;
  functions: Set<string>;
  /** Absolute paths of files written by downloads (`curl -o`, `wget`). */
  downloaded: Set<string>;
  /** Absolute paths this step creates (files and folders). */
  created: Set<string>;
  /** Tools made available by earlier commands (`pip install tox`, `npm i -g yarn`). */
  providedTools: Set<string>;
  /** A Python virtual environment is active (`source .venv/bin/activate`). */
  venv: boolean;
  /** Variables holding downloaded or decoded text (`X=$(curl …)`), and where it came from. */
  tainted: Map<string, string>;
  dirStack: (string | null)[];
}

/** Variables whose meaning is standard; CI workspace variables point at the checkout. */
export function wellKnownVars(workspace: string): Map<string, string> {
  const m = new Map<string, string>([
    ['HOME', HOME], ['TMPDIR', '/tmp'], ['RUNNER_TEMP', '/tmp'], ['TMP', '/tmp'], ['TEMP', '/tmp'],
  ]);
  for (const v of ['GITHUB_WORKSPACE', 'CI_PROJECT_DIR', 'TRAVIS_BUILD_DIR', 'BITBUCKET_CLONE_DIR', 'CIRCLE_WORKING_DIRECTORY', 'WORKSPACE', 'SRCDIR']) {
    m.set(v, workspace);
  }
  return m;
}

export function newState(workspace: string, cwd?: string, env?: Record<string, string>): ShellState {
  const ws = posix.normalize(workspace).replace(/\/+$/, '') || '/';
  const vars = wellKnownVars(ws);
  const carried = new Set<string>();
  for (const [k, v] of Object.entries(env ?? {})) { vars.set(k, v); carried.add(k); }
  return {
    workspace: ws,
    cwd: cwd === undefined ? ws : resolveAgainst(ws, cwd),
    vars, opaqueVars: new Set(), carried, functions: new Set(), downloaded: new Set(), created: new Set(),
    providedTools: new Set(), venv: false, tainted: new Map(), dirStack: [],
  };
}

/** A copy for a subshell: changes inside do not leak out, but files created still count. */
export function forkState(s: ShellState): ShellState {
  return {
    ...s,
    vars: new Map(s.vars), opaqueVars: new Set(s.opaqueVars), tainted: new Map(s.tainted), carried: new Set(s.carried), functions: new Set(s.functions),
    dirStack: [...s.dirStack],
    // shared on purpose: a file created in a subshell exists afterwards
    downloaded: s.downloaded, created: s.created, providedTools: s.providedTools,
  };
}

export function resolveAgainst(base: string | null, p: string): string | null {
  if (p.startsWith('/')) return normalizeAbs(p);
  if (base === null) return null;
  return normalizeAbs(posix.join(base, p));
}

export function normalizeAbs(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

export function isWithin(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
}

/** How a path is shown in a reason: home as `~`, workspace paths relative. */
export function displayPath(p: string, workspace: string): string {
  if (p === HOME) return '~';
  if (p.startsWith(HOME + '/')) return '~' + p.slice(HOME.length);
  if (p === workspace) return 'the workspace root';
  if (p.startsWith(workspace + '/')) return p.slice(workspace.length + 1);
  return p;
}
