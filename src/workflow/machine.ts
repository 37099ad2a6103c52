/**
 * The run/step/thread state machine, shared by every executor. It does no I/O: given a RunState
 * (loaded from the store) and an event it returns a Transition — the rows to write, the events to
 * publish, the tasks to dispatch — and applies the same changes to the in-memory RunState so the
 * caller can keep using it after committing. If the commit fails (StaleTransitionError) the
 * in-memory state is no longer trustworthy: reload it.
 *
 * Events: begin (new run), stepSucceeded, stepFailed, retryDue, recover (after a crash), cancel.
 * Synchronous steps (choice, pass, fail) and container bookkeeping are resolved inside the same
 * transition, so one transition = "this task finished" + "these tasks start".
 *
 * Crash semantics (what recover() does with a step found `running`):
 *   - `running` is written in the same commit that decides to start the step, before it is
 *     dispatched; so after a crash we cannot know whether the effect happened.
 *   - idempotent task  → dispatched again (attempt + 1, same idempotency key `<runId>:<stepKey>`);
 *   - other task       → `interrupted`, handled like a failure that retries cannot fix
 *                        (its onError: compensate / goto / fail).
 * Completions are guarded (status running AND same attempt), so a completion is recorded at most
 * once, and a late completion of a cancelled or superseded attempt is dropped.
 */
import type { StepError, WorkflowEvent, WorkflowEventType, WorkflowStep, WorkflowThreadStatus } from '../protocol/workflow.js';
import { NovaError, errorMessage, isNovaError } from '../errors.js';
import { Identifier } from '../protocol/common.js';
import { parseOrThrow } from '../protocol/validate.js';
import { indexDefinition, type DefinitionIndex } from './definition.js';
import { evaluateExpression, resolveValue } from './expressions.js';
import { emptyTransition, type RunRecord, type StepRecord, type ThreadKind, type ThreadRecord, type Transition } from './records.js';

export const MAIN_THREAD = 'main';
/** Upper bound on steps entered by one transition (a 100,000-item foreach of one pass step each fits). */
const MAX_STEPS_PER_TRANSITION = 120_000;

/** Error codes a retry cannot fix. */
const NOT_RETRYABLE = new Set(['BAD_INPUT', 'VALIDATION', 'PERMISSION_DENIED', 'EXPRESSION', 'INTERRUPTED', 'LOOP_LIMIT', 'FAILED', 'CANCELLED']);

/** Normalise anything thrown by an agent or an expression into a StepError. */
export function toStepError(e: unknown): StepError {
  if (isNovaError(e)) return { code: String(e.code), message: e.message, hint: e.hint, retryable: !NOT_RETRYABLE.has(String(e.code)) };
  return { code: 'INTERNAL', message: errorMessage(e), retryable: true };
}

export function stepKeyOf(threadKey: string, stepId: string, visit: number): string {
  return `${threadKey}/${stepId}#${visit}`;
}

export function backoffDelay(step: WorkflowStep, attempt: number): number {
  if (step.type !== 'task' || !step.retry) return 0;
  const b = step.retry.backoff ?? { type: 'exponential', delayMs: 200, maxDelayMs: 30_000 };
  const d = b.type === 'fixed' ? b.delayMs : b.delayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(d, b.maxDelayMs);
}

/** The loaded state of one run plus indexes derived from it (rebuilt on load, kept up to date). */
export class RunState {
  readonly index: DefinitionIndex;
  readonly steps = new Map<string, StepRecord>();
  readonly threads = new Map<string, ThreadRecord>();
  /** Latest output of each step id anywhere in the run (what `steps.<id>` shows in the main thread). */
  readonly latest: Record<string, unknown> = {};
  /** Per non-main thread: outputs of its own steps, which shadow `latest` inside that thread. */
  private readonly threadOutputs = new Map<string, Record<string, unknown>>();
  private readonly visits = new Map<string, number>();
  private readonly children = new Map<string, ThreadRecord[]>();
  /** Per container: how many child threads are in each status (a 1,000-way fan-out must not rescan). */
  private readonly childCounts = new Map<string, Record<WorkflowThreadStatus, number>>();

