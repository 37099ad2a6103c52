/**
 * Wall time of `nova install` against running the same commands directly, in the same run.
 *
 * Three Node projects are generated here (real dependencies from the npm registry; a fetched
 * repository cannot be committed):
 *   small       two tiny runtime dependencies, `node --test`
 *   typescript  semver + typescript/@types as devDependencies, `tsc` build, `node --test dist/`
 *   jest        jest as a devDependency (~270 packages), a jest suite
 *
 * For each project and round:
 *   nova    `node bin/nova.js install <project> --json` as a user runs it (planning, bwrap sandbox,
 *           toolchain probe, records in a SQLite store): its wall time from spawn to exit. All
 *           rounds share one NOVA_HOME, as one user's runs do (its toolchain-probe cache included).
 *           The CLI runs compiled (dist/, built by `npm ci`) when the build matches the sources;
 *           the first line printed says which.
 *   direct  the commands nova ran (taken from its JSON result, in order) run with `bash -c` in a
 *           fresh copy of the project, with the environment the sandbox gives (baseStepEnv +
 *           sandboxEnv) and a fresh HOME.
 * npm cache: nova gives every run a fresh home, so its npm cache starts empty; the direct run gets
 * a fresh HOME too, so both start with the same (empty) cache and fetch from the registry.
 * The order of nova and direct alternates between rounds; figures are medians over the rounds.
 *
 * Run alone: `npx tsx bench/install.bench.ts [rounds]` (default 3).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseStepEnv } from '../src/agents/execution/step-env.js';
import { sandboxEnv } from '../src/sandbox/env.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const NOVA_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'nova.js');

interface Project {
  name: string;
  files: Record<string, string>;
}

const pkg = (name: string, extra: Record<string, unknown>) => JSON.stringify({ name, version: '1.0.0', private: true, license: 'MIT', ...extra }, null, 2) + '\n';

const PROJECTS: Project[] = [
  {
    name: 'small',
    files: {
      'package.json': pkg('bench-small', { scripts: { test: 'node --test test/' }, dependencies: { 'is-number': '^7.0.0', ms: '^2.1.3' } }),
      'test/deps.test.js': `const test = require('node:test');
const assert = require('node:assert');
test('is-number', () => assert.ok(require('is-number')(5)));
test('ms', () => assert.strictEqual(require('ms')('1s'), 1000));
`,
    },
  },
  {
    name: 'typescript',
    files: {
      'package.json': pkg('bench-ts', {
        scripts: { build: 'tsc -p .', test: 'node --test dist/' },
        dependencies: { semver: '^7.6.0' },
        devDependencies: { typescript: '~5.6.0', '@types/node': '^20.0.0', '@types/semver': '^7.5.0' },
      }),
      'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', outDir: 'dist', strict: true, esModuleInterop: true, skipLibCheck: true, types: ['node'] }, include: ['src'] }, null, 2) + '\n',
      'src/bump.ts': `import semver from 'semver';
export function bump(v: string): string {
  return semver.inc(v, 'minor') ?? v;
}
`,
      'src/bump.test.ts': `import test from 'node:test';
import assert from 'node:assert';
import { bump } from './bump';
test('bumps the minor version', () => assert.strictEqual(bump('1.2.3'), '1.3.0'));
`,
    },
  },
  {
    name: 'jest',
    files: {
      'package.json': pkg('bench-jest', { scripts: { test: 'jest' }, dependencies: { ms: '^2.1.3' }, devDependencies: { jest: '^29.7.0' } }),
      'ms.test.js': `const ms = require('ms');
test('parses seconds', () => expect(ms('2s')).toBe(2000));
test('formats minutes', () => expect(ms(60000)).toBe('1m'));
`,
    },
  },
];

function run(file: string, args: string[], o: { cwd: string; env: Record<string, string | undefined> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(file, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.once('error', reject);
    c.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface NovaStep { stage: string; command: string; status: string; durationMs: number }

async function timeNova(projectDir: string, novaHome: string): Promise<{ ms: number; steps: NovaStep[] }> {
  const env: Record<string, string | undefined> = { ...process.env, NOVA_HOME: novaHome };
  delete env.NOVA_SANDBOX;
  delete env.NOVA_DATABASE_URL;
  delete env.NOVA_REDIS_URL;
  const t = process.hrtime.bigint();
  const r = await run(process.execPath, [NOVA_BIN, 'install', projectDir, '--json'], { cwd: process.cwd(), env });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  let result: { status?: string; steps?: NovaStep[] };
  try {
    result = JSON.parse(r.stdout) as typeof result;
  } catch {
    throw new Error(`nova install printed no JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  if (r.code !== 0 || result.status !== 'success') throw new Error(`nova install did not succeed (exit ${r.code}, ${result.status}): ${r.stderr.slice(-2000)}`);
  return { ms, steps: (result.steps ?? []).filter((s) => s.status === 'success') };
}

/** The same commands, one `bash -c` each, in a fresh copy with a fresh HOME (empty npm cache). */
async function timeDirect(source: string, commands: string[], scratch: string): Promise<number> {
  const dir = mkdtempSync(join(scratch, 'direct-'));
  const work = join(dir, 'workspace');
  const home = join(dir, 'home');
  const tmp = join(dir, 'tmp');
  mkdirSync(home);
  mkdirSync(tmp);
  const t = process.hrtime.bigint();
  cpSync(source, work, { recursive: true });
  const env = sandboxEnv({ home, tmp, extra: baseStepEnv() });
  for (const command of commands) {
    const r = await run('bash', ['-c', command], { cwd: work, env });
    if (r.code !== 0) throw new Error(`direct \`${command}\` exited ${r.code}: ${(r.stdout + r.stderr).slice(-2000)}`);
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/**
 * nova deletes a finished run's folder in the background after it exits (NOVA_HOME/trash); the
 * direct run deletes its copy after its clock stops. Neither measurement may meet the other's
 * deletion still running, so the next one starts when the trash is empty (at most 2 minutes).
 */
async function trashEmptied(novaHome: string): Promise<void> {
  const trash = join(novaHome, 'trash');
  const end = Date.now() + 120_000;
  while (existsSync(trash) && readdirSync(trash).length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'nova-install-bench-'));
  const novaHome = join(scratch, 'nova-home');
  const load0 = loadavg()[0];
  const rows: string[] = [];
  // The fixed part of every nova run: starting the CLI (compiled, or the sources through tsx).
  const starts: number[] = [];
  let cli = '';
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    const r = await run(process.execPath, [NOVA_BIN, '--version'], { cwd: process.cwd(), env: { ...process.env, NOVA_DEBUG: '1' } });
    starts.push(Number(process.hrtime.bigint() - t) / 1e6);
    cli = /through tsx/.test(r.stderr) ? 'the TypeScript sources through tsx (no current build in dist/)' : 'compiled (dist/)';
  }
  process.stderr.write(`nova CLI: ${cli}\n`);
  let totalNova = 0;
  let totalDirect = 0;
  try {
    for (const p of PROJECTS) {
      const src = join(scratch, `project-${p.name.replace(/\W/g, '-')}`);
      for (const [rel, text] of Object.entries(p.files)) {
        mkdirSync(dirname(join(src, rel)), { recursive: true });
        writeFileSync(join(src, rel), text);
      }
      const nova: number[] = [];
      const direct: number[] = [];
      const inSteps: number[] = [];
      let commands: string[] | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        const doNova = async () => {
          const r = await timeNova(src, novaHome);
          await trashEmptied(novaHome);
          nova.push(r.ms);
          inSteps.push(r.steps.reduce((a, s) => a + s.durationMs, 0));
          commands ??= r.steps.map((s) => s.command);
        };
        const doDirect = async () => {
          if (!commands) await doNova();
          direct.push(await timeDirect(src, commands!, scratch));
        };
        // Alternate which goes first, so neither always meets a warmer machine.
        if (round % 2 === 0) {
          await doNova();
          await doDirect();
        } else {
          await doDirect();
          if (nova.length <= round) await doNova();
        }
        process.stderr.write(`${p.name} round ${round + 1}: nova ${sec(nova[nova.length - 1])} s, direct ${sec(direct[direct.length - 1])} s\n`);
      }
      const n = median(nova);
      const d = median(direct);
      totalNova += n;
      totalDirect += d;
      rows.push(`| ${p.name} | ${commands!.map((c) => `\`${c}\``).join(', ')} | ${sec(d)} | ${sec(n)} | ${sec(median(inSteps))} | ${(n / d).toFixed(2)}× |`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\nnova install vs the same commands run directly: median of ${ROUNDS} rounds, fresh npm cache for both (load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)})\n`);
  console.log('| project | commands | direct (s) | nova install (s) | of which in steps (s) | ratio |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  console.log(`| all three | | ${sec(totalDirect)} | ${sec(totalNova)} | | ${(totalNova / totalDirect).toFixed(2)}× (target ≤ 1.15×) |`);
  console.log(`\nCLI start alone (\`nova --version\`, median of 3): ${sec(median(starts))} s; the CLI ran ${cli}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
