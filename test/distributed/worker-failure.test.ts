/**
 * Node failure: three `nova worker` processes on one Redis and one PostgreSQL schema take 50
 * workflows (steps that sleep and record their effect under their idempotency key); one worker is
 * SIGKILLed mid-run. Every run must complete and every effect exist exactly once. The other two
 * are stopped with SIGTERM and must exit cleanly (graceful shutdown).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import { TEST_PG_URL, TEST_REDIS_URL, pgSkip, redisSkip, tempDir, uniqueName } from '../../src/testing/services.js';
import { openStore, type Store } from '../../src/store/store.js';
import { dropPostgresSchema } from '../../src/store/dialect/postgres/postgres-dialect.js';
import { connectRedis } from '../../src/bus/redis-streams/redis-connection.js';
import { parseDefinition } from '../../src/workflow/definition.js';
import { BullMQWorkflowExecutor } from '../../src/workflow/bullmq/bullmq-executor.js';
import { createEffectTable } from './effect-agent.js';
import { startWorker, workerEnv, type WorkerProc } from './worker-procs.js';

const RUNS = 50;
const STEPS_PER_RUN = 4;

const definition = parseDefinition({
  name: 'failure-test',
  inputs: [{ name: 'i', type: 'integer', required: true }],
  steps: [
    { id: 'a', type: 'task', capability: 'test.effect', input: { tag: 'a', ms: 150 }, idempotent: true, next: 'fork' },
    { id: 'fork', type: 'parallel', branches: ['b1', 'b2'], next: 'c' },
    { id: 'b1', type: 'task', capability: 'test.effect', input: { tag: 'b1', ms: 150 }, idempotent: true },
    { id: 'b2', type: 'task', capability: 'test.effect', input: { tag: 'b2', ms: 150 }, idempotent: true },
    { id: 'c', type: 'task', capability: 'test.effect', input: { tag: 'c', ms: 150 }, idempotent: true },
  ],
});

describe.skipIf(!!pgSkip || !!redisSkip)('three workers, one SIGKILLed mid-run', () => {
  const schema = uniqueName('dist').toLowerCase();
  const prefix = uniqueName('distq');
  const home = tempDir('nova-dist-');
  let store: Store;
  let redis: Redis;
  const workers: WorkerProc[] = [];

  beforeAll(async () => {
    store = await openStore({ databaseUrl: TEST_PG_URL, pgSchema: schema });
    await createEffectTable(store);
    redis = await connectRedis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    for (const w of workers) w.proc.kill('SIGKILL');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await store.close();
    await dropPostgresSchema(TEST_PG_URL, schema);
    home.cleanup();
  });

  it('completes all 50 runs with every effect exactly once', async () => {
    const env = workerEnv(schema, home.path);
    workers.push(...(await Promise.all([0, 1, 2].map(() => startWorker(env, prefix)))));

    const executor = new BullMQWorkflowExecutor({ store, connection: redis, prefix, pollMs: 100 });
    const runIds = await Promise.all(Array.from({ length: RUNS }, (_, i) => executor.start(definition, { i })));

    // Kill the first worker once it has done real work and the runs are well under way.
    const victim = workers[0];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await sql<{ total: number; mine: number }>`SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE worker = ${'pid-' + victim.proc.pid}) AS mine FROM dist_effects`.execute(store.db);
      const { total, mine } = r.rows[0];
      if (Number(mine) >= 5 && Number(total) >= (RUNS * STEPS_PER_RUN) / 3) break;
      if (Date.now() > deadline) throw new Error(`no progress: ${total} effects, ${mine} by the victim`);
      await new Promise((res) => setTimeout(res, 50));
    }
    // Steps the victim holds right now are the ones that must be recovered.
    const active = await redis.keys(`${prefix}:cap.test.effect:*:lock`);
    victim.proc.kill('SIGKILL');
    expect(await victim.exited).toBeNull();
    const killedAt = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM dist_effects`.execute(store.db);
    expect(Number(killedAt.rows[0].n)).toBeLessThan(RUNS * STEPS_PER_RUN);
    expect(active.length).toBeGreaterThan(0);

    const outcomes = await Promise.all(runIds.map((id) => executor.wait(id, { timeoutMs: 60_000 })));
    expect(outcomes.filter((o) => o.status !== 'succeeded').map((o) => o.error)).toEqual([]);

    const perKey = await sql<{ idem: string; n: number }>`SELECT idem, COUNT(*) AS n FROM dist_effects GROUP BY idem`.execute(store.db);
    expect(perKey.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    expect(perKey.rows).toHaveLength(RUNS * STEPS_PER_RUN);
    const perRun = new Map<string, number>();
    for (const r of perKey.rows) perRun.set(r.idem.split(':')[0], (perRun.get(r.idem.split(':')[0]) ?? 0) + 1);
    expect([...perRun.keys()].sort()).toEqual([...runIds].sort());
    expect([...perRun.values()].every((n) => n === STEPS_PER_RUN)).toBe(true);
    // Steps the victim had started when it died were finished by the survivors (stalled-job recovery).
    const recovered: string[] = [];
    for (const k of await redis.keys(`${prefix}:started:*`)) {
      if ((await redis.get(k)) !== victim.name) continue;
      const [runId, stepKey] = k.slice(`${prefix}:started:`.length).split('|');
      const row = await sql<{ worker: string }>`SELECT worker FROM dist_effects WHERE idem = ${`${runId}:${stepKey}`}`.execute(store.db);
      if (row.rows[0]?.worker !== `pid-${victim.proc.pid}`) recovered.push(stepKey);
    }
    expect(recovered.length).toBeGreaterThan(0);
    // The survivors did the rest of the work.
    const byWorker = await sql<{ worker: string; n: number }>`SELECT worker, COUNT(*) AS n FROM dist_effects GROUP BY worker`.execute(store.db);
    expect(byWorker.rows.length).toBe(3);

    await executor.close();
    for (const w of workers.slice(1)) w.proc.kill('SIGTERM');
    expect(await Promise.all(workers.slice(1).map((w) => w.exited))).toEqual([0, 0]);
  }, 90_000);
});