  constructor(public run: RunRecord, steps: StepRecord[] = [], threads: ThreadRecord[] = []) {
    this.index = indexDefinition(run.definition);
    for (const t of threads) this.putThread(t);
    const done: StepRecord[] = [];
    for (const s of steps) {
      this.steps.set(s.stepKey, s);
      this.countVisit(s);
      if (s.status === 'succeeded') done.push(s);
    }
    done.sort((a, b) => (a.doneSeq ?? 0) - (b.doneSeq ?? 0));
    for (const s of done) this.recordOutput(s);
  }

  putThread(t: ThreadRecord): void {
    const before = this.threads.get(t.threadKey);
    this.threads.set(t.threadKey, t);
    if (!t.parentKey) return;
    let counts = this.childCounts.get(t.parentKey);
    if (!counts) this.childCounts.set(t.parentKey, (counts = { running: 0, succeeded: 0, failed: 0, cancelled: 0 }));
    if (!before) {
      const list = this.children.get(t.parentKey) ?? [];
      list.push(t);
      this.children.set(t.parentKey, list);
    } else {
      const list = this.children.get(t.parentKey)!;
      // Children are created in index order, so the index finds the entry directly.
      const i = list[t.idx]?.threadKey === t.threadKey ? t.idx : list.findIndex((x) => x.threadKey === t.threadKey);
      list[i] = t;
      counts[before.status]--;
    }
    counts[t.status]++;
  }

  childrenOf(stepKey: string): ThreadRecord[] {
    return this.children.get(stepKey) ?? [];
  }

  childCountsOf(stepKey: string): Record<WorkflowThreadStatus, number> & { total: number } {
    const c = this.childCounts.get(stepKey) ?? { running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    return { ...c, total: c.running + c.succeeded + c.failed + c.cancelled };
  }

  countVisit(s: StepRecord): void {
    const k = `${s.threadKey}\u0000${s.stepId}`;
    if ((this.visits.get(k) ?? 0) < s.visit) this.visits.set(k, s.visit);
  }

  visitsOf(threadKey: string, stepId: string): number {
    return this.visits.get(`${threadKey}\u0000${stepId}`) ?? 0;
  }

  recordOutput(s: StepRecord): void {
    this.latest[s.stepId] = s.output;
    if (s.threadKey !== MAIN_THREAD) {
      let o = this.threadOutputs.get(s.threadKey);
      if (!o) this.threadOutputs.set(s.threadKey, (o = {}));
      o[s.stepId] = s.output;
    }
  }

  /** Threads from main down to `threadKey`. */
  lineage(threadKey: string): ThreadRecord[] {
    const out: ThreadRecord[] = [];
    let t = this.threads.get(threadKey);
    while (t) {
      out.unshift(t);
      if (!t.parentKey) break;
      const parent = this.steps.get(t.parentKey);
      t = parent ? this.threads.get(parent.threadKey) : undefined;
    }
    return out;
  }

  /** The data an expression evaluated in `threadKey` sees. */
  context(threadKey: string): Record<string, unknown> {
    const lineage = this.lineage(threadKey);
    const data: Record<string, unknown> = { input: this.run.input };
    let steps: Record<string, unknown> = this.latest;
    for (const t of lineage) {
      Object.assign(data, t.scope);
      const own = this.threadOutputs.get(t.threadKey);
      if (own) steps = steps === this.latest ? { ...this.latest, ...own } : Object.assign(steps, own);
    }
    data.steps = steps;
    return data;
  }
}

/** Collects the writes of one transition and applies them to the RunState as it goes. */
class TxBuilder {
  readonly t: Transition;
  private readonly stepWrites = new Map<string, Transition['steps'][number]>();
  private readonly threadWrites = new Map<string, Transition['threads'][number]>();
  readonly seq: number;
  readonly now = new Date().toISOString();
  /** Steps entered in this transition: bounds a synchronous choice/pass cycle even in an unvalidated definition. */
  entered = 0;
  /** Steps to enter, in order (see WorkflowMachine.enter). */
  readonly queue: { threadKey: string; stepId: string }[] = [];

  constructor(readonly state: RunState) {
    this.t = emptyTransition(state.run.runId, state.run.version);
    this.seq = state.run.version + 1;
  }

