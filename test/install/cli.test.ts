/**
 * The `nova install` command as a user meets it: plain progress lines on stderr when not in a
 * terminal, the readable report, `nova runs list`, exports that reproduce the install, and exit
 * code 2 with a clear message for bad input.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupLeftovers, DEPS, DEPS_TEST, explain, json, nodeProject, nova, NOVA_BIN, novaHome, processesMentioning } from './fixtures.js';

const home = novaHome();
const work = mkdtempSync(join(tmpdir(), 'nova-e2e-cli-'));
// The lockfile knows only ms; package.json also wants is-number: `npm ci` fails, `npm install` works.
const repo = nodeProject({
  name: 'cli', dependencies: { 'is-number': DEPS['is-number'], ms: DEPS.ms }, scripts: { test: 'node --test test/' },
  files: {
    'test/deps.test.js': DEPS_TEST,
    'package-lock.json': json({
      name: 'cli', version: '1.0.0', lockfileVersion: 3, requires: true,
      packages: { '': { name: 'cli', version: '1.0.0', dependencies: { ms: DEPS.ms } }, 'node_modules/ms': { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz' } },
    }),
  },
});
afterAll(() => {
  if (process.env.E2E_KEEP) return;
  home.cleanup();
  repo.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Docker is the one engine this machine cannot have; when one runs, the refusal cannot be shown. */
const dockerRuns = existsSync('/var/run/docker.sock') || !!process.env.DOCKER_HOST;

