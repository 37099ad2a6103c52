/**
 * Executes a plan's steps in order in one sandbox. Which steps run:
 * - blocked steps never run (reported as blocked);
 * - system steps (apt-get …) run only with allowSystem, otherwise they are listed as skipped;
 * - steps that need user input (placeholders) are skipped with the reason;
 * - steps whose text does not parse as shell are skipped: they could only fail, and failing
 *   would stop the install (later steps still run);
 * - `run` steps (start a server, an app) are not executed: they would not end;
 * - after an install or build step fails for good, later steps are skipped (they depend on it).
 */
import type { Plan, PlanStep } from '../../protocol/plan.js';
import type { Diagnosis, InstallStepResult, RunStatus } from '../../protocol/run.js';
import { PARSE_FAILURE_PREFIX } from '../command-validation/index.js';
import { runStep, type StepRunOptions } from './run-step.js';

export interface PlanExecution {
  status: RunStatus;
  steps: InstallStepResult[];
  diagnosis: Diagnosis[];
  /** Steps that succeeded, with the command that worked, in order: what an export reproduces. */
  succeeded: { step: PlanStep; command: string }[];
}

function skipped(step: PlanStep, reason: string, status: InstallStepResult['status'] = 'skipped', replaces?: string): InstallStepResult {
  const earlier = step.reasons.filter((r) => r !== replaces);
  return { stage: step.stage, command: step.command, status, exitCode: null, durationMs: 0, attempts: 0, reasons: [...earlier, reason] };
}

/** The validator's parse failure among a step's reasons, if its text is not shell. */
function parseFailure(step: PlanStep): string | undefined {
  return step.reasons.find((r) => r.startsWith(PARSE_FAILURE_PREFIX));
}

export async function executePlan(plan: Plan, o: StepRunOptions & { stages?: PlanStep['stage'][] }): Promise<PlanExecution> {
  const steps: InstallStepResult[] = [];
  const diagnosis: Diagnosis[] = [];
  const succeeded: PlanExecution['succeeded'] = [];
  let broken: string | undefined;
  const stages = new Set(o.stages ?? ['system', 'install', 'build', 'test']);

  for (const [index, step] of plan.steps.entries()) {
    const notRun = (reason: string, status: 'blocked' | 'skipped' = 'skipped', replaces?: string) => {
      steps.push(skipped(step, reason, status, replaces));
      o.onEvent?.({ type: 'step-skip', index, step, status, reason });
    };
    if (step.verdict === 'block') {
      notRun('blocked by command validation: not executed', 'blocked');
      continue;
    }
    if (!stages.has(step.stage)) {
      notRun(step.stage === 'run' ? 'run steps start the program and are not executed by install' : `stage ${step.stage} not selected`);
      continue;
    }
    if (step.stage === 'system' && !o.allowSystem) {
      notRun('installs system packages: rerun with --allow-system to run it');
      continue;
    }
    if (step.needsInput?.length) {
      notRun(`needs values you must supply: ${step.needsInput.join(', ')}`);
      continue;
    }
    const unparsable = parseFailure(step);
    if (unparsable) {
      notRun(`does not parse as shell: ${unparsable.slice(PARSE_FAILURE_PREFIX.length)}`, 'skipped', unparsable);
      continue;
    }
    if (broken) {
      notRun(`not run: ${broken}`);
      continue;
    }
    if (o.signal?.aborted) {
      notRun('not run: the install was interrupted');
      continue;
    }
    const outcome = await runStep(step, index, o);
    steps.push(outcome.result);
    diagnosis.push(...outcome.diagnosis);
    if (outcome.effectiveCommand) succeeded.push({ step, command: outcome.effectiveCommand });
    else if (step.stage === 'install' || step.stage === 'build' || step.stage === 'system') broken = `an earlier ${step.stage} step failed (${step.command})`;
  }

  const ran = steps.filter((s) => s.status !== 'skipped' && s.status !== 'blocked');
  let status: RunStatus;
  if (steps.some((s) => s.status === 'failed' || s.status === 'timeout')) status = 'failed';
  else if (steps.some((s) => s.status === 'blocked')) status = 'blocked';
  else if (ran.length === 0) status = 'failed';
  else status = 'success';
  return { status, steps, diagnosis, succeeded };
}
