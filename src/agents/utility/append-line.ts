/**
 * Appending a line to a file inside an allowed folder, safely: the path must resolve (after
 * following symlinks of its folders) inside one of the allowed folders, the file itself may not be
 * a symlink (O_NOFOLLOW), and `unique` makes the append idempotent — a line already present is not
 * written again, which is how workflow steps record effects exactly once across crash re-runs.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { NovaError } from '../../errors.js';

const MAX_LINE = 64 * 1024;
/** `unique` scans the file; refuse to scan (and so to append) beyond this size. */
const MAX_SCAN_BYTES = 16 * 1024 * 1024;

export function inside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** The allowed folders with symlinks resolved (as given when a folder does not exist yet). */
export function allowedRoots(allowedDirs: string[]): string[] {
  return allowedDirs.map((d) => { try { return realpathSync(d); } catch { return resolve(d); } });
}

/** The real path the file would have, if it is inside an allowed folder; else a PERMISSION_DENIED error. */
export function resolveAllowedFile(file: string, allowedDirs: string[]): string {
  if (!file || file.includes('\0')) throw new NovaError('BAD_INPUT', 'util.append-line needs a file path', { hint: 'Pass input.file: an absolute path inside an allowed folder.' });
  const abs = resolve(file);
  let parent: string;
  try {
    parent = realpathSync(dirname(abs));
  } catch {
    throw new NovaError('NOT_FOUND', `the folder of ${abs} does not exist`, { hint: 'Create the folder first; util.append-line creates files, not folders.' });
  }
  const real = resolve(parent, basename(abs));
  const roots = allowedRoots(allowedDirs);
  if (!roots.some((r) => inside(r, real))) {
    throw new NovaError('PERMISSION_DENIED', `util.append-line refuses to write ${abs}: it is outside the allowed folders (${roots.join(', ') || 'none configured'})`, {
      hint: 'Write inside $NOVA_HOME/files, or allow the folder with: nova workflow run --allow-dir <folder>.',
    });
  }
  return real;
}

export function appendLine(file: string, line: string, opts: { allowedDirs: string[]; unique?: boolean }): { file: string; appended: boolean } {
  if (typeof line !== 'string') throw new NovaError('BAD_INPUT', 'util.append-line needs input.line (a string)', { hint: 'Example: { "file": "/tmp/x/log.txt", "line": "hello" }' });
  if (line.includes('\n') || line.includes('\r')) throw new NovaError('BAD_INPUT', 'util.append-line appends one line: input.line must not contain line breaks', { hint: 'Use one step per line.' });
  if (Buffer.byteLength(line) > MAX_LINE) throw new NovaError('BAD_INPUT', `input.line is longer than ${MAX_LINE} bytes`, { hint: 'Write large content some other way.' });
  const real = resolveAllowedFile(file, opts.allowedDirs);
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new NovaError('PERMISSION_DENIED', `util.append-line refuses to write ${real}: it is a symbolic link`, { hint: 'Point it at a regular file.' });
    throw new NovaError('UNAVAILABLE', `cannot open ${real}: ${(e as Error).message}`, { hint: 'Check the path and permissions.' });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NovaError('BAD_INPUT', `${real} is not a regular file`, { hint: 'Point it at a regular file.' });
    if (opts.unique) {
      if (st.size > MAX_SCAN_BYTES) throw new NovaError('BAD_INPUT', `${real} is ${st.size} bytes; unique appends scan at most ${MAX_SCAN_BYTES}`, { hint: 'Rotate the file.' });
      const buf = Buffer.alloc(st.size);
      let off = 0;
      while (off < st.size) {
        const n = readSync(fd, buf, off, st.size - off, off);
        if (n === 0) break;
        off += n;
      }
      if (buf.subarray(0, off).toString('utf8').split('\n').includes(line)) return { file: real, appended: false };
    }
    // One write() of the whole line: a process killed mid-step leaves the line either there or not.
    writeSync(fd, line + '\n');
    return { file: real, appended: true };
  } finally {
    closeSync(fd);
  }
}
