/**
 * Working-directory checks shared by every backend: a step's cwd is relative to the workspace and
 * must stay inside it, both by name (`..`, absolute paths) and after symlinks are followed (a
 * repository may contain `sub -> /etc`).
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { NovaError } from '../errors.js';

export interface ResolvedCwd {
  /** Host path of the directory. */
  host: string;
  /** Path relative to the workspace root, POSIX separators, "." for the root. */
  rel: string;
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

export function resolveCwd(workspace: string, cwd: string | undefined): ResolvedCwd {
  const asked = cwd === undefined || cwd === '' ? '.' : cwd;
  if (asked.includes('\0')) throw new NovaError('BAD_INPUT', 'the working directory contains a NUL byte', { hint: 'Give a folder path relative to the repository root.' });
  if (isAbsolute(asked)) {
    throw new NovaError('BAD_INPUT', `working directory "${asked}" is absolute; it must be relative to the workspace`, {
      hint: 'Give a folder relative to the repository root, e.g. "packages/app".',
    });
  }
  const root = resolve(workspace);
  const host = resolve(root, asked);
  if (!inside(root, host)) {
    throw new NovaError('BAD_INPUT', `working directory "${asked}" leaves the workspace`, {
      hint: 'Steps run inside the repository copy only; remove the ".." that climbs out of it.',
    });
  }
  let real: string;
  try {
    real = realpathSync(host);
  } catch {
    throw new NovaError('NOT_FOUND', `working directory "${asked}" does not exist in the workspace`, {
      hint: 'Check the step\'s cwd against the repository layout; earlier steps may need to create it.',
    });
  }
  const realRoot = realpathSync(root);
  if (!inside(realRoot, real)) {
    throw new NovaError('BAD_INPUT', `working directory "${asked}" is a symlink that points outside the workspace (${real})`, {
      hint: 'Repository symlinks are never followed out of the tree; run the step from a real folder inside it.',
    });
  }
  if (!statSync(real).isDirectory()) {
    throw new NovaError('BAD_INPUT', `working directory "${asked}" is not a folder`, { hint: 'Give a folder, not a file.' });
  }
  const rel = relative(realRoot, real).split(sep).join(posix.sep) || '.';
  return { host: real, rel };
}
