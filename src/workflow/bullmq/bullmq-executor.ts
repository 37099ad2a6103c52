/**
 * WorkflowExecutor on BullMQ: start() records the run in the store (PostgreSQL when several
 * machines share it) and enqueues its first steps; `nova worker` processes on any machine run the
 * steps (workflow-worker.ts). Nothing about a run lives only in this process, so any node can
 * report its status, wait for it, cancel it or reconcile it.
 */
import { ulid } from 'ulid';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { NovaError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { WorkflowDefinition, WorkflowEvent } from '../../protocol/workflow.js';
import type { TenantQuotas } from '../../quota/tenant-quotas.js';
import type { RunOutcome, StartOptions, WorkflowExecutor } from '../executor.js';
import { WorkflowMachine } from '../machine.js';
import { checkRunInput } from '../run-input.js';
import type { WorkflowTables } from '../persistence.js';
import { DISTRIBUTED_OWNER, NO_LEASE_END, RunCoordinator } from './run-coordinator.js';

export interface BullMQExecutorOptions {
  store: Store;
  connection: Redis;
  /** BullMQ key prefix; workers must use the same. Default `nova`. */
  prefix?: string;
  quotas?: TenantQuotas;
  /** How long a run may hold its tenant's run slot without a step finishing (lease). */
  runLeaseMs?: number;
  /** How long start() waits for a free run slot of the tenant before failing. */
  quotaWaitMs?: number;
  pollMs?: number;
  onEvent?: (e: WorkflowEvent) => void;
  log?: (line: string) => void;
}

export const DEFAULT_RUN_LEASE_MS = 10 * 60_000;

export class BullMQWorkflowExecutor implements WorkflowExecutor {
  readonly coordinator: RunCoordinator;
  private closed = false;

  constructor(private readonly o: BullMQExecutorOptions) {
    // Events are relayed from the store while waiting (workers on other machines commit most of
    // them), so the coordinator here does not emit the few it commits itself a second time.
    this.coordinator = new RunCoordinator({ store: o.store, connection: o.connection, prefix: o.prefix ?? 'nova', quotas: o.quotas, log: o.log });
  }

  async start(definition: WorkflowDefinition, input: Record<string, unknown>, opts: StartOptions = {}): Promise<string> {
    this.assertOpen();
    const checked = checkRunInput(definition, input);
    const runId = opts.runId ?? ulid();
    const tenant = opts.tenant ?? 'default';
    if (this.o.quotas) {
      await this.o.quotas.waitForRun(tenant, runId, { leaseMs: this.o.runLeaseMs ?? DEFAULT_RUN_LEASE_MS, timeoutMs: this.o.quotaWaitMs ?? 10 * 60_000 });
    }
    try {
      const { state, transition } = await WorkflowMachine.begin(definition, { runId, input: checked, tenant, owner: DISTRIBUTED_OWNER, leaseUntil: NO_LEASE_END });
      await this.coordinator.begin(state, transition);
    } catch (e) {
      await this.o.quotas?.releaseRun(tenant, runId).catch(() => {});
      throw e;
    }
    return runId;
  }

  /** Resolve when the run is finished (any node's workers may be driving it). Relays its events to onEvent. */
  async wait(runId: string, opts: { timeoutMs?: number } = {}): Promise<RunOutcome> {
    const run = await this.coordinator.wf.loadRun(runId);
    if (!run) throw new NovaError('NOT_FOUND', `no workflow run with id "${runId}"`, { hint: 'List runs with: nova workflow list' });
    if (run.status !== 'running') {
      await this.relayEvents(runId);
      this.relayedSeq.delete(runId);
      return { runId, status: run.status, output: run.output, error: run.error };
    }
    return new Promise<RunOutcome>((resolve, reject) => {
      const w = { resolve, reject, until: Date.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY) };
      const list = this.waiters.get(runId) ?? [];
      list.push(w);
      this.waiters.set(runId, list);
      this.schedulePoll();
    });
  }

  private readonly waiters = new Map<string, { resolve(o: RunOutcome): void; reject(e: Error): void; until: number }[]>();
  private pollTimer?: NodeJS.Timeout;

  /** One status query per interval for every awaited run, however many callers wait. */
  private schedulePoll(): void {
    if (this.pollTimer || this.waiters.size === 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollOnce().catch((e: unknown) => this.o.log?.(`workflow: status poll failed: ${(e as Error).message}; retrying`))
        .finally(() => { this.pollTimer = undefined; this.schedulePoll(); });
    }, this.o.pollMs ?? 100);
  }

  private readonly relayedSeq = new Map<string, number>();

  /** Hand the run's new events (committed by any node) to onEvent, in order. */
  private async relayEvents(runId: string): Promise<void> {
    if (!this.o.onEvent) return;
    for (;;) {
      const batch = await this.coordinator.wf.events(runId, { afterSeq: this.relayedSeq.get(runId) ?? 0, limit: 500 });
      for (const e of batch) {
        this.relayedSeq.set(runId, e.seq);
        try { this.o.onEvent(e.event); } catch { /* a listener must not break waiting */ }
      }
      if (batch.length < 500) return;
    }
  }

  private async pollOnce(): Promise<void> {
    const ids = [...this.waiters.keys()];
    for (const id of ids) await this.relayEvents(id);
    const db = this.o.store.db.withTables<WorkflowTables>() as unknown as Kysely<WorkflowTables>;
    const done = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db.selectFrom('workflow_runs').select(['run_id', 'status']).where('run_id', 'in', ids.slice(i, i + 500)).where('status', '!=', 'running').execute();
      for (const r of rows) done.add(r.run_id);
    }
    const now = Date.now();
    for (const id of ids) {
      const list = this.waiters.get(id)!;
      if (done.has(id)) {
        await this.relayEvents(id);
        this.relayedSeq.delete(id);
        this.waiters.delete(id);
        const run = (await this.coordinator.wf.loadRun(id))!;
        for (const w of list) w.resolve({ runId: id, status: run.status, output: run.output, error: run.error });
        continue;
      }
      const expired = list.filter((w) => w.until < now);
      if (expired.length === 0) continue;
      for (const w of expired) w.reject(new NovaError('TIMEOUT', `run ${id} is still running`, { hint: `Check workers are running (nova worker) and see: nova workflow status ${id}` }));
      const rest = list.filter((w) => w.until >= now);
      if (rest.length) this.waiters.set(id, rest);
      else this.waiters.delete(id);
    }
  }

  /** Make sure the run's in-flight steps and retries have their jobs (after Redis lost data, say). */
  async resume(runId: string): Promise<void> {
    this.assertOpen();
    const run = await this.coordinator.wf.loadRun(runId);
    if (!run) throw new NovaError('NOT_FOUND', `no workflow run with id "${runId}"`, { hint: 'List runs with: nova workflow list' });
    await this.coordinator.reconcile(runId);
  }

  async resumeAll(): Promise<string[]> {
    const out: string[] = [];
    for (const r of await this.coordinator.wf.unfinishedRunIds()) {
      if (r.owner !== DISTRIBUTED_OWNER) continue; // runs of a local executor are resumed by `nova workflow resume`
      await this.coordinator.reconcile(r.runId);
      out.push(r.runId);
    }
    return out;
  }

  async cancel(runId: string, reason = 'cancelled by request'): Promise<void> {
    await this.coordinator.advance(runId, (m) => m.cancel(reason));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const [id, list] of this.waiters) for (const w of list) w.reject(new NovaError('UNAVAILABLE', `stopped waiting for run ${id}: the executor was closed`, { hint: `The run goes on; see: nova workflow status ${id}` }));
    this.waiters.clear();
    await this.coordinator.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the workflow executor is closed', { hint: 'Create a new executor.' });
  }
}
