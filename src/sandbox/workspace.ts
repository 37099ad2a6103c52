/**
 * A run's private copy of the repository, plus its own home and temp folders:
 *
 *   <runDir>/workspace   the repository (with .git, without node_modules) — the only writable tree
 *   <runDir>/home        HOME inside the sandbox, so npm/pip/cargo caches never touch the real home
 *   <runDir>/tmp         TMPDIR inside the sandbox
 *
 * The source is untrusted: symlinks are copied as symlinks (their text unchanged) and never
 * followed, special files (FIFOs, sockets, devices) are skipped, and the copy is bounded in size.
 */
import { chmodSync, constants, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { NovaError } from '../errors.js';

export interface WorkspacePaths {
  workspace: string;
  home: string;
  tmp: string;
}

export interface PrepareOptions {
  /** Largest total size copied (default 4 GiB). */
  maxBytes?: number;
  /** Folder names skipped wherever they appear (default: node_modules). */
  skipDirs?: string[];
}

export interface PrepareResult extends WorkspacePaths {
  files: number;
  bytes: number;
  /** Special files that were not copied. */
  skipped: string[];
}

export function prepareWorkspace(repoRoot: string, runDir: string, opts: PrepareOptions = {}): PrepareResult {
  let src: string;
  try {
    src = realpathSync(repoRoot);
  } catch {
    throw new NovaError('NOT_FOUND', `no such repository folder: ${repoRoot}`, { hint: 'Give the path of a checked-out repository.' });
  }
  if (!lstatSync(src).isDirectory()) throw new NovaError('BAD_INPUT', `${repoRoot} is not a folder`, { hint: 'Give the path of a checked-out repository.' });
  const run = resolve(runDir);
  if (run === src || run.startsWith(src + sep)) {
    throw new NovaError('BAD_INPUT', `the run folder ${run} lies inside the repository ${src}`, { hint: 'Put runs outside the repository (NOVA_HOME is outside it by default).' });
  }
  const paths: WorkspacePaths = { workspace: join(run, 'workspace'), home: join(run, 'home'), tmp: join(run, 'tmp') };
  if (existsSync(paths.workspace)) {
    throw new NovaError('CONFLICT', `the workspace ${paths.workspace} already exists`, { hint: 'Use a fresh run folder for each run.' });
  }
  mkdirSync(run, { recursive: true, mode: 0o755 });
  mkdirSync(paths.home, { mode: 0o755 });
  mkdirSync(paths.tmp, { mode: 0o755 });

  const maxBytes = opts.maxBytes ?? 4 * 1024 ** 3;
  const skipDirs = new Set(opts.skipDirs ?? ['node_modules']);
  const skipped: string[] = [];
  let files = 0;
  let bytes = 0;
  const stack: [string, string][] = [[src, paths.workspace]];
  try {
    copyTree();
  } catch (e) {
    // Never leave a half-copied workspace behind.
    for (const d of [paths.workspace, paths.home, paths.tmp]) rmSync(d, { recursive: true, force: true });
    if (e instanceof NovaError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new NovaError('BAD_INPUT', `could not copy the repository into the workspace: ${err.code ?? ''} ${err.path ?? ''} ${err.message}`.replace(/\s+/g, ' '), {
      hint: 'Check that every file of the repository is readable by this user and the disk has room.',
      cause: e,
    });
  }
  return { ...paths, files, bytes, skipped };

  function copyTree(): void {
  while (stack.length) {
    const [from, to] = stack.pop()!;
    const st = lstatSync(from);
    if (st.isDirectory()) {
      // Others may traverse and read (git keeps no folder modes anyway): as root, bwrap enters the
      // working folder after dropping CAP_DAC_OVERRIDE, so a 0700 copy (e.g. of a mktemp folder)
      // owned by the sandbox uid would refuse the chdir.
      mkdirSync(to);
      chmodSync(to, (st.mode & 0o777) | 0o755); // not narrowed by the umask either
      for (const name of readdirSync(from)) {
        if (skipDirs.has(name) && lstatSync(join(from, name)).isDirectory()) continue;
        stack.push([join(from, name), join(to, name)]);
      }
    } else if (st.isSymbolicLink()) {
      // Kept verbatim: a link that points outside the tree stays a dangling link in the copy and
      // the sandbox (host read-only) decides what reading it can reach.
      symlinkSync(readlinkSync(from), to);
    } else if (st.isFile()) {
      bytes += st.size;
      if (bytes > maxBytes) {
        throw new NovaError('BAD_INPUT', `the repository is larger than ${Math.round(maxBytes / 1024 ** 2)} MiB; copying it was stopped`, {
          hint: 'Raise the workspace size limit, or remove large generated files from the checkout.',
        });
      }
      copyFileSync(from, to, constants.COPYFILE_FICLONE);
      files++;
    } else {
      skipped.push(from.slice(src.length + 1));
    }
  }
  }
}
