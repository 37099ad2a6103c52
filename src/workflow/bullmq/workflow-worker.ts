/**
 * A `nova worker`: takes step jobs from the queues of the capabilities its agents offer, runs them,
 * and records the outcome in the store through the workflow machine (run-coordinator.ts).
 *
 * Crash behaviour, job by job:
 *   - the worker dies while a step runs: BullMQ's stalled-job check hands the job to another worker
 *     after the lock expires (`lockMs`); the step's effect is exactly-once through `step_effects`
 *     (recorded result returned instead of running again); a non-idempotent step that had started
 *     and left no record is marked interrupted, as in the local engine;
 *   - the worker dies after recording but before enqueueing the next steps: the redelivered job
 *     finds the completion already committed and reconciles the run (deterministic job ids);
 *   - PostgreSQL or Redis unreachable: the job fails and BullMQ retries it with backoff.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { ulid } from 'ulid';
import { NovaError, errorMessage } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { Agent } from '../../agents/agent.js';
import { AgentRegistry } from '../../agents/registry.js';
import { Message } from '../../protocol/message.js';
import type { WorkflowEvent } from '../../protocol/workflow.js';
import type { TenantQuotas } from '../../quota/tenant-quotas.js';
import { toStepError } from '../machine.js';
import { WORKFLOW_ENGINE_ID } from '../invoker.js';
import { CONTROL_QUEUE, capabilityQueue, infraBackoffMs, type ControlJobData, type StepJobData } from './queues.js';
import { DISTRIBUTED_OWNER, RunCoordinator } from './run-coordinator.js';
import { DEFAULT_RUN_LEASE_MS } from './bullmq-executor.js';
import { StepEffects } from './step-effects.js';

export interface WorkflowWorkerOptions {
  store: Store;
  connection: Redis;
  prefix?: string;
  agents: Agent[];
  /** Only take jobs for these capabilities (default: every capability of `agents`). */
  capabilities?: string[];
  /** Jobs processed at once per queue. */
  concurrency?: number;
  quotas?: TenantQuotas;
  /** A job whose worker stops renewing its lock for this long is handed to another worker. */
  lockMs?: number;
  /** How often to re-derive the jobs of every unfinished run (one worker at a time); 0 = never. */
  sweepMs?: number;
  name?: string;
  onEvent?: (e: WorkflowEvent) => void;
  log?: (line: string) => void;
}

type Outcome = { ok: true; output: Record<string, unknown> } | { ok: false; error: ReturnType<typeof toStepError> };

export class WorkflowWorker {
  readonly name: string;
  readonly queues: string[];
  private readonly coordinator: RunCoordinator;
  private readonly effects: StepEffects;
  private readonly registry: AgentRegistry;
  private readonly workers: Worker[] = [];
  private sweeper?: NodeJS.Timeout;
  private readonly log: (line: string) => void;
  private readonly prefix: string;
  processed = 0;

  private constructor(private readonly o: WorkflowWorkerOptions, registry: AgentRegistry, capabilities: string[]) {
    this.name = o.name ?? `${hostname()}:${process.pid}:${ulid().slice(-6)}`;
    this.prefix = o.prefix ?? 'nova';
    this.log = o.log ?? (() => {});
    this.coordinator = new RunCoordinator({ store: o.store, connection: o.connection, prefix: this.prefix, quotas: o.quotas, onEvent: o.onEvent, log: o.log });
    this.effects = new StepEffects(o.store);
    this.registry = registry;
    this.queues = [...capabilities.map(capabilityQueue), CONTROL_QUEUE];
  }

  static async start(o: WorkflowWorkerOptions): Promise<WorkflowWorker> {
    // The engine is the sender of every step message; a definition is trusted like the local engine's.
    const registry = new AgentRegistry({ principals: { [WORKFLOW_ENGINE_ID]: ['*'] } });
    for (const a of o.agents) await registry.register(a);
    const offered = [...new Set(o.agents.flatMap((a) => a.capabilities.map((c) => c.name)))].sort();
    const wanted = o.capabilities ?? offered;
    const unknown = wanted.filter((c) => !offered.includes(c));
    if (unknown.length) {
      throw new NovaError('BAD_INPUT', `no agent of this worker offers ${unknown.map((c) => `"${c}"`).join(', ')}`, { hint: `Capabilities on offer: ${offered.join(', ') || '(none)'}.` });
    }
    const w = new WorkflowWorker(o, registry, wanted);
    w.run(wanted);
    return w;
  }

