/**
 * What every node of the BullMQ executor does to move a run forward, with no process owning the
 * run: load its state from the store, let the workflow machine compute the transition, commit it
 * (optimistic concurrency on the run version — two workers finishing sibling branches at once
 * simply retry on the fresh state, which is how a join stays correct), then enqueue what the
 * transition dispatches. Enqueueing after the commit can be interrupted by a crash, so
 * `reconcile()` re-derives the jobs a run needs from the store; deterministic job ids make that
 * idempotent.
 */
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { NovaError, errorMessage } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { WorkflowEvent } from '../../protocol/workflow.js';
import type { TenantQuotas } from '../../quota/tenant-quotas.js';
import { RunState, WorkflowMachine } from '../machine.js';
import { StaleTransitionError, WorkflowStore } from '../persistence.js';
import type { Dispatch, StepRecord, Transition } from '../records.js';
import { CONTROL_QUEUE, JOB_OPTIONS, capabilityQueue, joinJobId, retryJobId, stepJobId, type ControlJobData, type StepJobData } from './queues.js';

/** Recorded as the owner of distributed runs: never "gone", so a local `resume --all` leaves them alone. */
export const DISTRIBUTED_OWNER = 'bullmq:distributed';
export const NO_LEASE_END = Number.MAX_SAFE_INTEGER;

