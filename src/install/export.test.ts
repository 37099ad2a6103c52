import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, PlanStep } from '../protocol/plan.js';
import { tempDir } from '../testing/services.js';
import { baseImage, exportDockerfile, exportSetupScript, shellQuote } from './export.js';
import { nextSteps, renderReport } from './report.js';

const step = (command: string, extra: Partial<PlanStep> = {}): PlanStep => ({ stage: 'install', command, source: { kind: 'manifest', file: 'package.json' }, confidence: 0.9, verdict: 'allow', reasons: [], ...extra });

describe('exports', () => {
  it('writes a setup.sh that really runs the steps that worked, with cwd and env', () => {
    const dir = tempDir();
    try {
      const script = exportSetupScript('repo', 'R1', [
        { step: step('mkdir -p sub'), command: 'mkdir -p sub' },
        { step: step('echo "$GREETING" > out.txt', { cwd: 'sub', env: { GREETING: "it's here" } }), command: 'echo "$GREETING" > out.txt' },
      ]);
      writeFileSync(join(dir.path, 'setup.sh'), script);
      execFileSync('bash', [join(dir.path, 'setup.sh')]);
      expect(execFileSync('cat', [join(dir.path, 'sub/out.txt')]).toString()).toBe("it's here\n");
    } finally {
      dir.cleanup();
    }
  });

  it('writes a Dockerfile from a base image matching the ecosystem and version', () => {
    const df = exportDockerfile('repo', 'R1', [{ name: 'node', root: '.', packageManager: 'npm', languageVersion: '>=20' }], [
      { step: step('apt-get install -y libpq-dev', { stage: 'system' }), command: 'apt-get install -y libpq-dev' },
      { step: step('npm ci'), command: 'npm ci' },
      { step: step('npm test', { stage: 'test', cwd: 'packages/a' }), command: 'npm test' },
    ]);
    expect(df).toContain('FROM node:20-bookworm');
    expect(df).toContain('RUN apt-get update && apt-get install -y libpq-dev');
    expect(df).toContain('RUN cd packages/a && npm test');
    expect(baseImage([{ name: 'python', root: '.', packageManager: 'pip', languageVersion: '>=3.10' }])).toBe('python:3.10-bookworm');
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
  });
});

describe('report', () => {
  it('says the tests ran and how many failed, with the diagnosis and next steps', () => {
    const text = renderReport({
      runId: 'R1', status: 'failed', target: '/repo', durationMs: 4200, sandbox: 'bwrap',
      steps: [
        { stage: 'system', command: 'apt-get install -y libpq-dev', status: 'skipped', exitCode: null, durationMs: 0, attempts: 0, reasons: ['installs system packages: rerun with --allow-system to run it'] },
        { stage: 'install', command: 'npm ci', status: 'success', exitCode: 0, durationMs: 3000, attempts: 2 },
        { stage: 'test', command: 'npm test', status: 'failed', exitCode: 1, durationMs: 1200, attempts: 1, tests: { framework: 'jest', passed: 5, failed: 2, skipped: 0 } },
      ],
      diagnosis: [{ step: 2, pattern: 'test.jest-failed', category: 'test-failure', explanation: 'The tests ran, and some failed', evidence: 'Tests: 2 failed', fixes: [] }],
    });
    expect(text).toContain('FAILED — the tests ran and 2 failed');
    expect(text).toMatch(/✓ install\s+npm ci\s+3\.0 s\s+2 attempts/);
    expect(text).toMatch(/✗ test\s+npm test .*2 failed, 5 passed \(jest\)/);
    expect(text).toContain('rerun with --allow-system');
    expect(text).toContain('• [test-failure] step 3 (npm test): The tests ran, and some failed');
  });

  it('names a prerequisite the host lacked only when the run did not succeed (the sandbox may provide it)', () => {
    const plan = { prerequisites: [{ kind: 'toolchain', name: 'pnpm', satisfied: false, detail: 'wants 9.15.0' }] } as unknown as Plan;
    const base = { runId: 'R', diagnosis: [], steps: [{ stage: 'install' as const, command: 'pnpm install', status: 'success' as const, exitCode: 0, durationMs: 1, attempts: 1 }] };
    expect(nextSteps({ ...base, status: 'success' }, plan).join('\n')).not.toMatch(/Prerequisite/);
    expect(nextSteps({ ...base, status: 'failed' }, plan).join('\n')).toMatch(/Prerequisite not met here: toolchain pnpm/);
    const browser = { prerequisites: [{ kind: 'browser', name: 'browser', satisfied: false, detail: 'playwright drives a browser' }] } as unknown as Plan;
    expect(nextSteps({ ...base, status: 'failed' }, browser)).toContain('Prerequisite not met here: browser (playwright drives a browser)');
  });

  it('words an untried fix as advice about the step it concerns, not as a pattern id', () => {
    const steps = [{ stage: 'test' as const, command: 'npm test', status: 'failed' as const, exitCode: 1, durationMs: 1, attempts: 1 }];
    const fix = { command: 'apt-get install -y chromium', description: 'install a browser for karma', applied: false };
    const next = nextSteps({ runId: 'R', status: 'failed', steps, diagnosis: [{ step: 0, pattern: 'browser.not-installed', category: 'missing-system-dependency', explanation: 'no browser', fixes: [fix] }] });
    expect(next).toContain('For step 1 (npm test), try `apt-get install -y chromium` (install a browser for karma)');
    expect(next.join('\n')).not.toContain('browser.not-installed');
  });
});
