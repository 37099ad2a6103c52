import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { TEST_REDIS_URL, pgSkip, redisSkip, storeBackends, uniqueName } from '../../testing/services.js';
import type { Store } from '../../store/store.js';
import { connectRedis } from '../../bus/redis-streams/redis-connection.js';
import { TenantQuotas } from '../../quota/tenant-quotas.js';
import { parseDefinition } from '../definition.js';
import type { WorkflowEvent } from '../../protocol/workflow.js';
import { BullMQWorkflowExecutor } from './bullmq-executor.js';
import { WorkflowWorker } from './workflow-worker.js';
import { EffectAgent, createEffectTable } from '../../../test/distributed/effect-agent.js';

const pg = storeBackends().find((b) => b.name === 'postgres')!;

const forkJoin = parseDefinition({
  name: 'fork-join',
  inputs: [{ name: 'n', type: 'integer', required: true }],
  steps: [
    { id: 'first', type: 'task', capability: 'test.effect', input: { tag: '=\'first-\' & $string(input.n)' }, idempotent: true, next: 'fan' },
    { id: 'fan', type: 'parallel', branches: ['b1', 'b2', 'b3'], next: 'flaky' },
    { id: 'b1', type: 'task', capability: 'test.effect', input: { tag: 'b1', ms: 20 }, idempotent: true },
    { id: 'b2', type: 'task', capability: 'test.effect', input: { tag: 'b2', ms: 5 }, idempotent: true },
    { id: 'b3', type: 'task', capability: 'test.effect', input: { tag: 'b3' }, idempotent: true },
    { id: 'flaky', type: 'task', capability: 'test.flaky', input: { fails: 2 }, retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 30 } }, next: 'last' },
    { id: 'last', type: 'task', capability: 'test.effect', input: { tag: '=\'last-\' & $string(steps.flaky.tries)' }, idempotent: true },
  ],
});