  putStep(row: StepRecord): void {
    const existing = this.state.steps.get(row.stepKey);
    const w = this.stepWrites.get(row.stepKey);
    if (w) w.row = row;
    else this.stepWrites.set(row.stepKey, existing ? { row, prev: { status: existing.status, attempt: existing.attempt } } : { row });
    this.state.steps.set(row.stepKey, row);
    this.state.countVisit(row);
    if (row.status === 'succeeded') this.state.recordOutput(row);
  }

  putThread(row: ThreadRecord): void {
    const w = this.threadWrites.get(row.threadKey);
    if (w) w.row = row;
    else this.threadWrites.set(row.threadKey, { row, insert: !this.state.threads.has(row.threadKey) });
    this.state.putThread(row);
  }

  event(type: WorkflowEventType, s?: StepRecord, extra: { error?: StepError; detail?: Record<string, unknown> } = {}): void {
    const e: WorkflowEvent = { type, runId: this.state.run.runId, workflow: this.state.run.workflow, at: this.now };
    if (s) { e.stepKey = s.stepKey; e.stepId = s.stepId; e.attempt = s.attempt; }
    if (extra.error) e.error = extra.error;
    if (extra.detail) e.detail = extra.detail;
    this.t.events.push(e);
  }

  finish(): Transition {
    this.t.steps = [...this.stepWrites.values()];
    this.t.threads = [...this.threadWrites.values()];
    return this.t;
  }
}

export interface BeginInput {
  runId: string;
  input: Record<string, unknown>;
  tenant: string;
  owner: string | null;
  leaseUntil: number | null;
}

export class WorkflowMachine {
  /** A new run: returns its RunState and the first transition (which creates the run row). */
  static async begin(definition: RunRecord['definition'], b: BeginInput): Promise<{ state: RunState; transition: Transition }> {
    // Checked before anything is written: a run id becomes message fields, keys and file names.
    parseOrThrow(Identifier, b.runId, 'run id', 'Use letters, digits and . _ : @ / - (at most 200 characters), or leave --run-id out for a generated one.');
    const now = new Date().toISOString();
    const run: RunRecord = {
      runId: b.runId, workflow: definition.name, definition, input: b.input, status: 'running', output: null, error: null,
      tenant: b.tenant, version: 0, owner: b.owner, leaseUntil: b.leaseUntil, createdAt: now, updatedAt: now, finishedAt: null,
    };
    const state = new RunState(run);
    const m = new WorkflowMachine(state);
    const tx = new TxBuilder(state);
    tx.t.createRun = { ...run };
    tx.event('run.started', undefined, { detail: { input: b.input } });
    m.newThread(tx, MAIN_THREAD, '', 'main', 0, {});
    await m.enter(tx, MAIN_THREAD, state.index.start);
    return { state, transition: await m.finalize(tx) };
  }

  /** `state` may be replaced by a freshly loaded one (after a conflict) before the next event. */
  constructor(public state: RunState) {}

  /** A task finished. Returns null when the completion is stale (step no longer running that attempt). */
  async stepSucceeded(stepKey: string, attempt: number, output: Record<string, unknown>): Promise<Transition | null> {
    const rec = this.state.steps.get(stepKey);
    if (!rec || rec.status !== 'running' || rec.attempt !== attempt || this.state.run.status !== 'running') return null;
    const tx = new TxBuilder(this.state);
    await this.succeed(tx, rec, output);
    return await this.finalize(tx);
  }

  async stepFailed(stepKey: string, attempt: number, error: StepError): Promise<Transition | null> {
    const rec = this.state.steps.get(stepKey);
    if (!rec || rec.status !== 'running' || rec.attempt !== attempt || this.state.run.status !== 'running') return null;
    const tx = new TxBuilder(this.state);
    const step = this.step(rec.stepId);
    const maxAttempts = step.type === 'task' ? step.retry?.attempts ?? 1 : 1;
    if (error.retryable !== false && rec.attempt < maxAttempts) {
      const at = Date.now() + backoffDelay(step, rec.attempt);
      const row: StepRecord = { ...rec, status: 'retrying', error, notBefore: at };
      tx.putStep(row);
      tx.event('step.failed', row, { error, detail: { willRetry: true, retryAt: new Date(at).toISOString() } });
      tx.t.timers.push({ stepKey, at });
    } else {
      await this.failFinal(tx, rec, error, 'failed');
    }
    return await this.finalize(tx);
  }

