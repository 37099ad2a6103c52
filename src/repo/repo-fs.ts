/**
 * Bounded, symlink-safe read access to a repository on disk. Everything that reads repository
 * contents goes through here, because repository contents are untrusted: symlinks may point
 * outside the tree, files may be huge, binary or not UTF-8, and trees may be enormous.
 */
import { lstatSync, openSync, readSync, closeSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep, posix } from 'node:path';
import { NovaError } from '../errors.js';

export interface ReadResult {
  text: string;
  /** The file was longer than the read limit; `text` is a prefix. */
  truncated: boolean;
  /** Invalid UTF-8 sequences were replaced. */
  lossy: boolean;
  bytes: number;
}

/** Folders never worth walking: dependencies, VCS data, build output. */
export const IGNORED_DIRS = new Set([
  '.git', 'node_modules', '.hg', '.svn', 'vendor', 'target', 'dist', 'build', '.venv', 'venv', '__pycache__',
  '.tox', '.nox', '.gradle', '.idea', '.next', '.nuxt', 'coverage', 'bower_components', '.mypy_cache', '.pytest_cache',
]);

export class RepoFs {
  readonly root: string;
  private readonly realRoot: string;

  constructor(root: string, readonly maxFileBytes = 1024 * 1024) {
    this.root = resolve(root);
    let st;
    try {
      st = statSync(this.root);
    } catch {
      throw new NovaError('NOT_FOUND', `no such folder: ${this.root}`, { hint: 'Give the path of a repository folder, or a git URL.' });
    }
    if (!st.isDirectory()) throw new NovaError('BAD_INPUT', `${this.root} is not a folder`, { hint: 'Give the path of a repository folder, or a git URL.' });
    this.realRoot = realpathSync(this.root);
  }

  /**
   * Resolve a repository-relative path to a host path, refusing anything that escapes the tree
   * (`..`, absolute paths, or symlinks whose target lies outside). Returns undefined when the file
   * does not exist or escapes.
   */
  safePath(rel: string): string | undefined {
    const abs = resolve(this.root, rel);
    if (abs !== this.root && !abs.startsWith(this.root + sep)) return undefined;
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return undefined;
    }
    if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) return undefined;
    return real;
  }

  exists(rel: string): boolean {
    return this.safePath(rel) !== undefined;
  }

  isFile(rel: string): boolean {
    const p = this.safePath(rel);
    if (!p) return false;
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  }

  isDir(rel: string): boolean {
    const p = this.safePath(rel);
    if (!p) return false;
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  }

  /** Read at most `limit` bytes of a text file. Undefined for missing, escaping, non-regular or binary files. */
  read(rel: string, limit = this.maxFileBytes): ReadResult | undefined {
    const p = this.safePath(rel);
    if (!p) return undefined;
    let fd: number;
    try {
      if (!statSync(p).isFile()) return undefined;
      fd = openSync(p, 'r');
    } catch {
      return undefined;
    }
    try {
      const size = statSync(p).size;
      const n = Math.min(size, limit);
      const buf = Buffer.alloc(n);
      let off = 0;
      while (off < n) {
        const r = readSync(fd, buf, off, n - off, off);
        if (r <= 0) break;
        off += r;
      }
      const data = buf.subarray(0, off);
      // NUL bytes in the first 8 KiB: treat as binary, as git does.
      if (data.subarray(0, 8192).includes(0)) return undefined;
      const text = data.toString('utf8');
      const lossy = text.includes('\uFFFD') && !data.includes(Buffer.from('\uFFFD'));
      return { text, truncated: size > off, lossy, bytes: size };
    } finally {
      closeSync(fd);
    }
  }

  readText(rel: string, limit?: number): string | undefined {
    return this.read(rel, limit)?.text;
  }

  /** Entries of a folder (names), without following symlinked folders out of the tree. */
  list(rel = '.'): { name: string; dir: boolean; file: boolean; symlink: boolean }[] {
    const p = this.safePath(rel);
    if (!p) return [];
    let entries;
    try {
      entries = readdirSync(p, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.map((e) => ({ name: e.name, dir: e.isDirectory(), file: e.isFile(), symlink: e.isSymbolicLink() }));
  }

  /**
   * Walk the tree breadth-first, yielding repository-relative POSIX paths of regular files.
   * Symlinks are not followed; ignored folders are skipped; stops after `maxFiles` files or
   * below `maxDepth`.
   */
  *walk(opts: { maxDepth?: number; maxFiles?: number; ignore?: Set<string> } = {}): Generator<string> {
    const maxDepth = opts.maxDepth ?? 8;
    const maxFiles = opts.maxFiles ?? 50_000;
    const ignore = opts.ignore ?? IGNORED_DIRS;
    let count = 0;
    const queue: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }];
    while (queue.length) {
      const { rel, depth } = queue.shift()!;
      let entries;
      try {
        entries = readdirSync(join(this.root, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const childRel = rel ? posix.join(rel, e.name) : e.name;
        if (e.isFile()) {
          yield childRel;
          if (++count >= maxFiles) return;
        } else if (e.isDirectory() && !e.isSymbolicLink() && depth + 1 <= maxDepth && !ignore.has(e.name)) {
          queue.push({ rel: childRel, depth: depth + 1 });
        }
      }
    }
  }

  /** Repository-relative POSIX path of a host path inside the tree. */
  relative(abs: string): string {
    return relative(this.root, abs).split(sep).join('/');
  }

  isSymlink(rel: string): boolean {
    try {
      return lstatSync(join(this.root, rel)).isSymbolicLink();
    } catch {
      return false;
    }
  }
}
