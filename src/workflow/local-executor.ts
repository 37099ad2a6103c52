/**
 * The local durable executor: drives runs inside this process, checkpointing every transition in
 * the SQL store (persistence.ts) before acting on it (machine.ts decides, this file only schedules).
 *
 * Per run, a Driver serialises transitions (one at a time, in arrival order), performs the side
 * effects of each committed transition — dispatch tasks through the StepInvoker with a timeout
 * signal, arm retry timers, abort cancelled tasks, publish events — and keeps a lease on the run
 * (owner `host:pid:nonce`, renewed by a heartbeat) so two processes never drive the same run.
 * `resume` takes a run over when its owner is gone: same host and the pid no longer exists, or the
 * lease expired (another host).
 */
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { NovaError } from '../errors.js';
import { ownerIsGone, processOwner } from '../store/process-owner.js';
import type { Store } from '../store/store.js';
import type { WorkflowDefinition, WorkflowEvent } from '../protocol/workflow.js';
import type { RunOutcome, StartOptions, StepInvoker, WorkflowExecutor } from './executor.js';
import { RunState, WorkflowMachine, toStepError } from './machine.js';
import { StaleTransitionError, WorkflowStore } from './persistence.js';
import { mergeTransitions, type Dispatch, type Transition } from './records.js';
import { checkRunInput } from './run-input.js';
import { assertValidDefinition } from './validate.js';

export interface LocalExecutorOptions {
  store: Store;
  invoker: StepInvoker;
  /** Called for every committed event (e.g. publish on the bus topic `workflow.events`). */
  onEvent?: (event: WorkflowEvent) => void;
  leaseMs?: number;
  log?: (line: string) => void;
}

export function newOwnerId(): string {
  return `${processOwner()}:${randomBytes(4).toString('hex')}`;
}

export { ownerIsGone };

export class LocalWorkflowExecutor implements WorkflowExecutor {
  readonly wf: WorkflowStore;
  readonly owner = newOwnerId();
  private readonly drivers = new Map<string, Driver>();
  readonly leaseMs: number;
  private closed = false;

  constructor(readonly opts: LocalExecutorOptions) {
    this.wf = new WorkflowStore(opts.store);
    // Long enough that a busy machine never lets a live driver's lease lapse; a crashed driver on
    // this host is detected at once by its pid, so the lease only delays takeover across hosts.
    this.leaseMs = opts.leaseMs ?? 60_000;
  }

  async start(definition: WorkflowDefinition, input: Record<string, unknown>, opts: StartOptions = {}): Promise<string> {
    this.assertOpen();
    // Structural checks only (capabilities are the runtime's business): an invalid graph never starts.
    assertValidDefinition(definition);
    const checked = checkRunInput(definition, input);
    const runId = opts.runId ?? ulid();
    const { state, transition } = await WorkflowMachine.begin(definition, {
      runId, input: checked, tenant: opts.tenant ?? 'default', owner: this.owner, leaseUntil: Date.now() + this.leaseMs,
    });
    await this.wf.commit(transition);
    const d = new Driver(this, state);
    this.drivers.set(runId, d);
    d.startHeartbeat();
    d.effects(transition);
    if (state.run.status !== 'running') d.finish();
    return runId;
  }

  async wait(runId: string): Promise<RunOutcome> {
    const d = this.drivers.get(runId);
    if (d) return d.done;
    const run = await this.wf.loadRun(runId);
    if (!run) throw new NovaError('NOT_FOUND', `no workflow run with id "${runId}"`, { hint: 'List runs with: nova workflow list' });
    if (run.status === 'running') throw new NovaError('CONFLICT', `run ${runId} is not driven by this process`, { hint: `Resume it with: nova workflow resume ${runId}` });
    return { runId, status: run.status, output: run.output, error: run.error };
  }

  async resume(runId: string, opts: { force?: boolean } = {}): Promise<void> {
    this.assertOpen();
    if (this.drivers.has(runId)) return;
    const run = await this.wf.loadRun(runId);
    if (!run) throw new NovaError('NOT_FOUND', `no workflow run with id "${runId}"`, { hint: 'List runs with: nova workflow list' });
    if (run.status !== 'running') return;
    const ok = await this.wf.claim(runId, this.owner, this.leaseMs, (o) => opts.force === true || ownerIsGone(o));
    if (!ok) {
      const again = await this.wf.loadRun(runId);
      throw new NovaError('CONFLICT', `run ${runId} is being driven by ${again?.owner ?? 'another process'} (lease until ${again?.leaseUntil ? new Date(again.leaseUntil).toISOString() : '?'})`, {
        hint: 'Wait for that process, or pass --force if you are sure it is gone.',
      });
    }
    const loaded = await this.wf.load(runId);
    const state = new RunState(loaded.run, loaded.steps, loaded.threads);
    const d = new Driver(this, state);
    this.drivers.set(runId, d);
    d.startHeartbeat();
    await d.transition((m) => m.recover());
    if (state.run.status !== 'running') d.finish();
  }

