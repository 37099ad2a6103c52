/**
 * The seams between workflow definitions and whatever executes them.
 *
 * - StepInvoker: how a task step reaches an agent capability. The engine depends only on this;
 *   `invoker.ts` adapts the AgentRuntime (bus request/reply) to it, and a BullMQ worker can wrap
 *   the same runtime.
 * - WorkflowExecutor: start / wait / resume / cancel a run. Two implementations run the same
 *   definitions unchanged: `local-executor.ts` (in-process, checkpoints in SQL) and the BullMQ
 *   executor (queues on Redis, workers on several machines).
 *
 * What an executor reuses instead of re-implementing (so runs behave the same everywhere):
 *   - machine.ts      RunState + WorkflowMachine: the pure run/step/thread state machine. Given a
 *                     loaded RunState and an event (step succeeded/failed, retry due, recover after
 *                     crash, cancel) it returns a Transition (rows to write, events, dispatches).
 *   - persistence.ts  WorkflowStore: commits a Transition atomically (run `version` guard, guarded
 *                     step updates), loads a RunState, lists runs, leases runs to an owner.
 *   - expressions.ts  JSONata evaluation with the documented context.
 *   - definition.ts / validate.ts  parsing, indexing and static checks of definitions.
 * A distributed executor's loop is: load RunState → machine.<event>() → store.commit() (on
 * StaleTransitionError reload and recompute) → perform `dispatch` (enqueue jobs), `timers`
 * (delayed jobs), `abort`, publish events.
 */
import type { WorkflowDefinition, WorkflowRunStatus } from '../protocol/workflow.js';
import type { RunRecord, StepRecord, ThreadRecord } from './records.js';

export interface StepCall {
  /** Send to this agent; otherwise the registry resolves the capability to an agent. */
  agentId?: string;
  capability: string;
  input: Record<string, unknown>;
  runId: string;
  stepId: string;
  /** `<runId>:<stepKey>`: the same for every attempt of this step instance (dedupe effects with it). */
  idempotencyKey: string;
  attempt: number;
  timeoutMs?: number;
  /** Aborted on timeout, cancellation, or when a fork/join no longer needs the branch. */
  signal: AbortSignal;
}

/** Resolves with the capability's result; rejects (preferably with a NovaError) on failure. */
export type StepInvoker = (call: StepCall) => Promise<Record<string, unknown>>;

export interface StartOptions {
  /** Use this run id (default: a new ULID). */
  runId?: string;
  tenant?: string;
}

export interface RunView {
  run: RunRecord;
  steps: StepRecord[];
  threads: ThreadRecord[];
}

export interface RunOutcome {
  runId: string;
  status: WorkflowRunStatus;
  output: unknown;
  error: RunRecord['error'];
}

export interface WorkflowExecutor {
  /** Validate the input, record the run and its first transition, and start driving it. */
  start(definition: WorkflowDefinition, input: Record<string, unknown>, opts?: StartOptions): Promise<string>;
  /** Resolve when the run reaches a terminal status. */
  wait(runId: string): Promise<RunOutcome>;
  /** Take over an unfinished run (after a crash): re-run idempotent in-flight steps, interrupt the rest. */
  resume(runId: string, opts?: { force?: boolean }): Promise<void>;
  /** Resume every unfinished run whose owner is gone; returns their ids. */
  resumeAll(): Promise<string[]>;
  cancel(runId: string, reason?: string): Promise<void>;
  close(): Promise<void>;
}
