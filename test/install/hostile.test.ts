/**
 * Hostile steps run through the whole pipeline (plan → validation → bwrap → troubleshooting →
 * report) of the real CLI: a step that hangs, a fork bomb, one that fills memory, one that writes a
 * huge file, one that fills the disk with many files, and one that writes outside the workspace.
 * The commands hide inside scripts the planner cannot read, so the sandbox, not command
 * validation, is what must stop them. One install run holds them all (each a README test step).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstallResult } from '../../src/protocol/run.js';
import { cgroupLeftovers, explain, installResult, nodeProject, nova, novaHome, processCount, processesMentioning, treeDigest, type NovaRun } from './fixtures.js';

const token = randomBytes(6).toString('hex');
// Outside /tmp too: NOVA_HOME (the store, other runs) must be hidden wherever it lives.
const home = novaHome('nova-e2e-home-', '/var/tmp');
// Outside /tmp (which the sandbox replaces with a private one), so the original folder is visible,
// read-only, inside the sandbox, and writing into it is a real attempt.
const repo = nodeProject({
  name: 'hostile',
  parent: '/var/tmp',
  scripts: {
    test: 'node scripts/escape.js',
    // Runs inside the install step, the one step with network: the host's local services
    // (PostgreSQL and Redis with no password on this machine) must stay out of reach.
    postinstall: 'node scripts/reach.js',
    offline: 'node scripts/reach.js',
    hang: `node scripts/hang-${token}.js`,
    bomb: `bash scripts/bomb-${token}.sh`,
    'bomb-detached': `bash scripts/detached-${token}.sh`,
    'fill-memory': 'node scripts/memory.js',
    'huge-file': 'bash scripts/huge-file.sh',
    'fill-disk': 'bash scripts/fill-disk.sh',
  },
  files: (root) => ({
    'README.md': `# hostile

## Testing

\`\`\`sh
echo x > /etc/nova-e2e-readme-${token}
npm run offline
npm run hang
npm run bomb
npm run bomb-detached
npm run fill-memory
npm run huge-file
npm run fill-disk
npm test
\`\`\`
`,
    [`scripts/hang-${token}.js`]: 'setInterval(() => {}, 1000);\nprocess.on("SIGTERM", () => {});\n',
    // The test runner that started it keeps waiting, as a real one would.
    [`scripts/bomb-${token}.sh`]: 'f() { f | f & }\nf\nsleep 60\n',
    // Returns at once and leaves the bomb running in the background: the sandbox must end it.
    [`scripts/detached-${token}.sh`]: 'f() { f | f & }\nf\n',
    'scripts/memory.js': 'const keep = [];\nfor (;;) keep.push(Buffer.alloc(32 * 1024 * 1024).fill(1));\n',
    'scripts/huge-file.sh': 'head -c 4G /dev/zero > huge.bin\n',
    'scripts/fill-disk.sh': 'for i in $(seq 1 200); do head -c 16M /dev/zero > part-$i.bin || exit 1; done\n',
    'scripts/reach.js': `const net = require('node:net');
const https = require('node:https');
const tcp = (port) => new Promise((done) => {
  const s = net.connect({ host: '127.0.0.1', port, timeout: 3000 });
  s.on('connect', () => { console.log('REACHED 127.0.0.1:' + port); s.destroy(); done(); });
  s.on('error', (e) => { console.log('unreachable 127.0.0.1:' + port + ' ' + e.code); done(); });
  s.on('timeout', () => { console.log('unreachable 127.0.0.1:' + port + ' timeout'); s.destroy(); done(); });
});
const web = () => new Promise((done) => {
  const r = https.get('https://registry.npmjs.org/ms', { timeout: 5000 }, (res) => { console.log('REACHED registry ' + res.statusCode); res.resume(); done(); });
  r.on('error', (e) => { console.log('unreachable registry ' + e.code); done(); });
  r.on('timeout', () => { console.log('unreachable registry timeout'); r.destroy(); done(); });
});
(async () => { await tcp(5432); await tcp(6379); await web(); })();
`,
    'scripts/escape.js': `const fs = require('node:fs');
const targets = ${JSON.stringify([`/etc/nova-e2e-${token}`, join(homedir(), `nova-e2e-${token}`), join(root, `escaped-${token}`), join(home.path, `escaped-${token}`), join(process.cwd(), `nova-e2e-${token}`)])};
for (const t of targets) {
  try {
    fs.writeFileSync(t, 'x');
    console.log('wrote ' + t);
  } catch (e) {
    console.log('denied ' + t + ' ' + e.code);
  }
}
console.log('environment: ' + JSON.stringify(process.env));
try { fs.readFileSync(${JSON.stringify(join(home.path, 'nova.sqlite'))}); console.log('READ the store'); } catch (e) { console.log('cannot read the store ' + e.code); }
try { console.log('runs visible: ' + fs.readdirSync(${JSON.stringify(join(home.path, 'runs'))}).length); } catch (e) { console.log('cannot list runs ' + e.code); }
try { fs.appendFileSync(${JSON.stringify(join(root, 'package.json'))}, ' '); console.log('modified the original'); } catch (e) { console.log('denied original ' + e.code); }
`,
  }),
});

let run: NovaRun;
let out: InstallResult;
let before: { processes: number; digest: string };
const step = (command: string) => {
  const i = out.steps.findIndex((s) => s.command === command);
  expect(i, `no step ${command} in ${out.steps.map((s) => s.command).join(', ')}`).toBeGreaterThanOrEqual(0);
  return { i, s: out.steps[i], d: out.diagnosis.filter((d) => d.step === i) };
};

beforeAll(async () => {
  before = { processes: processCount(), digest: treeDigest(repo.root) };
  run = await nova(['install', repo.root, '--json', '--step-timeout', '6', '--memory', '512m', '--max-processes', '128', '--max-file-size', '64m', '--max-disk', '256m', '--max-fixes', '1'], { home: home.path, timeoutMs: 120_000, env: { AWS_SECRET_ACCESS_KEY: `e2e-secret-${token}`, GITHUB_TOKEN: `e2e-secret-${token}` } });
  out = installResult(run);
}, 130_000);

afterAll(() => {
  if (process.env.E2E_KEEP) return;
  home.cleanup();
  repo.cleanup();
});

describe('hostile steps in a repository (bwrap)', () => {
  it('the run fails (exit 1) and reports every hostile step', () => {
    expect(run.code, explain(run)).toBe(1);
    expect(out.status).toBe('failed');
    expect(out.steps[0]).toMatchObject({ stage: 'install', status: 'success' });
  });

  it('a step that hangs is killed at --step-timeout and diagnosed as a timeout', () => {
    const { s, d } = step('npm run hang');
    expect(s.status).toBe('timeout');
    expect(s.durationMs).toBeGreaterThanOrEqual(6000);
    expect(s.durationMs).toBeLessThan(15_000);
    expect(s.attempts).toBe(1);
    expect(d.map((x) => x.category)).toContain('timeout');
  });

  it('a fork bomb is contained and stopped at the process limit', () => {
    const { s, d } = step('npm run bomb');
    expect(['failed', 'timeout']).toContain(s.status);
    expect(d.map((x) => x.pattern).join(' ')).toMatch(/sandbox\.(processes|timeout)|fork/);
  });

  it('a fork bomb left running in the background after its step returns is ended with the step', () => {
    const { s, d } = step('npm run bomb-detached');
    expect(s.durationMs).toBeLessThan(15_000);
    // Whether the limit shows while the step runs (sandbox.processes) or only in its output after
    // it exited 0 (sandbox.processes-refused) depends on timing; either way it must be reported.
    expect(d.map((x) => x.pattern).join(' ')).toMatch(/sandbox\.processes(-refused)?\b/);
    // The next step started in the same sandbox; the check that nothing survives is below.
    expect(step('npm run fill-memory').s.attempts).toBeGreaterThanOrEqual(1);
  });

  it('filling memory is stopped at --memory', () => {
    const { s, d } = step('npm run fill-memory');
    expect(s.status).toBe('failed');
    expect(d.map((x) => x.category)).toContain('out-of-memory');
  });

  it('a huge file is stopped at --max-file-size, and so is filling the disk with many files at --max-disk', () => {
    const huge = step('npm run huge-file');
    expect(huge.s.status).toBe('failed');
    expect(huge.d.map((x) => x.pattern).join(' ')).toMatch(/sandbox\.(file-size|disk)/);
    const fill = step('npm run fill-disk');
    expect(fill.s.status).toBe('failed');
    expect(fill.d.map((x) => x.pattern)).toContain('sandbox.disk');
    const ws = join(home.path, 'runs', out.runId, 'workspace');
    const hugeBin = join(ws, 'huge.bin');
    if (existsSync(hugeBin)) expect(statSync(hugeBin).size).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  it('a README step that writes outside the workspace is blocked by validation and never runs', () => {
    const { s } = step(`echo x > /etc/nova-e2e-readme-${token}`);
    expect(s).toMatchObject({ status: 'blocked', attempts: 0, exitCode: null });
    expect(s.reasons?.join(' ')).toMatch(/\/etc/);
    expect(existsSync(`/etc/nova-e2e-readme-${token}`)).toBe(false);
  });

  it('network: install steps reach the registry but not the host\'s local services; other steps have none', async () => {
    const shown = await nova(['runs', 'show', out.runId, '--json'], { home: home.path });
    const commands = (JSON.parse(shown.stdout) as { commands: { step_index: number; command: string; output: string | null }[] }).commands;
    const install = commands.find((c) => c.step_index === 0)?.output ?? '';
    expect(install).toMatch(/unreachable 127\.0\.0\.1:5432/);
    expect(install).toMatch(/unreachable 127\.0\.0\.1:6379/);
    expect(install).toMatch(/REACHED registry 200/);
    const offline = commands.find((c) => c.command === 'npm run offline')?.output ?? '';
    expect(offline).toMatch(/unreachable registry/);
    expect(`${install}\n${offline}`).not.toMatch(/REACHED 127/);
  });

  it('writes outside the workspace are denied: host files and the original folder are unchanged', () => {
    const { s } = step('npm test');
    expect(s.status).toBe('success');
    for (const p of [`/etc/nova-e2e-${token}`, join(homedir(), `nova-e2e-${token}`), join(repo.root, `escaped-${token}`), join(home.path, `escaped-${token}`), join(process.cwd(), `nova-e2e-${token}`)]) {
      expect(existsSync(p), p).toBe(false);
    }
    expect(treeDigest(repo.root)).toBe(before.digest);
  });

  it('NOVA_HOME and the caller\'s secrets are hidden from the steps: the store cannot be read, only this run\'s folder shows', async () => {
    const shown = await nova(['runs', 'show', out.runId, '--json'], { home: home.path });
    const commands = (JSON.parse(shown.stdout) as { commands: { command: string; output: string | null }[] }).commands;
    const escape = commands.find((c) => c.command === 'npm test')?.output ?? '';
    expect(escape).toMatch(/cannot read the store ENOENT/);
    expect(escape).toMatch(/runs visible: 1\b/);
    // Nor do the caller's secrets reach them: the environment is rebuilt, not inherited.
    expect(escape).toMatch(/environment: \{/);
    expect(escape).not.toContain(`e2e-secret-${token}`);
    expect(readFileSync(join(repo.root, 'package.json'), 'utf8')).not.toMatch(/ $/);
  });

  it('leaves the machine as it was: no process of the run survives', () => {
    expect(processesMentioning(token)).toEqual([]);
    expect(processesMentioning(join(home.path, 'runs'))).toEqual([]);
    expect(cgroupLeftovers(run.pid!)).toEqual([]);
    // Other work shares this machine, so allow some drift, but not a surviving fork bomb.
    expect(processCount()).toBeLessThan(before.processes + 40);
  });
});
