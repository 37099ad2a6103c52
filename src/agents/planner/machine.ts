/**
 * Cheap facts about this machine, for `satisfied` on prerequisites and for the validator's
 * environment checks. Every probe is memoised for the life of the process (planning many
 * repositories must not spawn the same `--version` again), bounded in time, and never throws.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { homedir } from 'node:os';

const onPathCache = new Map<string, string | null>();

/** Absolute path of an executable on PATH, or null. No process is spawned. */
export function which(tool: string, pathVar: string = process.env.PATH ?? ''): string | null {
  const key = `${pathVar}\0${tool}`;
  const cached = onPathCache.get(key);
  if (cached !== undefined) return cached;
  let found: string | null = null;
  if (tool.includes('/')) found = null;
  else for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, tool);
    try {
      if (statSync(p).isFile()) { accessSync(p, constants.X_OK); found = p; break; }
    } catch { /* not here */ }
  }
  onPathCache.set(key, found);
  return found;
}

/** How to ask each language toolchain for its version. */
const VERSION_PROBES: Record<string, { cmd: string; args: string[] }> = {
  node: { cmd: 'node', args: ['--version'] },
  python: { cmd: 'python3', args: ['--version'] },
  go: { cmd: 'go', args: ['version'] },
  rust: { cmd: 'rustc', args: ['--version'] },
  java: { cmd: 'java', args: ['-version'] },
  ruby: { cmd: 'ruby', args: ['--version'] },
  php: { cmd: 'php', args: ['--version'] },
  dotnet: { cmd: 'dotnet', args: ['--version'] },
  poetry: { cmd: 'poetry', args: ['--version'] },
};

const versionCache = new Map<string, string | null>();

/** Installed version of a language toolchain (`node`, `python`, `go`, …), null when absent. */
export function toolVersion(language: string): string | null {
  const cached = versionCache.get(language);
  if (cached !== undefined) return cached;
  let version: string | null = null;
  if (language === 'node' && which('node') === null) version = null;
  else {
    const probe = VERSION_PROBES[language];
    if (probe && which(probe.cmd)) {
      const r = spawnSync(probe.cmd, probe.args, { encoding: 'utf8', timeout: 4000, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
      const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(language === 'go' ? out.replace(/^.*?go(?=\d)/s, '') : out);
      version = m ? `${m[1]}.${m[2]}.${m[3] ?? '0'}` : null;
    }
  }
  versionCache.set(language, version);
  return version;
}

let dpkgInstalled: Set<string> | undefined;

/** Debian packages installed here (from dpkg's status file); empty on other systems. */
export function installedDebianPackages(): Set<string> {
  if (dpkgInstalled) return dpkgInstalled;
  dpkgInstalled = new Set();
  try {
    const text = readFileSync('/var/lib/dpkg/status', 'utf8');
    for (const block of text.split('\n\n')) {
      const name = /^Package: (\S+)/m.exec(block)?.[1];
      if (name && /^Status: .* installed$/m.test(block)) dpkgInstalled.add(name);
    }
  } catch { /* not a Debian system */ }
  return dpkgInstalled;
}

/** Whether a Debian package is installed; undefined when this is not a dpkg system. */
export function debianPackageInstalled(name: string): boolean | undefined {
  const set = installedDebianPackages();
  if (set.size === 0) return undefined;
  return set.has(name) || set.has(`${name}:amd64`) || set.has(`${name}:arm64`);
}

/** Whether something accepts TCP connections on 127.0.0.1:port, within a short timeout. */
export function portOpen(port: number, timeoutMs = 150): Promise<boolean> {
  return new Promise((done) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    const finish = (ok: boolean) => { sock.destroy(); done(ok); };
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.once('connect', () => finish(true));
    sock.once('error', () => finish(false));
  });
}

const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'firefox', 'microsoft-edge'];

/** A browser a test runner could drive: on PATH, or downloaded by Playwright/Puppeteer. */
export function browserAvailable(): boolean {
  if (BROWSERS.some((b) => which(b))) return true;
  for (const dir of ['.cache/ms-playwright', '.cache/puppeteer']) {
    try { if (statSync(join(homedir(), dir)).isDirectory()) return true; } catch { /* absent */ }
  }
  return false;
}