  async resumeAll(): Promise<string[]> {
    const now = Date.now();
    const out: string[] = [];
    for (const r of await this.wf.unfinishedRunIds()) {
      if (this.drivers.has(r.runId)) continue;
      const free = r.owner === null || r.owner === this.owner || (r.leaseUntil ?? 0) < now || ownerIsGone(r.owner);
      if (!free) continue;
      try {
        await this.resume(r.runId);
        out.push(r.runId);
      } catch (e) {
        if (!(e instanceof NovaError && e.code === 'CONFLICT')) throw e;
      }
    }
    return out;
  }

  async cancel(runId: string, reason = 'cancelled by request'): Promise<void> {
    const d = this.drivers.get(runId);
    if (d) {
      await d.transition((m) => m.cancel(reason));
      return;
    }
    // Not ours: commit the cancellation directly; the owner sees the version move and stops.
    for (let i = 0; i < 5; i++) {
      const loaded = await this.wf.load(runId);
      if (loaded.run.status !== 'running') return;
      const m = new WorkflowMachine(new RunState(loaded.run, loaded.steps, loaded.threads));
      const t = await m.cancel(reason);
      if (!t) return;
      try {
        await this.wf.commit(t);
        for (const e of t.events) this.emit(e);
        return;
      } catch (e) {
        if (!(e instanceof StaleTransitionError)) throw e;
      }
    }
    throw new NovaError('CONFLICT', `could not cancel run ${runId}: it kept changing`, { hint: 'Try again.' });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const d of this.drivers.values()) await d.stop();
    this.drivers.clear();
  }

  /** @internal */
  emit(e: WorkflowEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch (err) {
      this.opts.log?.(`workflow: event listener failed: ${(err as Error).message}`);
    }
  }

  /** @internal */
  forget(runId: string): void {
    this.drivers.delete(runId);
  }

  private assertOpen(): void {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the workflow executor is closed', { hint: 'Create a new executor.' });
  }
}

type Compute = (m: WorkflowMachine) => Promise<Transition | null> | Transition | null;
interface Pending { compute: Compute; resolve: () => void; reject: (e: unknown) => void }
/** Transitions committed together at most. */
const MAX_BATCH = 64;

class Driver {
  readonly machine: WorkflowMachine;
  private readonly pending: Pending[] = [];
  private pumping = false;
  private needsReload = false;
  private readonly inflight = new Map<string, AbortController>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;
  readonly done: Promise<RunOutcome>;
  private resolveDone!: (o: RunOutcome) => void;
  private rejectDone!: (e: unknown) => void;

  constructor(private readonly ex: LocalWorkflowExecutor, public state: RunState) {
    this.machine = new WorkflowMachine(state);
    this.done = new Promise((res, rej) => { this.resolveDone = res; this.rejectDone = rej; });
    this.done.catch(() => {}); // observed by wait(); avoid unhandled rejections when nobody waits
  }

  private get runId(): string {
    return this.state.run.runId;
  }

