/**
 * Redis lost mid-run under the BullMQ executor: a private redis-server (AOF on) is SIGKILLed while
 * workflows run and started again a second later; the workers reconnect with backoff and every
 * run completes with every effect exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { pgSkip, storeBackends, tempDir, uniqueName } from '../../testing/services.js';
import { connectRedis } from '../../bus/redis-streams/redis-connection.js';
import { parseDefinition } from '../definition.js';
import { BullMQWorkflowExecutor } from './bullmq-executor.js';
import { WorkflowWorker } from './workflow-worker.js';
import { EffectAgent, createEffectTable } from '../../../test/distributed/effect-agent.js';
import { freePort, hasRedisServer, killRedis, startRedis } from '../../../test/distributed/private-redis.js';

const pg = storeBackends().find((b) => b.name === 'postgres')!;
const chain = parseDefinition({
  name: 'outage',
  inputs: [{ name: 'i', type: 'integer', required: true }],
  steps: ['a', 'b', 'c'].map((id, k, all) => ({ id, type: 'task' as const, capability: 'test.effect', input: { tag: id, ms: 150 }, idempotent: true, ...(k + 1 < all.length ? { next: all[k + 1] } : {}) })),
});

describe.skipIf(!hasRedisServer || !!pgSkip)('BullMQ executor across a Redis outage', () => {
  const dir = tempDir('nova-redis-wf-');
  let server: ChildProcess | undefined;
  afterAll(() => { server?.kill('SIGKILL'); dir.cleanup(); });

  it('finishes every run, each effect once, after Redis is killed and restarted mid-run', async () => {
    const port = await freePort();
    server = await startRedis(port, dir.path);
    const url = `redis://127.0.0.1:${port}`;
    const { store, cleanup } = await pg.open();
    const logs: string[] = [];
    const redis = await connectRedis(url, { log: (l) => logs.push(l) });
    const prefix = uniqueName('out');
    const workers: WorkflowWorker[] = [];
    const executor = new BullMQWorkflowExecutor({ store, connection: redis, prefix, pollMs: 50 });
    try {
      await createEffectTable(store);
      for (let i = 0; i < 2; i++) {
        const w = await WorkflowWorker.start({ store, connection: redis, prefix, agents: [new EffectAgent(store, `w${i}`)], concurrency: 3, lockMs: 2000, sweepMs: 0, log: (l) => logs.push(l) });
        await w.ready();
        workers.push(w);
      }
      const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => executor.start(chain, { i })));
      for (let i = 0; i < 200; i++) {
        const n = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM dist_effects`.execute(store.db);
        if (Number(n.rows[0].n) >= 6) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await killRedis(server);
      await new Promise((r) => setTimeout(r, 1000));
      server = await startRedis(port, dir.path);
      const outcomes = await Promise.all(ids.map((id) => executor.wait(id, { timeoutMs: 45_000 })));
      expect(outcomes.filter((o) => o.status !== 'succeeded')).toEqual([]);
      const perKey = await sql<{ idem: string; n: number }>`SELECT idem, COUNT(*) AS n FROM dist_effects GROUP BY idem`.execute(store.db);
      expect(perKey.rows).toHaveLength(30);
      expect(perKey.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      expect(logs.join('\n')).toMatch(/reconnecting|ECONNREFUSED|Connection is closed/);
    } finally {
      await executor.close();
      for (const w of workers) await w.close();
      await redis.quit().catch(() => redis.disconnect());
      await cleanup();
    }
  }, 60_000);
});