  private run(capabilities: string[]): void {
    const lockDuration = this.o.lockMs ?? 10_000;
    const common = {
      connection: this.o.connection, prefix: this.prefix, concurrency: this.o.concurrency ?? 4, name: this.name,
      lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      // A job is stalled when its worker died; that is an expected event here, not a poison job.
      maxStalledCount: 20,
      settings: { backoffStrategy: (attemptsMade: number) => infraBackoffMs(attemptsMade) },
    };
    for (const cap of capabilities) {
      this.workers.push(new Worker<StepJobData>(capabilityQueue(cap), (job, token) => this.processStep(job, token), common));
    }
    this.workers.push(new Worker<ControlJobData>(CONTROL_QUEUE, (job) => this.processControl(job), common));
    for (const w of this.workers) {
      let lastError = 0;
      w.on('error', (e) => {
        // One line per outage burst, not one per connection and retry.
        if (Date.now() - lastError < 5000) return;
        lastError = Date.now();
        this.log(`worker ${this.name}: ${errorMessage(e)}; retrying`);
      });
      w.on('failed', (job, e) => { if (job && !(e instanceof DelayedError)) this.log(`worker ${this.name}: job ${job.id} failed (attempt ${job.attemptsMade}): ${errorMessage(e)}`); });
    }
    const sweepMs = this.o.sweepMs ?? 60_000;
    if (sweepMs > 0) {
      this.sweeper = setInterval(() => { this.sweep(sweepMs).catch((e) => this.log(`worker ${this.name}: sweep failed: ${errorMessage(e)}`)); }, sweepMs);
      this.sweeper.unref();
    }
  }

  /** Wait until every BullMQ worker is connected and polling. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  private async processStep(job: Job<StepJobData>, token?: string): Promise<Record<string, unknown>> {
    const d = job.data;
    const key = `${d.runId}:${d.stepKey}`;
    // Independent reads in parallel: each round trip is latency on every step's critical path.
    const [state, rate, recorded] = await Promise.all([
      this.coordinator.loadState(d.runId).catch((e: unknown) => {
        if (e instanceof NovaError && e.code === 'NOT_FOUND') return undefined;
        throw e;
      }),
      this.o.quotas?.takeStep(d.tenant),
      this.effects.get<Record<string, unknown>>(key),
    ]);
    const rec = state?.steps.get(d.stepKey);
    if (!state || !rec || state.run.status !== 'running' || rec.status !== 'running' || rec.attempt !== d.attempt) {
      // An earlier delivery of this job may have committed the step's completion and then lost its
      // connection before enqueueing what follows: make sure the run's next jobs exist.
      if (state?.run.status === 'running') await this.coordinator.reconcile(d.runId);
      return { skipped: 'this attempt is no longer current (finished, cancelled or superseded)' };
    }
    if (this.o.quotas && rate && recorded === undefined) {
      const r = rate;
      if (!r.granted) {
        // Over the tenant's step rate: park the job instead of holding a worker slot.
        await job.moveToDelayed(Date.now() + r.waitMs, token);
        throw new DelayedError();
      }
      this.renewRunLease(d.tenant, d.runId);
    }
    const step = state.index.steps.get(rec.stepId);
    const idempotent = step?.type === 'task' && step.idempotent === true;
    const outcome: Outcome = recorded !== undefined ? { ok: true, output: recorded } : await this.execute(job, d, key, rec.stepId, idempotent);
    const { transition } = await this.coordinator.advance(d.runId, (m) => (outcome.ok ? m.stepSucceeded(d.stepKey, d.attempt, outcome.output) : m.stepFailed(d.stepKey, d.attempt, outcome.error)), state);
    // Already recorded by an earlier delivery that may have died before enqueueing what followed.
    if (!transition) await this.coordinator.reconcile(d.runId);
    this.processed++;
    return { ok: outcome.ok };
  }

  private readonly renewedAt = new Map<string, number>();

  /** Keep the run's quota slot leased while its steps run; at most once per tenth of the lease per run. */
  private renewRunLease(tenant: string, runId: string): void {
    const now = Date.now();
    if (now - (this.renewedAt.get(runId) ?? 0) < DEFAULT_RUN_LEASE_MS / 10) return;
    this.renewedAt.set(runId, now);
    if (this.renewedAt.size > 10_000) this.renewedAt.clear();
    this.o.quotas?.renewRun(tenant, runId, DEFAULT_RUN_LEASE_MS).catch(() => {});
  }