  /** A retry timer fired: start the next attempt. */
  async retryDue(stepKey: string): Promise<Transition | null> {
    const rec = this.state.steps.get(stepKey);
    if (!rec || rec.status !== 'retrying' || this.state.run.status !== 'running') return null;
    const tx = new TxBuilder(this.state);
    const row: StepRecord = { ...rec, status: 'running', attempt: rec.attempt + 1, notBefore: null };
    tx.putStep(row);
    tx.event('step.retried', row, { error: rec.error ?? undefined });
    this.dispatch(tx, row);
    return await this.finalize(tx);
  }

  /**
   * Take over after the previous driver died: re-dispatch idempotent in-flight tasks, interrupt the
   * others, re-arm retry timers. Always returns a transition (it records `run.resumed`).
   */
  async recover(): Promise<Transition> {
    const tx = new TxBuilder(this.state);
    tx.event('run.resumed');
    const inFlight = [...this.state.steps.values()].filter((s) => s.status === 'running' && this.step(s.stepId).type === 'task');
    inFlight.sort((a, b) => (a.stepKey < b.stepKey ? -1 : 1));
    for (const s0 of inFlight) {
      const s = this.state.steps.get(s0.stepKey)!;
      if (s.status !== 'running' || this.state.run.status !== 'running') continue; // settled by an earlier handler
      const step = this.step(s.stepId);
      if (step.type === 'task' && step.idempotent) {
        const row: StepRecord = { ...s, attempt: s.attempt + 1 };
        tx.putStep(row);
        tx.event('step.resumed', row);
        this.dispatch(tx, row);
      } else {
        await this.failFinal(tx, s, {
          code: 'INTERRUPTED',
          message: `step "${s.stepId}" was in flight when the process driving run ${this.state.run.runId} stopped; it is not idempotent, so it was not run again`,
          hint: 'Declare the step "idempotent": true if running it twice is safe, or give it an onError handler.',
          retryable: false,
        }, 'interrupted');
      }
    }
    for (const s of this.state.steps.values()) {
      if (s.status === 'retrying') tx.t.timers.push({ stepKey: s.stepKey, at: s.notBefore ?? Date.now() });
    }
    return await this.finalize(tx);
  }

  async cancel(reason: string): Promise<Transition | null> {
    if (this.state.run.status !== 'running') return null;
    const tx = new TxBuilder(this.state);
    this.finishRun(tx, 'cancelled', null, { code: 'CANCELLED', message: reason, retryable: false });
    return await this.finalize(tx);
  }

  // ---- internals ----

  private step(id: string): WorkflowStep {
    const s = this.state.index.steps.get(id);
    if (!s) throw new NovaError('INTERNAL', `workflow ${this.state.run.workflow} has no step "${id}"`, { hint: 'The run definition was changed or corrupted.' });
    return s;
  }

  private async finalize(tx: TxBuilder): Promise<Transition> {
    await this.drain(tx);
    const t = tx.finish();
    this.state.run = { ...this.state.run, version: tx.seq, updatedAt: tx.now, ...(t.run ?? {}) };
    return t;
  }

  private bindings(threadKey: string, stepKey: string): Record<string, unknown> {
    return { runId: this.state.run.runId, stepKey, threadKey };
  }

  private newThread(tx: TxBuilder, threadKey: string, parentKey: string, kind: ThreadKind, idx: number, scope: Record<string, unknown>): ThreadRecord {
    const t: ThreadRecord = { runId: this.state.run.runId, threadKey, parentKey, kind, idx, status: 'running', scope, output: null, error: null };
    tx.putThread(t);
    return t;
  }