describe.skipIf(!!pgSkip || !!redisSkip)('BullMQ workflow executor (PostgreSQL + Redis, in-process workers)', () => {
  let store: Store;
  let cleanupStore: () => Promise<void>;
  let redis: Redis;
  let prefix: string;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    ({ store, cleanup: cleanupStore } = await pg.open());
    await createEffectTable(store);
    redis = await connectRedis(TEST_REDIS_URL);
    prefix = uniqueName('wf');
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await cleanupStore();
  });

  async function cluster(workers: number, opts: { quotas?: TenantQuotas; onEvent?: (e: WorkflowEvent) => void } = {}) {
    const executor = new BullMQWorkflowExecutor({ store, connection: redis, prefix, quotas: opts.quotas, pollMs: 20, onEvent: opts.onEvent });
    closers.push(() => executor.close());
    for (let i = 0; i < workers; i++) {
      const w = await WorkflowWorker.start({ store, connection: redis, prefix, agents: [new EffectAgent(store, `w${i}`)], concurrency: 4, quotas: opts.quotas, sweepMs: 0 });
      await w.ready();
      closers.push(() => w.close());
    }
    return executor;
  }

  it('runs a workflow with a fork/join and step retries across two workers, each effect once', async () => {
    const events: WorkflowEvent[] = [];
    const ex = await cluster(2, { onEvent: (e) => events.push(e) });
    const runIds = await Promise.all([1, 2, 3].map((n) => ex.start(forkJoin, { n })));
    const outcomes = await Promise.all(runIds.map((id) => ex.wait(id, { timeoutMs: 20_000 })));
    for (const o of outcomes) expect(o.status, JSON.stringify(o.error)).toBe('succeeded');
    expect(outcomes[0].output).toMatchObject({ tag: 'last-3' });
    const rows = await sql<{ tag: string; n: number }>`SELECT tag, COUNT(*) AS n FROM dist_effects GROUP BY tag ORDER BY tag`.execute(store.db);
    expect(rows.rows.map((r) => [r.tag, Number(r.n)])).toEqual([['b1', 3], ['b2', 3], ['b3', 3], ['first-1', 1], ['first-2', 1], ['first-3', 1], ['last-3', 3]]);
    const dup = await sql<{ idem: string }>`SELECT idem FROM dist_effects GROUP BY idem HAVING COUNT(*) > 1`.execute(store.db);
    expect(dup.rows).toEqual([]);
    // Any node can report status: the store has the run and its step history.
    const loaded = await ex.coordinator.wf.load(runIds[0]);
    expect(loaded.steps.find((s) => s.stepId === 'flaky')).toMatchObject({ status: 'succeeded', attempt: 3 });
    // Events committed by the workers reach the waiting node's listener, each once, in order.
    const mine = events.filter((e) => e.runId === runIds[0]).map((e) => e.type);
    expect(mine[0]).toBe('run.started');
    expect(mine.at(-1)).toBe('run.succeeded');
    expect(mine.filter((t) => t === 'step.retried')).toHaveLength(2);
  });

  it('holds a second run of a tenant at its max-runs quota until the first finishes', async () => {
    const quotas = new TenantQuotas(redis, `${prefix}:quota`);
    await quotas.setQuota('acme', { maxRuns: 1 });
    const ex = await cluster(1, { quotas });
    const slow = parseDefinition({ name: 'slow', steps: [{ id: 's', type: 'task', capability: 'test.effect', input: { tag: '=$runId', ms: 300 }, idempotent: true }] });
    const t0 = Date.now();
    const a = await ex.start(slow, {}, { tenant: 'acme' });
    expect((await quotas.usageOf('acme')).activeRuns).toBe(1);
    const b = await ex.start(slow, {}, { tenant: 'acme' }); // waits for a's slot
    expect((await ex.wait(a)).status).toBe('succeeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect((await ex.wait(b)).status).toBe('succeeded');
    expect((await quotas.usageOf('acme'))).toMatchObject({ activeRuns: 0, maxRuns: 1 });
  });

  it('throttles a tenant to its step rate across workers (over-rate steps wait as delayed jobs)', async () => {
    const quotas = new TenantQuotas(redis, `${prefix}:quota`);
    await quotas.setQuota('slow', { stepsPerSec: 8, burst: 1 });
    const ex = await cluster(2, { quotas });
    const branches = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
    const wide = parseDefinition({ name: 'wide', steps: [
      { id: 'fan', type: 'parallel', branches },
      ...branches.map((id) => ({ id, type: 'task' as const, capability: 'test.effect', input: { tag: id }, idempotent: true })),
    ] });
    const t0 = Date.now();
    const fast = await ex.start(wide, {}, { tenant: 'quick' }); // another tenant is not held back
    expect((await ex.wait(fast)).status).toBe('succeeded');
    const quickMs = Date.now() - t0;
    const t1 = Date.now();
    const slow = await ex.start(wide, {}, { tenant: 'slow' });
    expect((await ex.wait(slow)).status).toBe('succeeded');
    // 8 steps at 8/s with a burst of 1: the last may start ~875 ms after the first.
    expect(Date.now() - t1).toBeGreaterThanOrEqual(800);
    expect(quickMs).toBeLessThan(Date.now() - t1);
    expect((await quotas.usageOf('slow')).stepsThrottled).toBeGreaterThan(0);
  });

  it('cancels a run from any node; in-flight attempts are dropped', async () => {
    const ex = await cluster(1);
    const def = parseDefinition({ name: 'long', steps: [
      { id: 'a', type: 'task', capability: 'test.effect', input: { tag: 'a', ms: 200 }, idempotent: true, next: 'b' },
      { id: 'b', type: 'task', capability: 'test.effect', input: { tag: 'b' }, idempotent: true },
    ] });
    const id = await ex.start(def, {});
    await new Promise((r) => setTimeout(r, 50));
    await ex.cancel(id, 'test');
    expect((await ex.wait(id)).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 400));
    const rows = await sql<{ tag: string }>`SELECT tag FROM dist_effects`.execute(store.db);
    expect(rows.rows.map((r) => r.tag)).not.toContain('b');
  });
});