export interface CoordinatorOptions {
  store: Store;
  connection: Redis;
  /** BullMQ key prefix (isolates deployments and tests on one Redis). */
  prefix: string;
  quotas?: TenantQuotas;
  onEvent?: (e: WorkflowEvent) => void;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RunCoordinator {
  readonly wf: WorkflowStore;
  private readonly queues = new Map<string, Queue>();
  private flow?: FlowProducer;

  constructor(readonly o: CoordinatorOptions) {
    this.wf = new WorkflowStore(o.store);
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.o.connection, prefix: this.o.prefix });
      q.on('error', (e) => this.connectionError(e));
      this.queues.set(name, q);
    }
    return q;
  }

  private flowProducer(): FlowProducer {
    if (!this.flow) {
      this.flow = new FlowProducer({ connection: this.o.connection, prefix: this.o.prefix });
      this.flow.on('error', (e) => this.connectionError(e));
    }
    return this.flow;
  }

  private lastErrorLog = 0;

  /** Connection trouble is retried by the client; say so once in a while instead of per connection. */
  private connectionError(e: unknown): void {
    if (Date.now() - this.lastErrorLog < 5000) return;
    this.lastErrorLog = Date.now();
    this.o.log?.(`workflow queues: ${errorMessage(e)}; retrying`);
  }

  async loadState(runId: string): Promise<RunState> {
    const loaded = await this.wf.load(runId);
    return new RunState(loaded.run, loaded.steps, loaded.threads);
  }

  /** Commit a new run's first transition and enqueue its first steps. */
  async begin(state: RunState, t: Transition): Promise<void> {
    await this.wf.commit(t);
    await this.afterCommit(t, state);
  }

  /**
   * Compute a transition on the run's current state and commit it; on a concurrent change reload
   * and compute again. Returns null when the machine had nothing to do (e.g. a stale completion).
   */
  async advance(runId: string, compute: (m: WorkflowMachine) => Promise<Transition | null> | Transition | null, loaded?: RunState): Promise<{ transition: Transition | null; state: RunState }> {
    for (let i = 0; i < 100; i++) {
      // A state the caller just loaded saves a reload on the first try; a conflict reloads.
      const state = i === 0 && loaded ? loaded : await this.loadState(runId);
      const t = await compute(new WorkflowMachine(state));
      if (!t) return { transition: null, state };
      try {
        await this.wf.commit(t);
      } catch (e) {
        if (!(e instanceof StaleTransitionError)) throw e;
        await sleep(Math.random() * Math.min(50, 2 * (i + 1)));
        continue;
      }
      await this.afterCommit(t, state);
      return { transition: t, state };
    }
    throw new NovaError('CONFLICT', `run ${runId} kept changing while a worker tried to record a step`, { hint: 'The job is retried by BullMQ; if this persists, report it.' });
  }

  private async afterCommit(t: Transition, state: RunState): Promise<void> {
    for (const e of t.events) {
      try { this.o.onEvent?.(e); } catch { /* a listener must not break the run */ }
    }
    await this.enqueue(t, state);
    if (state.run.status !== 'running') await this.o.quotas?.releaseRun(state.run.tenant, state.run.runId);
  }

  private stepJob(state: RunState, d: Dispatch): { queueName: string; data: StepJobData; jobId: string } {
    const data: StepJobData = {
      runId: state.run.runId, stepKey: d.stepKey, attempt: d.attempt, capability: d.capability, input: d.input, tenant: state.run.tenant,
      ...(d.agentId ? { agentId: d.agentId } : {}), ...(d.timeoutMs ? { timeoutMs: d.timeoutMs } : {}),
    };
    return { queueName: capabilityQueue(d.capability), data, jobId: stepJobId(data) };
  }

  /** Enqueue a committed transition's dispatches (a fork as a BullMQ flow under a join job) and retry timers. */
  async enqueue(t: Transition, state: RunState): Promise<void> {
    const jobs = t.dispatch.map((d) => this.stepJob(state, d));
    if (jobs.length >= 2) {
      const join: ControlJobData = { kind: 'join', runId: state.run.runId };
      await this.flowProducer().add({
        name: 'join', queueName: CONTROL_QUEUE, data: join, prefix: this.o.prefix,
        opts: { ...JOB_OPTIONS, jobId: joinJobId(state.run.runId, state.run.version) },
        children: jobs.map((j) => ({ name: 'step', queueName: j.queueName, data: j.data, prefix: this.o.prefix, opts: { ...JOB_OPTIONS, jobId: j.jobId } })),
      });
    } else {
      for (const j of jobs) await this.queue(j.queueName).add('step', j.data, { ...JOB_OPTIONS, jobId: j.jobId });
    }
    for (const tm of t.timers) await this.addRetry(state.run.runId, state.steps.get(tm.stepKey), tm.at);
    // t.abort needs no message: the aborted attempts are no longer `running` in the store, so the
    // worker holding one drops its completion (the machine's guard) and skips it if not started.
  }

  private async addRetry(runId: string, rec: StepRecord | undefined, at: number): Promise<void> {
    if (!rec) return;
    const data: ControlJobData = { kind: 'retry', runId, stepKey: rec.stepKey, attempt: rec.attempt };
    await this.queue(CONTROL_QUEUE).add('retry', data, { ...JOB_OPTIONS, jobId: retryJobId(runId, rec.stepKey, rec.attempt), delay: Math.max(0, at - Date.now()) });
  }

  /**
   * Ensure every in-flight task step and every waiting retry of the run has its job (no-op for the
   * ones that exist). Returns how many steps were checked.
   */
  async reconcile(runId: string): Promise<number> {
    const state = await this.loadState(runId);
    if (state.run.status !== 'running') {
      await this.o.quotas?.releaseRun(state.run.tenant, runId);
      return 0;
    }
    const dispatch: Dispatch[] = [];
    let n = 0;
    for (const rec of state.steps.values()) {
      const step = state.index.steps.get(rec.stepId);
      if (!step || step.type !== 'task') continue;
      if (rec.status === 'running') {
        dispatch.push({ stepKey: rec.stepKey, attempt: rec.attempt, agentId: step.agent, capability: step.capability, input: (rec.input ?? {}) as Record<string, unknown>, timeoutMs: step.timeoutMs });
        n++;
      } else if (rec.status === 'retrying') {
        await this.addRetry(runId, rec, rec.notBefore ?? Date.now());
        n++;
      }
    }
    for (const d of dispatch) {
      const j = this.stepJob(state, d);
      const q = this.queue(j.queueName);
      const existing = await q.getJob(j.jobId);
      // A job that used up its infrastructure retries (e.g. a long database outage) gets another go.
      if (existing && (await existing.isFailed())) await existing.retry('failed');
      else if (!existing) await q.add('step', j.data, { ...JOB_OPTIONS, jobId: j.jobId });
    }
    return n;
  }

  async close(): Promise<void> {
    for (const q of this.queues.values()) await q.close();
    this.queues.clear();
    await this.flow?.close();
  }
}