  private newStep(tx: TxBuilder, threadKey: string, stepId: string, visit: number, fields: Partial<StepRecord>): StepRecord {
    const row: StepRecord = {
      runId: this.state.run.runId, stepKey: stepKeyOf(threadKey, stepId, visit), stepId, threadKey, visit,
      status: 'running', attempt: 1, input: null, output: null, error: null, notBefore: null, doneSeq: null,
      startedAt: tx.now, finishedAt: null, ...fields,
    };
    tx.putStep(row);
    return row;
  }

  private dispatch(tx: TxBuilder, rec: StepRecord): void {
    const step = this.step(rec.stepId);
    if (step.type !== 'task') return;
    tx.t.dispatch.push({
      stepKey: rec.stepKey, attempt: rec.attempt, agentId: step.agent, capability: step.capability,
      input: (rec.input ?? {}) as Record<string, unknown>, timeoutMs: step.timeoutMs,
    });
  }

  /**
   * Enter `stepId` in a thread (a new visit) — queued, not called: a chain of synchronous steps
   * (choice, pass, a foreach of pass bodies) is walked by drain() in a loop, so its length is not
   * bounded by the call stack.
   */
  private enter(tx: TxBuilder, threadKey: string, stepId: string): void {
    tx.queue.push({ threadKey, stepId });
  }

  /** Enter every queued step; skip those whose thread was cancelled or failed meanwhile. */
  private async drain(tx: TxBuilder): Promise<void> {
    for (let i = 0; i < tx.queue.length; i++) {
      if (this.state.run.status !== 'running') break;
      const { threadKey, stepId } = tx.queue[i];
      if (this.state.threads.get(threadKey)?.status !== 'running') continue;
      await this.enterNow(tx, threadKey, stepId);
    }
    tx.queue.length = 0;
  }

  private async enterNow(tx: TxBuilder, threadKey: string, stepId: string): Promise<void> {
    const step = this.step(stepId);
    const visit = this.state.visitsOf(threadKey, stepId) + 1;
    const key = stepKeyOf(threadKey, stepId, visit);
    if (++tx.entered > MAX_STEPS_PER_TRANSITION) {
      this.finishRun(tx, 'failed', null, { code: 'LOOP_LIMIT', message: `more than ${MAX_STEPS_PER_TRANSITION} steps were entered without waiting for any task (step "${stepId}"): an unbounded choice/pass cycle`, hint: 'Validate the definition (nova workflow validate) and bound the cycle with maxVisits.', retryable: false });
      return;
    }
    if (step.maxVisits !== undefined && visit > step.maxVisits) {
      const rec = this.newStep(tx, threadKey, stepId, visit, {});
      tx.event('step.started', rec);
      await this.failFinal(tx, rec, { code: 'LOOP_LIMIT', message: `step "${stepId}" would be entered a ${visit}th time; its maxVisits is ${step.maxVisits}`, hint: 'Raise maxVisits or fix the loop condition.', retryable: false }, 'failed');
      return;
    }
    const ctx = () => this.state.context(threadKey);
    const b = this.bindings(threadKey, key);
    switch (step.type) {
      case 'task': {
        let input: Record<string, unknown>;
        try {
          input = (await resolveValue(step.input, ctx(), b)) as Record<string, unknown>;
        } catch (e) {
          const rec = this.newStep(tx, threadKey, stepId, visit, {});
          tx.event('step.started', rec);
          await this.failFinal(tx, rec, toStepError(e), 'failed');
          return;
        }
        const rec = this.newStep(tx, threadKey, stepId, visit, { input });
        tx.event('step.started', rec);
        this.dispatch(tx, rec);
        return;
      }
      case 'choice': {
        let chosen: string | undefined;
        const rec0 = this.newStep(tx, threadKey, stepId, visit, {});
        try {
          const data = ctx();
          for (const c of step.choices) {
            if (truthy(await evaluateExpression(c.when, data, b))) { chosen = c.next; break; }
          }
          chosen ??= step.default;
        } catch (e) {
          await this.failFinal(tx, rec0, toStepError(e), 'failed');
          return;
        }
        await this.succeed(tx, rec0, { next: chosen ?? null }, chosen ?? null);
        return;
      }
      case 'pass': {
        const rec0 = this.newStep(tx, threadKey, stepId, visit, {});
        let out: unknown;
        try {
          out = step.output === undefined ? {} : await resolveValue(step.output, ctx(), b);
        } catch (e) {
          await this.failFinal(tx, rec0, toStepError(e), 'failed');
          return;
        }
        await this.succeed(tx, rec0, out);
        return;
      }
      case 'fail': {
        const rec0 = this.newStep(tx, threadKey, stepId, visit, {});
        let message: string;
        try {
          message = String(await resolveValue(step.message, ctx(), b));
        } catch (e) {
          message = `(the fail message expression failed: ${errorMessage(e)})`;
        }
        await this.failFinal(tx, rec0, { code: 'FAILED', message, retryable: false }, 'failed');
        return;
      }
      case 'parallel': {
        const rec = this.newStep(tx, threadKey, stepId, visit, {});
        tx.event('step.started', rec);
        for (let i = 0; i < step.branches.length; i++) {
          this.newThread(tx, `${key}/${i}`, key, 'branch', i, {});
          this.enter(tx, `${key}/${i}`, step.branches[i]);
        }
        return;
      }
      case 'foreach': {
        let items: unknown;
        const rec0 = this.newStep(tx, threadKey, stepId, visit, {});
        tx.event('step.started', rec0);
        try {
          items = await evaluateExpression(step.items, ctx(), b);
        } catch (e) {
          await this.failFinal(tx, rec0, toStepError(e), 'failed');
          return;
        }
        // JSONata unwraps one-element sequences; a missing value is an empty list.
        const list = items === undefined || items === null ? [] : Array.isArray(items) ? items : [items];
        if (list.length > step.maxItems) {
          await this.failFinal(tx, rec0, { code: 'BAD_INPUT', message: `foreach "${stepId}" got ${list.length} items, more than maxItems ${step.maxItems}`, hint: 'Raise maxItems or narrow the items expression.', retryable: false }, 'failed');
          return;
        }
        const rec = { ...rec0, input: { items: list } };
        tx.putStep(rec);
        if (list.length === 0) {
          await this.succeed(tx, rec, []);
          return;
        }
        await this.fillForeach(tx, rec);
        return;
      }
      case 'loop': {
        const rec = this.newStep(tx, threadKey, stepId, visit, {});
        tx.event('step.started', rec);
        await this.nextIteration(tx, rec, 0, null);
        return;
      }
    }
  }

