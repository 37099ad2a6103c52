/**
 * Workflow definitions: the JSON a user writes (`workflows/*.json`, `nova schema workflow`), plus
 * the run/step/event shapes the engines record and publish. Both executors (the local durable one
 * and the BullMQ one) run exactly these definitions.
 *
 * Model: a flat list of uniquely named steps forming a graph. A *thread* is a chain of steps
 * followed through `next` (and choice/goto edges) until a step has no successor. The main thread
 * starts at `start` (default: the first step). Container steps start child threads:
 *   - `parallel`: one thread per entry in `branches`, joined on all (default) or the first N;
 *   - `foreach`: one thread per item of a list, at most `concurrency` at a time;
 *   - `loop`: one thread per iteration while `while` holds, at most `maxIterations` times;
 *   - a task's `onError.compensate`: one compensation thread.
 * A step belongs to exactly one thread scope; edges never leave their scope (validation checks).
 *
 * Values in a task's `input` (and in `pass.output`) are literal JSON, except strings starting
 * with `=`, which are JSONata expressions (`"=input.file"`, `"=steps.build.exitCode = 0"`); write
 * `==` to start a literal string with `=`. Expressions see `input` (the run input), `steps`
 * (outputs of completed steps by id), `item`/`index` (foreach), `iteration`/`last` (loop),
 * `error` (the failure that led to an error handler), and the variables `$runId`, `$stepKey`.
 */
import { z } from 'zod';
import { CapabilityParameter } from './agent.js';
import { Identifier, IsoTimestamp } from './common.js';

export const StepId = z.string().min(1).max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'must start with a letter or _ and contain only letters, digits, _ and -');

/** A JSONata expression (without the leading `=`). */
export const Expression = z.string().min(1, 'expression must not be empty').max(10_000);

export const Backoff = z.object({
  type: z.enum(['fixed', 'exponential']).default('exponential'),
  delayMs: z.number().int().min(0).max(3_600_000).default(200),
  maxDelayMs: z.number().int().min(0).max(86_400_000).default(30_000),
}).strict();

export const RetryPolicy = z.object({
  /** Total attempts including the first (1 = no retry). */
  attempts: z.number().int().min(1).max(100).describe('total attempts including the first (1 = no retry)'),
  backoff: Backoff.optional(),
}).strict();
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/**
 * What happens when a step fails for good (retries exhausted, timeout, interrupted by a crash while
 * not idempotent, expression error): run `compensate` (a compensation thread) first if given, then
 * continue at `goto` in the same thread if given; with neither, the failure fails the thread (and
 * so the enclosing container, up to the run).
 */
export const ErrorHandler = z.object({
  goto: StepId.optional().describe('continue the thread at this step; expressions see the failure as `error`'),
  compensate: StepId.optional().describe('first run this compensation chain (it sees `error`)'),
}).strict().describe('on a final failure: compensate, then goto; with neither the failure fails the thread');
export type ErrorHandler = z.infer<typeof ErrorHandler>;

const base = {
  id: StepId,
  description: z.string().max(2000).optional(),
  /**
   * Bound on how many times this step may be entered in one thread. Any cycle through
   * `next`/choice/`goto` edges must contain a step with `maxVisits` (validation refuses unbounded
   * cycles); entering it once more fails the step with LOOP_LIMIT.
   */
  maxVisits: z.number().int().min(1).max(100_000).optional().describe('bound for cycles: entering the step more often fails it with LOOP_LIMIT'),
};

const withNext = { next: StepId.optional() };
const failurePolicy = {
  onError: ErrorHandler.optional(),
  /** Per attempt; without it the agent runtime's call timeout applies (60 s). */
  timeoutMs: z.number().int().min(1).max(86_400_000).optional().describe('per attempt; default: the agent runtime call timeout (60 s)'),
};

export const TaskStep = z.object({
  ...base, ...withNext, ...failurePolicy,
  type: z.literal('task'),
  /** Send to this agent id; otherwise the registry picks an agent that has the capability. */
  agent: Identifier.optional().describe('agent id; default: any agent offering the capability'),
  capability: z.string().min(1).max(120).regex(/^[a-z][a-z0-9_.-]*$/, 'must be a capability name (lower-case, a-z 0-9 _ . -)'),
  /** Capability parameters: literal JSON, or `=expression` strings. */
  input: z.record(z.string(), z.unknown()).default({}).describe('capability parameters: literal JSON, or strings starting with = holding a JSONata expression over input, steps, item, index, iteration, last, error, $runId, $stepKey'),
  retry: RetryPolicy.optional(),
  /**
   * The step may run more than once with the same input (its effect is deduplicated, e.g. by an
   * idempotency key built from `$runId` and `$stepKey`). After a crash an idempotent step in flight
   * is run again; a non-idempotent one is marked interrupted and goes to its error handler.
   */
  idempotent: z.boolean().default(false).describe('safe to run again: after a crash an in-flight idempotent step is re-run, any other is marked interrupted'),
}).strict();

export const ChoiceStep = z.object({
  ...base,
  type: z.literal('choice'),
  choices: z.array(z.object({ when: Expression, next: StepId }).strict()).min(1).describe('the first whose `when` expression holds is taken'),
  /** Where to go when no `when` holds; absent = the thread ends here. */
  default: StepId.optional(),
}).strict();

export const JoinPolicy = z.union([
  z.literal('all'),
  z.object({ first: z.number().int().min(1) }).strict(),
]);
export type JoinPolicy = z.infer<typeof JoinPolicy>;