  /** Run a step whose result is not recorded yet, and record it. */
  private async execute(job: Job<StepJobData>, d: StepJobData, key: string, stepId: string, idempotent: boolean): Promise<Outcome> {
    // Marks "this attempt's effect may have started"; survives this worker's death.
    const marker = `${this.prefix}:started:${job.id}`;
    const first = (await this.o.connection.set(marker, this.name, 'EX', 7 * 24 * 3600, 'NX')) === 'OK';
    if (!first && !idempotent) {
      return { ok: false, error: {
        code: 'INTERRUPTED',
        message: `step "${stepId}" was in flight on a worker that stopped, and left no recorded result; it is not idempotent, so it was not run again`,
        hint: 'Declare the step "idempotent": true if running it twice is safe (or record its effect under ctx.idempotencyKey), or give it an onError handler.',
        retryable: false,
      } };
    }
    try {
      const output = await this.invoke(d, key);
      // If the agent recorded its own effect under the key, `once` returns that record.
      const r = await this.effects.once(key, { runId: d.runId, stepId, worker: this.name }, async () => output);
      return { ok: true, output: r.result };
    } catch (e) {
      return { ok: false, error: toStepError(e) };
    }
  }

  private async invoke(d: StepJobData, key: string): Promise<Record<string, unknown>> {
    const agentId = d.agentId ?? this.registry.findByCapability(d.capability)[0]?.registration.agent_id;
    if (!agentId) throw new NovaError('NOT_FOUND', `no agent on worker ${this.name} offers "${d.capability}"`, { hint: 'Start a worker whose agents offer it.' });
    const message = Message.parse({
      message_id: ulid(), timestamp: new Date().toISOString(), from_agent: WORKFLOW_ENGINE_ID, to_agent: agentId,
      message_type: d.capability, content: d.input, requires_response: true, run_id: d.runId, tenant: d.tenant,
    });
    const controller = new AbortController();
    const timer = d.timeoutMs ? setTimeout(() => controller.abort(), d.timeoutMs) : undefined;
    try {
      const work = this.registry.dispatch(message, { runId: d.runId, signal: controller.signal, log: this.log, idempotencyKey: key });
      if (!d.timeoutMs) return await work;
      const timedOut = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(new NovaError('TIMEOUT', `step timed out after ${d.timeoutMs} ms`, { hint: 'Raise the step timeoutMs or look at why the agent is slow.' })), { once: true }));
      work.catch(() => {});
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async processControl(job: Job<ControlJobData>): Promise<Record<string, unknown>> {
    const d = job.data;
    if (d.kind === 'retry') {
      await this.coordinator.advance(d.runId, (m) => m.retryDue(d.stepKey));
      await this.coordinator.reconcile(d.runId);
      return { retried: d.stepKey };
    }
    // join: every branch job of a fork has finished; make sure the run moved on.
    await this.coordinator.reconcile(d.runId);
    return { joined: true };
  }

  /** Re-derive the jobs of every distributed run; a Redis lock keeps it to one worker per period. */
  private async sweep(periodMs: number): Promise<void> {
    const got = await this.o.connection.set(`${this.prefix}:sweep-lock`, this.name, 'PX', periodMs, 'NX');
    if (got !== 'OK') return;
    for (const r of await this.coordinator.wf.unfinishedRunIds()) {
      if (r.owner === DISTRIBUTED_OWNER) await this.coordinator.reconcile(r.runId);
    }
  }

  /** Graceful: stop taking jobs, let the running ones finish, close connections. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.coordinator.close();
  }
}