  /**
   * Every second: notice outside changes (a `nova workflow cancel` from another process moves the
   * run version). Every leaseMs/3: renew the lease; losing it means another process took over.
   */
  startHeartbeat(): void {
    const renewEvery = Math.max(200, Math.floor(this.ex.leaseMs / 3));
    let lastRenew = Date.now();
    let busy = false;
    this.heartbeat = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      (async () => {
        if (Date.now() - lastRenew >= renewEvery) {
          lastRenew = Date.now();
          if (!(await this.ex.wf.renew(this.runId, this.ex.owner, this.ex.leaseMs)) && !this.stopped) {
            this.ex.opts.log?.(`workflow: lost the lease on run ${this.runId}; stopping here`);
            await this.stop();
            this.rejectDone(new NovaError('CONFLICT', `another process took over run ${this.runId}`, { hint: `See: nova workflow status ${this.runId}` }));
            return;
          }
        }
        const run = await this.ex.wf.runVersion(this.runId);
        if (run && run.version !== this.state.run.version && !this.pumping) {
          this.needsReload = true;
          void this.pump();
        }
      })().catch((e: unknown) => this.ex.opts.log?.(`workflow: heartbeat of run ${this.runId} failed: ${(e as Error).message}`))
        .finally(() => { busy = false; });
    }, Math.min(1000, renewEvery));
    this.heartbeat.unref();
  }

  /**
   * Compute and commit a transition, then perform its effects. Transitions of a run are serialised;
   * those requested while a commit is in flight are computed one after another and committed
   * together (group commit), so a fan-out's completions share transactions.
   */
  transition(compute: Compute): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ compute, resolve, reject });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while ((this.pending.length || this.needsReload) && !this.stopped) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          await this.runBatch(batch);
          for (const b of batch) b.resolve();
        } catch (e) {
          this.ex.opts.log?.(`workflow: run ${this.runId}: ${(e as Error).message}`);
          for (const b of [...batch, ...this.pending.splice(0)]) b.reject(e);
          await this.stop();
          this.rejectDone(e);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      if (this.needsReload) await this.reload();
      if (this.stopped) return;
      const ts: Transition[] = [];
      for (const b of batch) {
        const t = await b.compute(this.machine);
        if (t) ts.push(t);
      }
      if (!ts.length) return;
      const merged = mergeTransitions(ts);
      try {
        await this.ex.wf.commit(merged);
      } catch (e) {
        if (e instanceof StaleTransitionError) {
          this.needsReload = true;
          continue;
        }
        throw e;
      }
      this.effects(merged);
      if (this.state.run.status !== 'running') this.finish();
      return;
    }
    throw new NovaError('CONFLICT', `run ${this.runId} kept changing under this executor`, { hint: `Another process is driving it; see nova workflow status ${this.runId}` });
  }

  /** The store is the truth: rebuild the in-memory state from it (after a conflict or an outside cancel). */
  private async reload(): Promise<void> {
    this.needsReload = false;
    const loaded = await this.ex.wf.load(this.runId);
    const fresh = new RunState(loaded.run, loaded.steps, loaded.threads);
    this.state = fresh;
    this.machine.state = fresh;
    for (const [key, c] of this.inflight) {
      const s = fresh.steps.get(key);
      if (!s || s.status !== 'running') { c.abort(); this.inflight.delete(key); }
    }
    if (fresh.run.status !== 'running') this.finish();
  }

  effects(t: Transition): void {
    for (const e of t.events) this.ex.emit(e);
    for (const key of t.abort) {
      this.inflight.get(key)?.abort(new NovaError('CANCELLED', 'step cancelled', { hint: 'Its run was cancelled or its branch is no longer needed.' }));
      this.inflight.delete(key);
    }
    for (const tm of t.timers) this.arm(tm.stepKey, tm.at);
    for (const d of t.dispatch) this.invoke(d);
  }

  private arm(stepKey: string, at: number): void {
    clearTimeout(this.timers.get(stepKey));
    const h = setTimeout(() => {
      this.timers.delete(stepKey);
      void this.transition((m) => m.retryDue(stepKey)).catch(() => {});
    }, Math.max(0, at - Date.now()));
    this.timers.set(stepKey, h);
  }

  private invoke(d: Dispatch): void {
    if (this.stopped) return;
    const controller = new AbortController();
    this.inflight.set(d.stepKey, controller);
    let timer: NodeJS.Timeout | undefined;
    if (d.timeoutMs) {
      timer = setTimeout(() => controller.abort(new NovaError('TIMEOUT', `step timed out after ${d.timeoutMs} ms`, { hint: 'Raise the step timeoutMs or look at why the agent is slow.' })), d.timeoutMs);
    }
    const rec = this.state.steps.get(d.stepKey)!;
    const aborted = new Promise<never>((_, rej) => controller.signal.addEventListener('abort', () => rej(controller.signal.reason), { once: true }));
    aborted.catch(() => {});
    const call = this.ex.opts.invoker({
      agentId: d.agentId, capability: d.capability, input: d.input, runId: this.runId, stepId: rec.stepId,
      idempotencyKey: `${this.runId}:${d.stepKey}`, attempt: d.attempt, timeoutMs: d.timeoutMs, signal: controller.signal,
    });
    Promise.race([call, aborted]).then(
      (out) => {
        clearTimeout(timer);
        if (this.inflight.get(d.stepKey) === controller) this.inflight.delete(d.stepKey);
        if (out === null || typeof out !== 'object' || Array.isArray(out)) {
          void this.transition((m) => m.stepFailed(d.stepKey, d.attempt, { code: 'BAD_OUTPUT', message: `capability ${d.capability} returned ${Array.isArray(out) ? 'an array' : typeof out}, not an object`, retryable: false })).catch(() => {});
          return;
        }
        void this.transition((m) => m.stepSucceeded(d.stepKey, d.attempt, out)).catch(() => {});
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (this.inflight.get(d.stepKey) === controller) this.inflight.delete(d.stepKey);
        void this.transition((m) => m.stepFailed(d.stepKey, d.attempt, toStepError(err))).catch(() => {});
      },
    );
  }

  finish(): void {
    if (this.stopped) return;
    const r = this.state.run;
    this.resolveDone({ runId: r.runId, status: r.status, output: r.output, error: r.error });
    void this.stop().then(() => this.ex.wf.release(this.runId, this.ex.owner)).catch(() => {});
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const h of this.timers.values()) clearTimeout(h);
    this.timers.clear();
    for (const c of this.inflight.values()) c.abort(new NovaError('CANCELLED', 'executor stopped', { hint: 'Resume the run to continue.' }));
    this.inflight.clear();
    this.ex.forget(this.runId);
    // No-op when the run already finished; otherwise waiters learn the run is left for a resume.
    this.rejectDone(new NovaError('UNAVAILABLE', `stopped driving run ${this.runId} before it finished`, { hint: `Resume it with: nova workflow resume ${this.runId}` }));
  }
}