  /** Mark a step succeeded and move its thread on. `next` overrides the step's own successor. */
  private async succeed(tx: TxBuilder, rec: StepRecord, output: unknown, next?: string | null): Promise<void> {
    const row: StepRecord = { ...rec, status: 'succeeded', output, error: null, doneSeq: tx.seq, finishedAt: tx.now, notBefore: null };
    tx.putStep(row);
    const step = this.step(rec.stepId);
    if (step.type !== 'choice' && step.type !== 'pass') tx.event('step.succeeded', row);
    const successor = next !== undefined ? next : 'next' in step ? step.next : undefined;
    if (successor) this.enter(tx, rec.threadKey, successor);
    else await this.endThread(tx, rec.threadKey, 'succeeded', output, null);
  }

  /** A step failed for good: run its error handler, or fail its thread. */
  private async failFinal(tx: TxBuilder, rec: StepRecord, error: StepError, status: 'failed' | 'interrupted'): Promise<void> {
    const step = this.step(rec.stepId);
    const handler = 'onError' in step ? step.onError : undefined;
    const row: StepRecord = { ...rec, status, error, doneSeq: tx.seq, finishedAt: tx.now, notBefore: null };
    tx.putStep(row);
    tx.event(status === 'interrupted' ? 'step.interrupted' : 'step.failed', row, { error });
    if (step.type === 'parallel' || step.type === 'foreach' || step.type === 'loop') this.cancelBelow(tx, rec.stepKey);
    if (handler?.compensate) {
      const comp: StepRecord = { ...row, status: 'compensating' };
      tx.putStep(comp);
      tx.event('step.compensating', comp, { error });
      const ck = `${rec.stepKey}/c`;
      this.newThread(tx, ck, rec.stepKey, 'compensation', 0, { error });
      this.enter(tx, ck, handler.compensate);
      return;
    }
    await this.afterFailure(tx, row, error);
  }

