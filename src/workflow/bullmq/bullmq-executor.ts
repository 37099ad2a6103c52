/**
 * WorkflowExecutor on BullMQ: start() records the run in the store (PostgreSQL when several
 * machines share it) and enqueues its first steps; `nova worker` processes on any machine run the
 * steps (workflow-worker.ts). Nothing about a run lives only in this process, so any node can
 * report its status, wait for it, cancel it or reconcile it.
 */
import { ulid } from 'ulid';
import type { Redis } from 'ioredis';
import { NovaError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { WorkflowDefinition, WorkflowEvent } from '../../protocol/workflow.js';
import type { TenantQuotas } from '../../quota/tenant-quotas.js';
import type { RunOutcome, StartOptions, WorkflowExecutor } from '../executor.js';
import { WorkflowMachine } from '../machine.js';
import { checkRunInput } from '../run-input.js';
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
    this.coordinator = new RunCoordinator({ store: o.store, connection: o.connection, prefix: o.prefix ?? 'nova', quotas: o.quotas, onEvent: o.onEvent, log: o.log });
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

  /** Poll the store until the run is finished (any node's workers may be driving it). */
  async wait(runId: string, opts: { timeoutMs?: number } = {}): Promise<RunOutcome> {
    const until = Date.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY);
    const poll = this.o.pollMs ?? 100;
    for (;;) {
      const run = await this.coordinator.wf.loadRun(runId);
      if (!run) throw new NovaError('NOT_FOUND', `no workflow run with id "${runId}"`, { hint: 'List runs with: nova workflow list' });
      if (run.status !== 'running') return { runId, status: run.status, output: run.output, error: run.error };
      if (Date.now() > until) throw new NovaError('TIMEOUT', `run ${runId} is still running`, { hint: `Check workers are running (nova worker) and see: nova workflow status ${runId}` });
      await new Promise((r) => setTimeout(r, poll));
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
    await this.coordinator.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the workflow executor is closed', { hint: 'Create a new executor.' });
  }
}
