import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { NovaError } from '../../errors.js';
import { redisSkip, storeBackends, TEST_REDIS_URL, uniqueName } from '../../testing/services.js';
import { createKeyValueStore } from './create-kv.js';
import { kvContract } from './kv.contract.js';
import { connectRedis, RedisKeyValueStore } from './redis-kv.js';
import { SqlKeyValueStore } from './sql-kv.js';

for (const b of storeBackends()) {
  kvContract({
    name: b.name,
    skip: b.skip,
    async setup() {
      const { store, cleanup } = await b.open();
      return { make: async (ns) => new SqlKeyValueStore(store, ns), cleanup };
    },
  });
}

kvContract({
  name: 'redis',
  skip: redisSkip,
  async setup() {
    // A unique prefix per run keeps this suite's keys apart from anything else on the server.
    const run = uniqueName('kvtest');
    return { make: async (ns) => RedisKeyValueStore.connect(TEST_REDIS_URL, `${run}.${ns}`), cleanup: async () => {} };
  },
});

for (const b of storeBackends()) {
  describe.skipIf(!!b.skip)(`SQL key-value expiry housekeeping on ${b.name}`, () => {
    it('purges expired rows lazily on read and in a sweep, leaving live rows alone', async () => {
      const { store, cleanup } = await b.open();
      const kv = new SqlKeyValueStore(store, 'house', { purgeIntervalMs: 0 });
      const rows = () => store.db.selectFrom('kv').select('key').where('namespace', '=', 'house').orderBy('key').execute();
      try {
        await kv.set('a', 1, { ttlMs: 30 });
        await kv.set('b', 1, { ttlMs: 30 });
        await kv.set('live', 1);
        await new Promise((r) => setTimeout(r, 60));
        expect((await rows()).map((r) => r.key)).toEqual(['a', 'b', 'live']); // invisible but still stored
        expect(await kv.get('a')).toBeUndefined();
        expect((await rows()).map((r) => r.key)).toEqual(['b', 'live']);
        expect(await kv.purgeExpired()).toBe(1);
        expect((await rows()).map((r) => r.key)).toEqual(['live']);
      } finally {
        await kv.close();
        await cleanup();
      }
    });
  });
}

describe('Redis connection failures', () => {
  it('fails fast with UNAVAILABLE, the redacted URL and a hint when nothing listens', async () => {
    const started = Date.now();
    const e = await connectRedis('redis://:secret@127.0.0.1:1/0').then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(NovaError);
    expect((e as NovaError).code).toBe('UNAVAILABLE');
    expect((e as NovaError).message).toMatch(/cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: .*ECONNREFUSED/);
    expect((e as NovaError).message).not.toContain('secret');
    expect((e as NovaError).hint).toMatch(/NOVA_REDIS_URL/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives up within the connect timeout when the server accepts but never answers', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const e = await connectRedis(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 400 }).then(() => undefined, (err: unknown) => err);
      expect((e as NovaError).code).toBe('UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('createKeyValueStore', () => {
  it('uses the SQL store without redisUrl', async () => {
    const { store, cleanup } = await storeBackends()[0].open();
    try {
      const kv = await createKeyValueStore({}, store, 'pick');
      expect(kv.backend).toBe('sql');
      await kv.close();
    } finally {
      await cleanup();
    }
  });

  it.skipIf(!!redisSkip)('uses Redis when redisUrl is set', async () => {
    const { store, cleanup } = await storeBackends()[0].open();
    try {
      const kv = await createKeyValueStore({ redisUrl: TEST_REDIS_URL }, store, uniqueName('pick'));
      expect(kv.backend).toBe('redis');
      await kv.set('x', 1);
      expect(await kv.get('x')).toBe(1);
      expect(await store.db.selectFrom('kv').selectAll().execute()).toEqual([]);
      await kv.clear();
      await kv.close();
    } finally {
      await cleanup();
    }
  });
});
