/**
 * The durable records of a workflow run and the unit in which they change (a Transition).
 *
 * A run is three kinds of rows (tables in migrations/004-workflow.ts, access in persistence.ts):
 *   - RunRecord    (workflow_runs):    status, output, `version`; its definition snapshot
 *                  (workflow_definitions, shared by hash) and input (workflow_run_inputs) are
 *                  stored apart because the run row is rewritten by every transition;
 *   - ThreadRecord (workflow_threads): the main thread and every child thread a container started;
 *   - StepRecord   (workflow_steps):   one row per step *instance* (step id × thread × visit).
 * plus an append-only `workflow_events` log.
 *
 * Keys are deterministic, so two executors (or one executor before and after a crash) name the
 * same instance the same way: thread `main`; child thread `<containerStepKey>/<index>`
 * (compensation: `<stepKey>/c`); step `<threadKey>/<stepId>#<visit>`. Idempotency keys handed to
 * agents are `<runId>:<stepKey>`.
 *
 * Every change is a Transition produced by the state machine (machine.ts) and committed by
 * persistence.ts in ONE database transaction, guarded by the run's `version` (optimistic
 * concurrency: exactly one transition per version wins, others get StaleTransitionError and must
 * reload). Side effects (dispatching tasks, publishing events, arming retry timers) happen only
 * after that commit — "written before it takes effect".
 */
import type { StepError, WorkflowDefinition, WorkflowEvent, WorkflowRunStatus, WorkflowStepStatus, WorkflowThreadStatus } from '../protocol/workflow.js';

export interface RunRecord {
  runId: string;
  workflow: string;
  /** The definition as it was when the run started; resume never re-reads the file. */
  definition: WorkflowDefinition;
  input: Record<string, unknown>;
  status: WorkflowRunStatus;
  output: unknown;
  error: StepError | null;
  tenant: string;
  /** Incremented by every committed transition. */
  version: number;
  /** Executor instance that drives the run (`host:pid:nonce`), and until when (epoch ms). */
  owner: string | null;
  leaseUntil: number | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export type ThreadKind = 'main' | 'branch' | 'item' | 'iteration' | 'compensation';

export interface ThreadRecord {
  runId: string;
  threadKey: string;
  /** Step key of the container (or of the compensated step); '' for main. */
  parentKey: string;
  kind: ThreadKind;
  /** Branch / item / iteration index; 0 for main and compensation. */
  idx: number;
  status: WorkflowThreadStatus;
  /** Foreach item, loop `last`, … the values the thread's expressions see. */
  scope: Record<string, unknown>;
  /** Output of the thread's last step (set when it succeeds). */
  output: unknown;
  error: StepError | null;
}

export interface StepRecord {
  runId: string;
  stepKey: string;
  stepId: string;
  threadKey: string;
  visit: number;
  status: WorkflowStepStatus;
  /** Dispatches so far (retries and crash re-runs included); completions must match it. */
  attempt: number;
  /** The evaluated input (task), item list (foreach), … fixed when the step was entered. */
  input: unknown;
  output: unknown;
  error: StepError | null;
  /** Epoch ms before which a `retrying` step must not start. */
  notBefore: number | null;
  /** Run version of the transition that finished the step; orders outputs for `steps.<id>`. */
  doneSeq: number | null;
  startedAt: string;
  finishedAt: string | null;
}

/** A row write: insert when `prev` is absent, otherwise update guarded by the previous status/attempt. */
export interface StepWrite {
  row: StepRecord;
  prev?: { status: WorkflowStepStatus; attempt: number };
}
export interface ThreadWrite {
  row: ThreadRecord;
  insert: boolean;
}

/** A task the executor must dispatch after the transition commits. */
export interface Dispatch {
  stepKey: string;
  attempt: number;
  agentId?: string;
  capability: string;
  input: Record<string, unknown>;
  timeoutMs?: number;
}

export interface Transition {
  runId: string;
  /** The run version this transition was computed from; commit fails if it changed. */
  fromVersion: number;
  /** The version after commit; default fromVersion + 1 (more for merged transitions). */
  toVersion?: number;
  /** Set when the transition creates the run. */
  createRun?: RunRecord;
  run?: Pick<RunRecord, 'status' | 'output' | 'error' | 'finishedAt'>;
  steps: StepWrite[];
  threads: ThreadWrite[];
  events: WorkflowEvent[];
  /** Side effects to perform after commit. */
  dispatch: Dispatch[];
  /** Retry timers to arm after commit: step key → epoch ms. */
  timers: { stepKey: string; at: number }[];
  /** In-flight dispatches to abort after commit (cancelled siblings, cancelled run). */
  abort: string[];
}

export function emptyTransition(runId: string, fromVersion: number): Transition {
  return { runId, fromVersion, steps: [], threads: [], events: [], dispatch: [], timers: [], abort: [] };
}

export function isTerminalRun(status: WorkflowRunStatus): boolean {
  return status !== 'running';
}

/**
 * Several transitions computed one after another from one RunState, as one commit (group commit:
 * completions that arrive while a commit is in progress share the next one). Rows keep their first
 * guard and their last content; the run version moves by the number of transitions.
 */
export function mergeTransitions(ts: Transition[]): Transition {
  if (ts.length === 1) return ts[0];
  const steps = new Map<string, StepWrite>();
  const threads = new Map<string, ThreadWrite>();
  const out: Transition = { ...emptyTransition(ts[0].runId, ts[0].fromVersion), createRun: ts[0].createRun };
  for (const t of ts) {
    for (const w of t.steps) {
      const prev = steps.get(w.row.stepKey);
      steps.set(w.row.stepKey, prev ? { row: w.row, prev: prev.prev } : w);
    }
    for (const w of t.threads) {
      const prev = threads.get(w.row.threadKey);
      threads.set(w.row.threadKey, prev ? { row: w.row, insert: prev.insert } : w);
    }
    if (t.run) out.run = t.run;
    out.events.push(...t.events);
    out.dispatch.push(...t.dispatch);
    out.timers.push(...t.timers);
    out.abort.push(...t.abort);
  }
  out.steps = [...steps.values()];
  out.threads = [...threads.values()];
  out.toVersion = ts[ts.length - 1].fromVersion + 1;
  return out;
}
