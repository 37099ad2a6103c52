import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan, PlanStep } from '../../protocol/plan.js';
import { NoneSandbox } from '../../sandbox/none/none-sandbox.js';
import { createRun } from '../../store/runs.js';
import { openStore, type Store } from '../../store/store.js';
import { tempDir } from '../../testing/services.js';
import { initValidator, validateCommand } from '../command-validation/index.js';
import { executePlan } from './execute-plan.js';

let store: Store;
let dir: { path: string; cleanup: () => void };
beforeAll(async () => {
  await initValidator();
  dir = tempDir('nova-exec-plan-');
  store = await openStore({ sqlitePath: join(dir.path, 'nova.sqlite') });
});
afterAll(async () => {
  await store.close();
  dir.cleanup();
});

/** A fresh workspace (with the sandbox's home) for one test. */
function workspace(name: string): string {
  const ws = join(dir.path, name);
  mkdirSync(join(ws, '.home'), { recursive: true });
  return ws;
}

/** Runs the plan's steps in `ws` without isolation (the sandbox is not under test here), as a new recorded run. */
async function runPlan(ws: string, steps: PlanStep[], o: Partial<Parameters<typeof executePlan>[1]> = {}) {
  const runId = `run-${ws.split('/').pop()}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  await createRun(store, { runId, kind: 'install', target: ws, tenant: 'default' });
  const plan: Plan = { target: ws, ecosystems: [], warnings: [], steps };
  const result = await executePlan(plan, {
    runId, store, sandbox: new NoneSandbox({ workspace: ws, home: join(ws, '.home') }), limits: { timeoutMs: 20_000 }, env: {},
    allowSystem: false, maxFixAttempts: 1, allowNetwork: false, workspaceFiles: [], vetFix: () => undefined, ...o,
  });
  const recorded = async () => (await store.db.selectFrom('commands').select(['command']).where('run_id', '=', runId).execute()).map((c) => c.command);
  return { result, recorded };
}

describe('executePlan skips steps that are not shell', () => {
  it('does not run an unparsable install step, says why, and runs the later steps', async () => {
    const ws = workspace('unparsable');
    // judged by the real validator, so the plan carries the wording the planner would put there
    const step = (stage: PlanStep['stage'], command: string): PlanStep => {
      const v = validateCommand(command, { workspace: ws });
      return { stage, command, source: { kind: 'docs' }, confidence: 1, verdict: v.verdict, reasons: v.reasons };
    };
    const steps = [step('install', 'touch ran-unparsable && if then fi'), step('build', 'echo built > built.txt')];
    expect(steps[0]!.verdict).toBe('warn');
    const skips: string[] = [];
    const { result: r, recorded } = await runPlan(ws, steps, { onEvent: (e) => { if (e.type === 'step-skip') skips.push(e.reason); } });

    expect(r.steps[0]!.status).toBe('skipped');
    const last = r.steps[0]!.reasons!.at(-1)!;
    expect(last).toMatch(/^does not parse as shell: .+/);
    expect(r.steps[0]!.reasons!.filter((x) => x.includes('does not parse'))).toHaveLength(1);
    expect(skips).toEqual([last]);
    expect(existsSync(join(ws, 'ran-unparsable'))).toBe(false);
    // the later step is not held back by the skipped one
    expect(r.steps[1]!.status).toBe('success');
    expect(existsSync(join(ws, 'built.txt'))).toBe(true);
    expect(r.status).toBe('success');
    expect(await recorded()).toEqual(['echo built > built.txt']);
  });
});

describe('a multi-line script from a CI file runs as its CI runs it', () => {
  it('stops at the first failing line of a GitHub Actions script (bash -e), but not of a README block', async () => {
    const ws = workspace('errexit');
    const script = 'false\ntouch after-failure-$SRC';
    const step = (src: 'ci' | 'docs', file: string): PlanStep => ({
      stage: 'build', command: script, env: { SRC: src }, source: { kind: src, file }, confidence: 1, verdict: 'allow', reasons: [],
    });
    const { result: r, recorded } = await runPlan(ws, [step('docs', 'README.md'), step('ci', '.github/workflows/ci.yml')], { maxFixAttempts: 0 });
    // A README block is a list of commands a person types: the last one decides, as before.
    expect(r.steps[0]!.status).toBe('success');
    expect(existsSync(join(ws, 'after-failure-docs'))).toBe(true);
    expect(r.steps[1]!.status).toBe('failed');
    expect(existsSync(join(ws, 'after-failure-ci'))).toBe(false);
    // Records keep the command as the plan wrote it.
    expect(await recorded()).toEqual([script, script]);
  });
});

describe('the network retry', () => {
  it('runs a step once more with network only when it ran without it', async () => {
    const ws = workspace('netretry');
    const command = 'echo ran >> "runs-$STAGE.txt"; echo "getaddrinfo ENOTFOUND pypi.example.invalid" >&2; exit 1';
    const step = (stage: 'install' | 'build'): PlanStep => ({ stage, command, env: { STAGE: stage }, source: { kind: 'docs' }, confidence: 1, verdict: 'allow', reasons: [] });
    const run = async (s: PlanStep) => {
      const reasons: string[] = [];
      const { result: r } = await runPlan(ws, [s], { maxFixAttempts: 2, allowNetwork: true, onEvent: (e) => { if (e.type === 'fix') reasons.push(e.reason); } });
      return { attempts: r.steps[0]!.attempts, reasons, runs: readFileSync(join(ws, `runs-${s.stage}.txt`), 'utf8').split('\n').filter(Boolean).length };
    };
    // A build runs without network: the retry gives it network, so it is worth one more run.
    expect(await run(step('build'))).toMatchObject({ attempts: 2, runs: 2 });
    // An install already had network: running it again changes nothing.
    const install = await run(step('install'));
    expect(install).toMatchObject({ attempts: 1, runs: 1 });
    expect(install.reasons).toContain('not applied: the step already had network access');
  });
});
