/**
 * Runs one plan step in the sandbox and, when it fails, asks the troubleshooter what went wrong,
 * tries the proposed fixes (each validated like any other command) within a bound, and records
 * every attempt and fix outcome.
 */
import type { Diagnosis, InstallStepResult, TestCounts } from '../../protocol/run.js';
import type { PlanStep } from '../../protocol/plan.js';
import type { ExecResult, Sandbox, SandboxLimits } from '../../sandbox/sandbox.js';
import type { Store } from '../../store/store.js';
import { recordCommand } from '../../store/runs.js';
import { diagnose, type ProposedFix } from '../troubleshooting/diagnose.js';
import { fixStats, rankFixes, recordFixOutcome } from '../troubleshooting/fix-outcomes.js';
import { parseTestCounts } from '../troubleshooting/test-counts.js';
import type { LlmProvider } from '../../llm/types.js';
import { diagnoseWithLlm, type LlmFailure } from '../../llm/troubleshoot.js';

export interface StepRunOptions {
  runId: string;
  store: Store;
  sandbox: Sandbox;
  limits: SandboxLimits;
  env: Record<string, string>;
  allowSystem: boolean;
  maxFixAttempts: number;
  /** Network for steps that need it; false disables it everywhere. */
  allowNetwork: boolean;
  /** Validates a fix command before it runs; returns a reason to refuse it, or undefined. */
  vetFix: (command: string) => string | undefined;
  workspaceFiles: string[];
  onEvent?: (e: StepEvent) => void;
  /** Stops the running command (Ctrl-C): no fixes are tried, later steps are not started. */
  signal?: AbortSignal;
  /** Asked only when no known error pattern explains a failure (NOVA_LLM); its fix is vetted and bounded like any other. */
  llm?: LlmProvider;
  /** The plan's ecosystems, to describe a failure to the LLM. */
  ecosystems?: LlmFailure['ecosystems'];
  /** Problems that do not stop the run (an unreachable LLM, an unusable answer). */
  onWarning?: (message: string) => void;
}

export type StepEvent =
  | { type: 'begin'; runId: string; total: number; sandbox: string }
  | { type: 'step-start'; index: number; step: PlanStep; attempt: number; command: string }
  /** A step that is not run (blocked, skipped): said as it is reached, so progress shows every step. */
  | { type: 'step-skip'; index: number; step: PlanStep; status: 'blocked' | 'skipped'; reason: string }
  | { type: 'output'; index: number; chunk: string }
  | { type: 'step-end'; index: number; status: string; durationMs: number; exitCode: number | null; tests?: TestCounts }
  | { type: 'fix'; index: number; fix: ProposedFix; reason: string };

export interface StepOutcome {
  result: InstallStepResult;
  diagnosis: Diagnosis[];
  /** The command that finally worked (the original or a fix), for exports. */
  effectiveCommand?: string;
}

/** What shells and runtimes print when a fork is refused at the process limit. */
const FORKS_REFUSED = /fork: (?:retry: )?Resource temporarily unavailable|Cannot fork|fork failed|pthread_create failed|spawn \S+ EAGAIN/i;

function needsNetwork(step: PlanStep): boolean {
  return step.network ?? (step.stage === 'install' || step.stage === 'system');
}

/** CI services whose runners run a multi-line script with `bash -e` (GitHub Actions' default shell, GitLab's and CircleCI's scripts). */
const ERREXIT_CI = /^(?:\.github\/workflows\/|\.gitlab-ci\.ya?ml$|\.circleci\/)/;

/**
 * The shell text a step runs: a multi-line script taken from such a CI file stops at its first
 * failing line, as it does on that CI, instead of failing there and carrying on (which hid, for
 * example, a `source $VENV` that only works on the CI runner).
 */
export function shellText(step: PlanStep, command: string): string {
  if (step.source.kind !== 'ci' || !command.includes('\n') || !ERREXIT_CI.test(step.source.file ?? '')) return command;
  return `set -e\n${command}`;
}

async function attempt(step: PlanStep, index: number, command: string, attemptNo: number, network: boolean, o: StepRunOptions): Promise<ExecResult> {
  o.onEvent?.({ type: 'step-start', index, step, attempt: attemptNo, command });
  const r = await o.sandbox.exec({
    command: shellText(step, command),
    cwd: step.cwd,
    env: { ...o.env, ...(step.env ?? {}) },
    network: network && o.allowNetwork,
    limits: o.limits,
    signal: o.signal,
    onOutput: (chunk) => o.onEvent?.({ type: 'output', index, chunk }),
  });
  const status = r.timedOut ? 'timeout' : r.exitCode === 0 ? 'success' : 'failed';
  await recordCommand(o.store, { runId: o.runId, stepIndex: index, attempt: attemptNo, stage: step.stage, command, cwd: step.cwd, status, exitCode: r.exitCode, durationMs: r.durationMs, output: r.output });
  return r;
}