export const ParallelStep = z.object({
  ...base, ...withNext, ...failurePolicy,
  type: z.literal('parallel'),
  /** Entry step of each branch thread. */
  branches: z.array(StepId).min(1).max(1000).describe('entry step of each branch thread'),
  /** `all` (default): wait for every branch. `{ first: N }`: fork/join on the first N to finish; the rest are cancelled. */
  join: JoinPolicy.default('all').describe('"all", or { "first": N } to continue after N branches (the rest are cancelled)'),
}).strict();

export const ForeachStep = z.object({
  ...base, ...withNext, ...failurePolicy,
  type: z.literal('foreach'),
  /** Expression giving the list to fan out over. */
  items: Expression.describe('JSONata expression giving the list'),
  /** Entry step of the per-item thread; it sees `item` and `index`. */
  do: StepId.describe('entry step of the per-item thread (sees item, index)'),
  concurrency: z.number().int().min(1).max(10_000).default(1).describe('items in flight at once'),
  /** Refuse lists longer than this (a bad expression must not start a million threads). */
  maxItems: z.number().int().min(0).max(100_000).default(10_000),
}).strict();

export const LoopStep = z.object({
  ...base, ...withNext, ...failurePolicy,
  type: z.literal('loop'),
  /** Entry step of the per-iteration thread; it sees `iteration` and `last`. */
  do: StepId,
  /** Checked before each iteration (with `iteration` and `last`); false ends the loop. */
  while: Expression.describe('checked before each iteration (sees iteration, last)'),
  maxIterations: z.number().int().min(1).max(100_000).describe('the bound every loop must have'),
  /** When the bound is reached while `while` still holds: `fail` (default) or `stop` quietly. */
  onLimit: z.enum(['fail', 'stop']).default('fail'),
}).strict();

export const PassStep = z.object({
  ...base, ...withNext,
  type: z.literal('pass'),
  /** Output of the step: literal JSON or `=expression` values. */
  output: z.record(z.string(), z.unknown()).optional(),
}).strict();

export const FailStep = z.object({
  ...base,
  type: z.literal('fail'),
  /** Reason; a literal or an `=expression`. */
  message: z.string().min(1).max(2000),
}).strict();

export const WorkflowStep = z.discriminatedUnion('type', [TaskStep, ChoiceStep, ParallelStep, ForeachStep, LoopStep, PassStep, FailStep]);
export type WorkflowStep = z.infer<typeof WorkflowStep>;
export type TaskStep = z.infer<typeof TaskStep>;
export type ChoiceStep = z.infer<typeof ChoiceStep>;
export type ParallelStep = z.infer<typeof ParallelStep>;
export type ForeachStep = z.infer<typeof ForeachStep>;
export type LoopStep = z.infer<typeof LoopStep>;
export type PassStep = z.infer<typeof PassStep>;
export type FailStep = z.infer<typeof FailStep>;
export type StepType = WorkflowStep['type'];

export const WorkflowDefinition = z.object({
  $schema: z.string().optional(),
  name: z.string().min(1).max(120).regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, . _ -'),
  version: z.string().max(40).default('1'),
  description: z.string().max(4000).optional(),
  /** Run input parameters, declared like capability parameters; checked when a run starts. */
  inputs: z.array(CapabilityParameter).default([]),
  /** First step of the main thread; default: the first step listed. */
  start: StepId.optional(),
  steps: z.array(WorkflowStep).min(1).max(10_000).describe('task | choice | parallel | foreach | loop | pass | fail steps, linked by next'),
  /** Run output: an expression over the final context; default: the output of the main thread's last step. */
  output: Expression.optional(),
}).strict();
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;

// ---- what runs record ----

export const RunStatus = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type WorkflowRunStatus = z.infer<typeof RunStatus>;

/**
 * running: written before the step takes effect (the task is dispatched after the commit);
 * retrying: failed, waiting for `notBefore` to start the next attempt;
 * compensating: failed, its compensation thread is running;
 * interrupted: was in flight when the process died and is not idempotent (handled like a failure).
 */
export const StepStatus = z.enum(['running', 'retrying', 'compensating', 'succeeded', 'failed', 'interrupted', 'cancelled']);
export type WorkflowStepStatus = z.infer<typeof StepStatus>;

export const ThreadStatus = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type WorkflowThreadStatus = z.infer<typeof ThreadStatus>;

export const StepError = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  /** Whether a retry may help (false for bad input, expression errors, interruptions). */
  retryable: z.boolean().default(true),
});
export type StepError = z.infer<typeof StepError>;

export const WorkflowEventType = z.enum([
  'run.started', 'run.resumed', 'run.succeeded', 'run.failed', 'run.cancelled',
  'step.started', 'step.succeeded', 'step.failed', 'step.retried', 'step.interrupted', 'step.resumed', 'step.cancelled', 'step.compensating',
]);
export type WorkflowEventType = z.infer<typeof WorkflowEventType>;

/** One event, as stored in `workflow_events` and published on the bus topic `workflow.events`. */
export const WorkflowEvent = z.object({
  type: WorkflowEventType,
  runId: Identifier,
  workflow: z.string(),
  stepKey: z.string().optional(),
  stepId: z.string().optional(),
  attempt: z.number().int().optional(),
  at: IsoTimestamp,
  error: StepError.optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type WorkflowEvent = z.infer<typeof WorkflowEvent>;
