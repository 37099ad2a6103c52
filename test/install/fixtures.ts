/**
 * Shared helpers of the `nova install` end-to-end tests: Node projects written into fresh git
 * repositories, the real CLI run as a child process with its own NOVA_HOME, and the JSON it prints
 * checked against the InstallResult contract.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { InstallResult } from '../../src/protocol/run.js';
import { writeFixture, type BuiltFixture } from '../fixtures/build.js';

export const NOVA_BIN = join(process.cwd(), 'bin/nova.js');

export const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** Real, small packages from the npm registry (no dependencies of their own, no install scripts). */
export const DEPS = { 'is-number': '^7.0.0', ms: '^2.1.3', 'left-pad': '^1.3.0' } as const;

export interface NodeProjectSpec {
  name: string;
  dependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  /** More files (README.md, test files, lockfiles, …); a function gets the repository's path. */
  files?: Record<string, string> | ((root: string) => Record<string, string>);
  /** Where the repository is made (default the system temp folder). */
  parent?: string;
}

/** A Node project as a real git repository (one commit), CommonJS, no lockfile unless given. */
export function nodeProject(spec: NodeProjectSpec): BuiltFixture {
  const pkg = { name: spec.name, version: '1.0.0', private: true, license: 'MIT', scripts: spec.scripts ?? {}, dependencies: spec.dependencies ?? {} };
  const root = mkdtempSync(join(spec.parent ?? tmpdir(), `nova-e2e-${spec.name}-`));
  const more = typeof spec.files === 'function' ? spec.files(root) : spec.files ?? {};
  writeFixture({ name: spec.name, files: { 'package.json': json(pkg), ...more } }, root);
  return { name: spec.name, root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A NOVA_HOME of its own (SQLite store, run folders) for one test file. */
export function novaHome(prefix = 'nova-e2e-home-', parent = tmpdir()): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(parent, prefix));
  // As readable as a home made by hand: what the sandbox hides must not depend on a 0700 mode.
  chmodSync(path, 0o755);
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface NovaRun {
  /** The CLI process's id (its sandbox cgroups are named after it). */
  pid?: number;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the real CLI (`node bin/nova.js …`) with NOVA_HOME set; never through a shell. */
export function nova(args: string[], o: { home: string; timeoutMs?: number; env?: Record<string, string>; cwd?: string }): Promise<NovaRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NOVA_HOME: o.home, ...o.env };
    // Progress must be the plain-lines form; keep the child's choice of sandbox to its own config.
    delete env.NOVA_SANDBOX;
    delete env.NOVA_DATABASE_URL;
    delete env.NOVA_REDIS_URL;
    const child = spawn(process.execPath, [NOVA_BIN, ...args], { cwd: o.cwd ?? process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ pid: child.pid, code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** What to show when a run ended unexpectedly: its progress lines and its result (with diagnosis). */
export function explain(r: NovaRun): string {
  return `exit ${r.code}\n--- stderr\n${r.stderr.slice(-4000)}\n--- stdout\n${r.stdout.slice(-6000)}`;
}

/** The `--json` output, parsed strictly by the contract schema. */
export function installResult(r: NovaRun): InstallResult {
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    throw new Error(`nova printed no JSON (exit ${r.code}).\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return InstallResult.strict().parse(value);
}

/** A digest of every file under `root` (path, mode, content): proves a folder was not modified. */
export function treeDigest(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      h.update(`${relative(root, p)}\0${st.mode}\0`);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) h.update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest('hex');
}

/** Host processes right now (every numeric entry of /proc). */
export function processCount(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

/** Host processes whose command line mentions `needle` (what a run left behind). */
export function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`${pid} ${cmd}`);
    } catch {
      // Ended meanwhile.
    }
  }
  return out;
}

/**
 * Control groups a CLI process made for its sandbox and left behind (named `nova-<pid>-…` beside
 * our own group, in every hierarchy this process belongs to).
 */
export function cgroupLeftovers(pid: number): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (ctrls === undefined || path === undefined) continue;
    const dirs = ctrls === '' ? [join('/sys/fs/cgroup', path)] : ctrls.split(',').map((c) => join('/sys/fs/cgroup', c.replace(/^name=/, ''), path));
    for (const dir of dirs) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) if (n.startsWith(`nova-${pid}-`)) out.push(join(dir, n));
    }
  }
  return out;
}

/** A node:test file that checks the real dependencies work. */
export const DEPS_TEST = `const test = require('node:test');
const assert = require('node:assert');
const isNumber = require('is-number');
const ms = require('ms');

test('is-number tells numbers apart', () => {
  assert.strictEqual(isNumber(5), true);
  assert.strictEqual(isNumber('five'), false);
});
test('ms parses durations', () => {
  assert.strictEqual(ms('2s'), 2000);
});
`;
