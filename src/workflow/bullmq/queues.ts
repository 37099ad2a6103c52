/**
 * Names, job payloads and job options of the BullMQ executor.
 *
 *   queue `cap.<capability>`  one job per task step instance attempt; workers that have an agent
 *                             offering the capability take it
 *   queue `control`           `retry` jobs (delayed by the step's backoff) and `join` jobs (the
 *                             parent of a fork's step jobs in a BullMQ flow: runs once every branch
 *                             job has finished, and checks the run advanced)
 *
 * Job ids are deterministic (`<runId>|<stepKey>|<attempt>`), so enqueueing the same dispatch twice
 * (after a crash between commit and enqueue, or from a reconcile sweep) adds nothing.
 */
import type { JobsOptions } from 'bullmq';

export const CONTROL_QUEUE = 'control';

export function capabilityQueue(capability: string): string {
  // BullMQ forbids ':' in queue names; capability names never contain it (protocol/agent.ts).
  return `cap.${capability}`;
}

export interface StepJobData {
  runId: string;
  stepKey: string;
  attempt: number;
  capability: string;
  agentId?: string;
  input: Record<string, unknown>;
  timeoutMs?: number;
  tenant: string;
}

export type ControlJobData =
  | { kind: 'retry'; runId: string; stepKey: string; attempt: number }
  | { kind: 'join'; runId: string };

const safe = (s: string) => s.replace(/:/g, '_');

export const stepJobId = (d: { runId: string; stepKey: string; attempt: number }) => safe(`${d.runId}|${d.stepKey}|${d.attempt}`);
export const retryJobId = (runId: string, stepKey: string, attempt: number) => safe(`${runId}|${stepKey}|retry${attempt}`);
export const joinJobId = (runId: string, version: number) => safe(`${runId}|join|v${version}`);

/** Backoff of job-level retries: 250 ms doubling, capped at 15 s (BullMQ's own exponential has no cap). */
export const INFRA_BACKOFF = 'nova-capped';
export function infraBackoffMs(attemptsMade: number): number {
  return Math.min(250 * 2 ** Math.max(0, attemptsMade - 1), 15_000);
}

/**
 * Job-level retries are for infrastructure trouble only (PostgreSQL unreachable while recording
 * the outcome, …): the step's own retry policy is applied by the workflow machine, which turns a
 * failed attempt into a delayed `retry` job with the step's backoff.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 20,
  backoff: { type: INFRA_BACKOFF },
  removeOnComplete: { age: 3600, count: 20_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
