import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../src/testing/services.js';
import { buildFixture } from '../fixtures/build.js';
import { TRAP_FIXTURES } from '../fixtures/repos.js';

const home = tempDir('nova-cli-plan-');
const repo = buildFixture(TRAP_FIXTURES.find((f) => f.name === 'readme-traps')!);
afterAll(() => { home.cleanup(); repo.cleanup(); });

function nova(...args: string[]) {
  const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/nova.js'), ...args], { encoding: 'utf8', env: { ...process.env, NOVA_HOME: home.path }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nova plan', () => {
  it('--json prints the plan contract and exits 0 even with blocked steps', () => {
    const r = nova('plan', repo.root, '--json');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { target: string; ecosystems: { name: string }[]; steps: { command: string; verdict: string; source: { kind: string; file?: string; line?: number } }[]; warnings: string[] };
    expect(plan.target).toBe(repo.root);
    expect(plan.ecosystems[0].name).toBe('node');
    expect(plan.steps.find((s) => s.command === 'sudo rm -rf /')?.verdict).toBe('block');
    expect(plan.steps.find((s) => s.command === 'npm run test')?.source).toEqual(expect.objectContaining({ kind: 'docs', file: 'README.md', line: expect.any(Number) }));
  });
  it('prints a readable table with sources, verdicts, reasons and prerequisites', () => {
    const r = nova('plan', repo.root, '--no-probe');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/STAGE\s+COMMAND\s+SOURCE\s+CONF\s+VERDICT/);
    expect(r.stdout).toMatch(/test\s+npm run test\s+docs README\.md:\d+\s+0\.\d\d\s+allow/);
    expect(r.stdout).toMatch(/sudo rm -rf \/ — deletes \//);
    expect(r.stdout).toContain('For other systems (not run here):');
    expect(r.stdout).toContain('Prerequisites:');
  });
  it('exit 2 with a clear message when nothing can be planned', () => {
    const missing = nova('plan', join(home.path, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error: no such folder/);
    expect(missing.stderr).not.toMatch(/at .*\.ts:\d+/);
    const empty = tempDir('nova-cli-empty-');
    try {
      const r = nova('plan', empty.path, '--json');
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toBe('NOTHING_TO_PLAN');
    } finally {
      empty.cleanup();
    }
    const dash = nova('plan', '--', '-uexploit');
    expect(dash.code).toBe(2);
    expect(dash.stderr).toMatch(/starts with "-"/);
  });
});