export async function runStep(step: PlanStep, index: number, o: StepRunOptions): Promise<StepOutcome> {
  const started = Date.now();
  const network = needsNetwork(step);
  let r = await attempt(step, index, step.command, 1, network, o);
  let attempts = 1;
  let tests = step.stage === 'test' ? parseTestCounts(r.output) : undefined;
  const diagnosis: Diagnosis[] = [];
  let effective = step.command;

  if (r.exitCode !== 0) {
    const d = diagnose(r.output, { command: step.command, stage: step.stage, exitCode: r.exitCode, timedOut: r.timedOut, limitHit: r.limitHit, workspaceFiles: o.workspaceFiles });
    if (o.llm && !r.timedOut && !o.signal?.aborted && d.findings.length === 1 && d.findings[0].patternId === 'generic.unknown') {
      const asked = await diagnoseWithLlm(o.llm, { command: step.command, stage: step.stage, exitCode: r.exitCode, cwd: step.cwd, ecosystems: o.ecosystems }, r.output, d.findings[0].evidence, { signal: o.signal });
      if (asked.finding) d.findings = [asked.finding];
      else o.onWarning?.(asked.warning);
    }
    tests = d.tests ?? tests;
    const tried = new Set<string>([step.command]);
    const stats = await fixStats(o.store, d.findings.map((f) => f.patternId));
    const entries = d.findings.map((f) => ({
      step: index, pattern: f.patternId, category: f.category, explanation: f.explanation, evidence: f.evidence,
      fixes: rankFixes(f.patternId, f.fixes, stats).map((fx) => ({ command: fx.command, description: fx.description, applied: false, worked: undefined as boolean | undefined, fx })),
    }));
    // Genuine test failures (a runner reported failed tests) are the result, not something to fix.
    const genuineTestFailure = d.testsFailed;
    let fixAttempts = 0;
    for (const entry of genuineTestFailure || r.timedOut || o.signal?.aborted ? [] : entries) {
      for (const f of entry.fixes) {
        if (fixAttempts >= o.maxFixAttempts) break;
        if (tried.has(f.command)) continue;
        if (f.fx.system && !o.allowSystem) {
          o.onEvent?.({ type: 'fix', index, fix: f.fx, reason: 'not applied: installs system packages (rerun with --allow-system)' });
          continue;
        }
        // A retry whose only change is network access, for a step that already had it: the same
        // run again, which fails the same way (a host unreachable from here) at the cost of the step.
        if (f.fx.network && network && o.allowNetwork && f.command.trim() === step.command.trim()) {
          o.onEvent?.({ type: 'fix', index, fix: f.fx, reason: 'not applied: the step already had network access' });
          continue;
        }
        const refusal = o.vetFix(f.command);
        if (refusal) {
          o.onEvent?.({ type: 'fix', index, fix: f.fx, reason: `not applied: ${refusal}` });
          continue;
        }
        tried.add(f.command);
        fixAttempts++;
        attempts++;
        o.onEvent?.({ type: 'fix', index, fix: f.fx, reason: 'applying' });
        f.applied = true;
        r = await attempt(step, index, f.command, attempts, network || f.fx.network, o);
        f.worked = r.exitCode === 0;
        await recordFixOutcome(o.store, { runId: o.runId, stepIndex: index, patternId: entry.pattern, fixTemplate: f.fx.template, command: f.command, worked: f.worked });
        if (step.stage === 'test') tests = parseTestCounts(r.output) ?? tests;
        if (f.worked) {
          effective = f.command;
          break;
        }
      }
      if (r.exitCode === 0 || fixAttempts >= o.maxFixAttempts) break;
    }
    for (const e of entries) diagnosis.push({ step: e.step, pattern: e.pattern, category: e.category, explanation: e.explanation, evidence: e.evidence, fixes: e.fixes.map(({ fx: _fx, ...rest }) => rest) });
  }

  if (r.exitCode === 0 && FORKS_REFUSED.test(r.output)) {
    // It "succeeded", but something it started kept forking until the process limit refused it
    // (a fork bomb left in the background): the sandbox ended it with the step; say so.
    diagnosis.push({ step: index, pattern: 'sandbox.processes-refused', category: 'resource-limit', explanation: 'The step exited 0, but processes it started hit the sandbox\'s process-count limit; whatever was still running was ended with the step.', evidence: FORKS_REFUSED.exec(r.output)?.[0], fixes: [] });
  }
  const status = r.exitCode === 0 ? 'success' : r.timedOut ? 'timeout' : 'failed';
  const durationMs = Date.now() - started;
  o.onEvent?.({ type: 'step-end', index, status, durationMs, exitCode: r.exitCode, tests });
  return {
    result: { stage: step.stage, command: step.command, status, exitCode: r.exitCode, durationMs, attempts, ...(tests ? { tests } : {}), ...(step.reasons.length ? { reasons: step.reasons } : {}) },
    diagnosis,
    effectiveCommand: status === 'success' ? effective : undefined,
  };
}
