/**
 * PostgreSQL lost mid-run under the BullMQ executor. The workers reach PostgreSQL through a TCP
 * relay that this test cuts (every connection dropped, new ones refused) and restores 1.5 s later —
 * the shared server itself is never touched. Jobs whose database work failed are retried by BullMQ
 * with backoff; every run completes and every effect exists exactly once (a commit whose
 * acknowledgement was lost is found by its idempotency key on the retry).
 */
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { TEST_PG_URL, TEST_REDIS_URL, pgSkip, redisSkip, uniqueName } from '../../testing/services.js';
import { openStore } from '../../store/store.js';
import { dropPostgresSchema } from '../../store/dialect/postgres/postgres-dialect.js';
import { connectRedis } from '../../bus/redis-streams/redis-connection.js';
import { parseDefinition } from '../definition.js';
import { BullMQWorkflowExecutor } from './bullmq-executor.js';
import { WorkflowWorker } from './workflow-worker.js';
import { EffectAgent, createEffectTable } from '../../../test/distributed/effect-agent.js';

/** A TCP relay to PostgreSQL that can be cut and restored on the same port. */
class Relay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  constructor(private readonly target: { host: string; port: number }, readonly port = 0) {}

  async open(): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    (this as { port: number }).port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((r) => this.server!.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

const chain = parseDefinition({
  name: 'pg-outage',
  inputs: [{ name: 'i', type: 'integer', required: true }],
  steps: ['a', 'b', 'c'].map((id, k, all) => ({ id, type: 'task' as const, capability: 'test.effect', input: { tag: id, ms: 150 }, idempotent: true, ...(k + 1 < all.length ? { next: all[k + 1] } : {}) })),
});

describe.skipIf(!!pgSkip || !!redisSkip)('BullMQ executor across a PostgreSQL outage', () => {
  const schema = uniqueName('pgout').toLowerCase();
  const prefix = uniqueName('pgoutq');
  afterAll(async () => {
    const r = new Redis(TEST_REDIS_URL);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
    await dropPostgresSchema(TEST_PG_URL, schema);
  });

  it('finishes every run, each effect once, after the database connection is cut and restored', async () => {
    const pgUrl = new URL(TEST_PG_URL);
    const relay = new Relay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    const relayPort = await relay.open();
    const viaRelay = new URL(TEST_PG_URL);
    viaRelay.port = String(relayPort);
    const direct = await openStore({ databaseUrl: TEST_PG_URL, pgSchema: schema });
    await createEffectTable(direct);
    const workerStore = await openStore({ databaseUrl: viaRelay.toString(), pgSchema: schema });
    const redis = await connectRedis(TEST_REDIS_URL);
    const executor = new BullMQWorkflowExecutor({ store: direct, connection: redis, prefix, pollMs: 50 });
    const workers: WorkflowWorker[] = [];
    const logs: string[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const w = await WorkflowWorker.start({ store: workerStore, connection: redis, prefix, agents: [new EffectAgent(workerStore, `w${i}`)], concurrency: 3, lockMs: 3000, sweepMs: 0, log: (l) => logs.push(l) });
        await w.ready();
        workers.push(w);
      }
      const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => executor.start(chain, { i })));
      for (let i = 0; i < 200; i++) {
        const n = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM dist_effects`.execute(direct.db);
        if (Number(n.rows[0].n) >= 6) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await relay.cut();
      await new Promise((r) => setTimeout(r, 1500));
      await relay.open();
      const outcomes = await Promise.all(ids.map((id) => executor.wait(id, { timeoutMs: 45_000 })));
      expect(outcomes.filter((o) => o.status !== 'succeeded')).toEqual([]);
      const perKey = await sql<{ idem: string; n: number }>`SELECT idem, COUNT(*) AS n FROM dist_effects GROUP BY idem`.execute(direct.db);
      expect(perKey.rows).toHaveLength(30);
      expect(perKey.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      expect(logs.join('\n')).toMatch(/failed \(attempt \d+\)/); // the outage was felt, and retried
    } finally {
      await executor.close();
      for (const w of workers) await w.close();
      await redis.quit();
      await workerStore.close();
      await direct.close();
      await relay.cut().catch(() => {});
    }
  }, 60_000);
});