  private async afterFailure(tx: TxBuilder, rec: StepRecord, error: StepError): Promise<void> {
    const step = this.step(rec.stepId);
    const handler = 'onError' in step ? step.onError : undefined;
    if (handler?.goto) {
      const t = this.state.threads.get(rec.threadKey)!;
      tx.putThread({ ...t, scope: { ...t.scope, error } });
      this.enter(tx, rec.threadKey, handler.goto);
      return;
    }
    await this.endThread(tx, rec.threadKey, 'failed', null, error);
  }

  private async endThread(tx: TxBuilder, threadKey: string, status: WorkflowThreadStatus, output: unknown, error: StepError | null): Promise<void> {
    const t = this.state.threads.get(threadKey)!;
    if (t.status !== 'running') return;
    tx.putThread({ ...t, status, output: status === 'succeeded' ? output : null, error });
    if (t.kind === 'main') {
      if (status === 'succeeded') {
        let out = output;
        if (this.state.run.definition.output) {
          try {
            out = await evaluateExpression(this.state.run.definition.output, this.state.context(MAIN_THREAD), { runId: this.state.run.runId });
          } catch (e) {
            this.finishRun(tx, 'failed', null, toStepError(e));
            return;
          }
        }
        this.finishRun(tx, 'succeeded', out ?? null, null);
      } else this.finishRun(tx, 'failed', null, error);
      return;
    }
    const parent = this.state.steps.get(t.parentKey)!;
    if (t.kind === 'compensation') {
      if (parent.status !== 'compensating') return;
      const orig = parent.error ?? { code: 'FAILED', message: 'failed', retryable: false };
      if (status === 'succeeded') {
        const row: StepRecord = { ...parent, status: orig.code === 'INTERRUPTED' ? 'interrupted' : 'failed' };
        tx.putStep(row);
        await this.afterFailure(tx, row, orig);
      } else {
        const combined: StepError = { code: 'COMPENSATION_FAILED', message: `${orig.message}; then its compensation failed: ${error?.message ?? 'unknown error'}`, retryable: false };
        const row: StepRecord = { ...parent, status: 'failed', error: combined };
        tx.putStep(row);
        await this.endThread(tx, row.threadKey, 'failed', null, combined);
      }
      return;
    }
    if (parent.status !== 'running') return;
    const step = this.step(parent.stepId);
    if (step.type === 'parallel') await this.settleParallel(tx, parent, step.branches, step.join);
    else if (step.type === 'foreach') {
      if (status === 'failed') await this.failFinal(tx, parent, childError(step.id, 'item', t.idx, error), 'failed');
      else await this.fillForeach(tx, parent);
    } else if (step.type === 'loop') {
      if (status === 'failed') await this.failFinal(tx, parent, childError(step.id, 'iteration', t.idx, error), 'failed');
      else await this.nextIteration(tx, parent, t.idx + 1, output);
    }
  }

  private async settleParallel(tx: TxBuilder, rec: StepRecord, branches: string[], join: 'all' | { first: number }): Promise<void> {
    const counts = this.state.childCountsOf(rec.stepKey);
    const total = branches.length;
    const need = join === 'all' ? total : Math.min(join.first, total);
    if (counts.failed > total - need) {
      const f = this.state.childrenOf(rec.stepKey).find((k) => k.status === 'failed')!;
      await this.failFinal(tx, rec, childError(rec.stepId, 'branch', f.idx, f.error, branches[f.idx]), 'failed');
      return;
    }
    if (counts.succeeded >= need) {
      const ok = this.state.childrenOf(rec.stepKey).filter((k) => k.status === 'succeeded');
      const out: Record<string, unknown> = {};
      for (const k of ok.sort((a, b) => a.idx - b.idx)) out[branches[k.idx]] = k.output;
      this.cancelBelow(tx, rec.stepKey);
      await this.succeed(tx, rec, out);
    }
  }

