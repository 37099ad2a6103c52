/**
 * Versions found by the toolchain probe, kept between runs (a file in NovaSystem's home), so a
 * run does not start a sandbox and `npm --version` (≈ 0.2–0.4 s; `mvn`/`gradle` take seconds)
 * just to learn what the previous run learnt.
 *
 * An entry is reused only while the command still resolves to the same file: the executable found
 * first on the sandbox's PATH (as `command -v` finds it), followed to its real path, with the same
 * inode, size, modification and change time. An upgrade or reinstall writes new files (a new
 * inode and change time, which no tool can set back), a newly installed tool earlier on PATH
 * resolves elsewhere, and a removed one no longer resolves, so each is probed again. Entries also
 * expire after a day. Only for sandboxes that see the host's own filesystem (bwrap, none): under
 * Docker the image's tools answer.
 */
import { accessSync, constants, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Bump when what the probe runs or how the sandbox shows the host changes. */
const FORMAT = 1;
const MAX_AGE_MS = 24 * 3600_000;

interface Entry {
  /** What the command resolved to when probed. */
  key: string;
  /** The version found; null when the tool was missing. */
  version: string | null;
  at: number;
}

interface CacheFile {
  format: number;
  entries: Record<string, Entry>;
}

/** `command -v name` on this PATH, as a file identity: `path -> realpath ino size mtime ctime`, or `missing`. */
export function commandIdentity(name: string, path: string): string {
  if (name.includes('/')) return 'unsupported';
  for (const dir of path.split(':')) {
    if (!dir.startsWith('/')) continue; // a relative PATH entry would depend on the working folder
    const file = join(dir, name);
    try {
      const st = statSync(file);
      if (!st.isFile()) continue;
      accessSync(file, constants.X_OK);
      const real = realpathSync(file);
      const r = statSync(real);
      return `${file} -> ${real} ${r.ino} ${r.size} ${r.mtimeMs} ${r.ctimeMs}`;
    } catch {
      continue;
    }
  }
  return 'missing';
}

export class ProbeCache {
  constructor(
    private readonly file: string,
    /** Sandbox kind and PATH the probe runs with: part of every key. */
    private readonly scope: string,
    private readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  private keyOf(cmd: string): string {
    return `${this.scope}\n${this.path}\n${cmd}\n${commandIdentity(cmd.split(' ')[0], this.path)}`;
  }

  private read(): CacheFile {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as CacheFile;
      if (data.format === FORMAT && data.entries && typeof data.entries === 'object') return data;
    } catch {
      // missing or unreadable: start empty
    }
    return { format: FORMAT, entries: {} };
  }

  /** The versions of all of `cmds` when every one is cached and still current; otherwise undefined. */
  lookup(cmds: { tool: string; cmd: string }[]): Map<string, string | undefined> | undefined {
    const { entries } = this.read();
    const out = new Map<string, string | undefined>();
    for (const { tool, cmd } of cmds) {
      const e = entries[cmd];
      if (!e || e.key !== this.keyOf(cmd) || this.now() - e.at > MAX_AGE_MS || this.now() < e.at) return undefined;
      out.set(tool, e.version ?? undefined);
    }
    return out;
  }

  /** Record what a real probe found. A failure to write only costs the next run a probe. */
  store(cmds: { tool: string; cmd: string }[], found: Map<string, string | undefined>): void {
    const data = this.read();
    const at = this.now();
    for (const { tool, cmd } of cmds) {
      const key = this.keyOf(cmd);
      const version = found.get(tool);
      // Remembered: a version, or a tool that is not there. Not: a tool that is there but printed
      // no version (the probe failed, timed out or was killed), which may not happen next time.
      if (version === undefined && (!found.has(tool) || !key.endsWith('\nmissing'))) continue;
      data.entries[cmd] = { key, version: version ?? null, at };
    }
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      // Whole-file replace: concurrent runs never read a half-written cache.
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(data));
      renameSync(tmp, this.file);
    } catch {
      // best effort
    }
  }
}