describe('nova install (CLI)', () => {
  it('shows plain progress lines on stderr, the report on stdout, exports what worked, and lists the run', async () => {
    const setup = join(work, 'setup.sh');
    const dockerfile = join(work, 'Dockerfile');
    const r = await nova(['install', repo.root, '--export', setup, '--export', dockerfile], { home: home.path });
    expect(r.code, explain(r)).toBe(0);

    // Not a terminal: one plain line per event, no spinner, no cursor control.
    expect(r.stderr).not.toMatch(/[\r\x1b]/);
    const runId = /^run (\w+): 2 planned steps, sandbox bwrap$/m.exec(r.stderr)?.[1];
    expect(runId).toBeDefined();
    expect(r.stderr).toMatch(/^\[1\/2\] install npm ci$/m);
    expect(r.stderr).toMatch(/^ {4}fix: npm install\b.* — applying$/m);
    expect(r.stderr).toMatch(/^\[1\/2\] install npm install\b.* \(attempt 2\)$/m);
    expect(r.stderr).toMatch(/^\[2\/2\] test npm test$/m);
    expect(r.stderr).toMatch(/^ {4}✓ success \([\d.]+ m?s\) — 0 failed, 2 passed$/m);
    expect(r.stderr).toMatch(/^wrote .*setup\.sh \(2 steps\)$/m);

    // The report: what was detected, each step with ✓ and its time, and the repair explained.
    expect(r.stdout).toContain(`run ${runId} · SUCCESS`);
    expect(r.stdout).toMatch(/node \(npm\)/);
    expect(r.stdout).toMatch(/✓ install\s+npm ci\s+[\d.]+ m?s/);
    expect(r.stdout).toMatch(/✓ test\s+npm test\s+[\d.]+ m?s/);
    expect(r.stdout).toMatch(/lock ?file/i);

    // Exports hold what worked: the repair, not the command that failed.
    const script = readFileSync(setup, 'utf8');
    expect(script).toMatch(/^#!\/usr\/bin\/env bash/);
    expect(script).toMatch(/^npm install\b/m);
    expect(script).not.toMatch(/^npm ci\b/m);
    expect(script).toMatch(/^npm test$/m);
    const docker = readFileSync(dockerfile, 'utf8');
    expect(docker).toMatch(/^FROM node:/m);
    expect(docker).toMatch(/^RUN npm install\b/m);
    expect(docker).toMatch(/^RUN npm test$/m);

    // setup.sh reproduces the install in a fresh clone, with plain bash (npm cache kept out of HOME).
    const fresh = join(work, 'fresh');
    execFileSync('git', ['clone', '-q', repo.root, fresh]);
    copyFileSync(setup, join(fresh, 'setup.sh'));
    const out = execFileSync('bash', ['setup.sh'], { cwd: fresh, encoding: 'utf8', env: { ...process.env, npm_config_cache: join(work, 'npm-cache'), npm_config_audit: 'false', npm_config_fund: 'false' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    expect(out).toMatch(/# pass 2/);
    expect(existsSync(join(fresh, 'node_modules', 'is-number', 'package.json'))).toBe(true);

    const list = await nova(['runs', 'list', '--json'], { home: home.path });
    expect(list.code, explain(list)).toBe(0);
    const runs = (JSON.parse(list.stdout) as { runs: { runId: string; kind: string; status: string; target: string }[] }).runs;
    expect(runs.find((x) => x.runId === runId)).toMatchObject({ kind: 'install', status: 'success', target: repo.root });
    // A successful run's workspace copy is removed (its records stay in the store).
    expect(existsSync(join(home.path, 'runs', runId!))).toBe(false);
  });

  it('exit 2 with a clear message for a missing folder (text and --json)', async () => {
    const missing = join(work, 'no-such-repo');
    const t = await nova(['install', missing], { home: home.path });
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/^error: no such folder: .*no-such-repo$/m);
    expect(t.stderr).toMatch(/^hint: /m);
    expect(t.stderr).not.toMatch(/\n\s+at .*\.[jt]s:\d+/);
    const j = await nova(['install', missing, '--json'], { home: home.path });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringContaining('no such folder') } });
  });

  it('exit 2 for a bad --export name or a bad limit, before any work', async () => {
    const e = await nova(['install', repo.root, '--export', join(work, 'out.txt')], { home: home.path });
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/cannot tell the format from the name/);
    expect(e.stderr).not.toMatch(/planning/);
    const m = await nova(['install', repo.root, '--memory', 'lots'], { home: home.path });
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--memory.*"lots" is not a size/);
  });

  it('Ctrl-C during a step: exit 130, the run is closed (not left "running"), nothing of it survives', async () => {
    const token = randomBytes(6).toString('hex');
    const hang = nodeProject({ name: 'interrupted', scripts: { test: `node hang-${token}.js` }, files: { [`hang-${token}.js`]: 'setInterval(() => {}, 1000);\n' } });
    try {
      const child = spawn(process.execPath, [NOVA_BIN, 'install', hang.root], { env: { ...process.env, NOVA_HOME: home.path }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let interrupting = false;
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
          // The hanging test step has started: interrupt it a moment later.
          if (!interrupting && /\[2\/2\] test npm test\n/.test(stderr)) {
            interrupting = true;
            setTimeout(() => child.kill('SIGINT'), 1000);
          }
        });
        child.on('close', resolve);
        setTimeout(() => child.kill('SIGKILL'), 60_000);
      });
      expect(code, stderr).toBe(130);
      const runId = /interrupted \(SIGINT\): install run (\w+) stopped/.exec(stderr)?.[1];
      expect(runId, stderr).toBeDefined();
      const shown = JSON.parse((await nova(['runs', 'show', runId!, '--json'], { home: home.path })).stdout) as { status: string };
      expect(shown.status).toBe('error');
      expect(processesMentioning(token)).toEqual([]);
      expect(cgroupLeftovers(child.pid!)).toEqual([]);
    } finally {
      hang.cleanup();
    }
  });

  it.skipIf(dockerRuns)('exit 2 with a clear message for --sandbox docker when no Docker engine runs (skipped where one does)', async () => {
    const r = await nova(['install', repo.root, '--sandbox', 'docker', '--json'], { home: home.path });
    expect(r.code).toBe(2);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/no Docker engine reachable/);
    expect(err.hint).toMatch(/--sandbox bwrap/);
  });
});