  /** Start foreach items while below the concurrency limit; finish when all have succeeded. */
  private async fillForeach(tx: TxBuilder, rec0: StepRecord): Promise<void> {
    const step = this.step(rec0.stepId);
    if (step.type !== 'foreach') return;
    const items = ((rec0.input as { items?: unknown[] } | null)?.items ?? []);
    for (;;) {
      const rec = this.state.steps.get(rec0.stepKey)!;
      if (rec.status !== 'running') return;
      const counts = this.state.childCountsOf(rec.stepKey);
      if (counts.total === items.length && counts.running === 0) {
        const out = new Array<unknown>(items.length);
        for (const k of this.state.childrenOf(rec.stepKey)) out[k.idx] = k.output;
        await this.succeed(tx, rec, out);
        return;
      }
      if (counts.total >= items.length || counts.running >= step.concurrency) return;
      const i = counts.total;
      const tk = `${rec.stepKey}/${i}`;
      this.newThread(tx, tk, rec.stepKey, 'item', i, { item: items[i], index: i });
      this.enter(tx, tk, step.do);
    }
  }

  private async nextIteration(tx: TxBuilder, rec: StepRecord, iteration: number, last: unknown): Promise<void> {
    const step = this.step(rec.stepId);
    if (step.type !== 'loop') return;
    let go: unknown;
    try {
      go = await evaluateExpression(step.while, { ...this.state.context(rec.threadKey), iteration, last }, this.bindings(rec.threadKey, rec.stepKey));
    } catch (e) {
      await this.failFinal(tx, rec, toStepError(e), 'failed');
      return;
    }
    if (!truthy(go)) {
      await this.succeed(tx, rec, last ?? null);
      return;
    }
    if (iteration >= step.maxIterations) {
      if (step.onLimit === 'stop') await this.succeed(tx, rec, last ?? null);
      else await this.failFinal(tx, rec, { code: 'LOOP_LIMIT', message: `loop "${step.id}" reached maxIterations ${step.maxIterations} while its condition still held`, hint: 'Raise maxIterations, fix the condition, or set onLimit to "stop".', retryable: false }, 'failed');
      return;
    }
    const tk = `${rec.stepKey}/${iteration}`;
    this.newThread(tx, tk, rec.stepKey, 'iteration', iteration, { iteration, last: last ?? null });
    this.enter(tx, tk, step.do);
  }

  /** Cancel every running thread and step below a container (or the whole run for ''). */
  private cancelBelow(tx: TxBuilder, stepKey: string): void {
    const prefix = stepKey ? `${stepKey}/` : '';
    for (const t of this.state.threads.values()) {
      if (t.status === 'running' && t.threadKey.startsWith(prefix) && t.threadKey !== MAIN_THREAD) tx.putThread({ ...t, status: 'cancelled' });
    }
    for (const s of this.state.steps.values()) {
      if ((s.status === 'running' || s.status === 'retrying' || s.status === 'compensating') && s.stepKey.startsWith(prefix) && s.stepKey !== stepKey) {
        const row: StepRecord = { ...s, status: 'cancelled', finishedAt: tx.now, notBefore: null };
        tx.putStep(row);
        tx.event('step.cancelled', row);
        if (s.status === 'running') tx.t.abort.push(s.stepKey);
      }
    }
  }

  private finishRun(tx: TxBuilder, status: 'succeeded' | 'failed' | 'cancelled', output: unknown, error: StepError | null): void {
    this.cancelBelow(tx, '');
    const main = this.state.threads.get(MAIN_THREAD);
    if (main && main.status === 'running') tx.putThread({ ...main, status: status === 'succeeded' ? 'succeeded' : status === 'failed' ? 'failed' : 'cancelled', error });
    tx.t.run = { status, output, error, finishedAt: tx.now };
    this.state.run = { ...this.state.run, status, output, error, finishedAt: tx.now };
    tx.event(`run.${status}`, undefined, error ? { error } : { detail: { output } });
  }
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return !!v;
}

function childError(containerId: string, kind: string, idx: number, error: StepError | null, entry?: string): StepError {
  const what = entry ? `${kind} ${idx} ("${entry}")` : `${kind} ${idx}`;
  return { code: error?.code ?? 'FAILED', message: `${what} of "${containerId}" failed: ${error?.message ?? 'unknown error'}`, hint: error?.hint, retryable: false };
}
