import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStreamsBus } from './redis-streams-bus.js';
import { TEST_REDIS_URL, redisSkip, storeBackends, uniqueName } from '../../testing/services.js';
import type { Store } from '../../store/store.js';

const quiet = () => {};

/**
 * The Redis Streams bus logs to the store like the in-process bus, with the sender and the
 * consumer in different processes (two bus instances here, each with its own connections; one
 * store as a deployment shares one PostgreSQL).
 */
for (const b of storeBackends()) {
  describe.skipIf(!!redisSkip || !!b.skip)(`Redis Streams bus communication log (${b.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const prefix = uniqueName('buslog');
    beforeAll(async () => { ({ store, cleanup } = await b.open()); });
    afterAll(async () => {
      await cleanup();
      const r = new Redis(TEST_REDIS_URL);
      const keys = await r.keys(`${prefix}:*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    });

    const rows = async () => Object.fromEntries((await store.db.selectFrom('messages').select(['message_id', 'status', 'attempts', 'error', 'parent_message_id', 'body']).execute())
      .map((r) => [r.message_id, r]));

    it('records each message once with its final status: requests, replies, retries and dead letters', async () => {
      const open = () => RedisStreamsBus.open({ url: TEST_REDIS_URL, prefix, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 }, blockMs: 200, log: quiet, store });
      const sender = await open();
      const consumer = await open();
      let replyId = '';
      try {
        await consumer.consume('worker', async (m) => {
          if (m.content.fail) throw new Error('asked to fail');
          if (m.content.flaky && m.attempt === 1) throw new Error('first attempt fails');
          if (m.requires_response) await consumer.reply(m, { message_id: `reply-${m.message_id}`, timestamp: new Date().toISOString(), from_agent: 'worker', message_type: 'pong', content: { n: m.content.n } });
        });
        const reply = await sender.request({ message_id: 'req-1', timestamp: new Date().toISOString(), from_agent: 'caller', to_agent: 'worker', message_type: 'ping', content: { n: 7 } }, { timeoutMs: 10_000 });
        expect(reply.content).toEqual({ n: 7 });
        replyId = reply.message_id;
        await sender.send({ message_id: 'flaky-1', timestamp: new Date().toISOString(), from_agent: 'caller', to_agent: 'worker', message_type: 'ping', content: { flaky: true } });
        await sender.send({ message_id: 'doomed-1', timestamp: new Date().toISOString(), from_agent: 'caller', to_agent: 'worker', message_type: 'ping', content: { fail: true } });
        await sender.drain();
      } finally {
        // Closing flushes each instance's write-behind log; the order of the two does not matter.
        await sender.close();
        await consumer.close();
      }
      const r = await rows();
      expect(r['req-1']).toMatchObject({ status: 'acked', attempts: 1, error: null });
      expect(JSON.parse(r['req-1'].body)).toMatchObject({ message_id: 'req-1', content: { n: 7 } });
      expect(r[replyId]).toMatchObject({ status: 'acked', parent_message_id: 'req-1' });
      expect(r['flaky-1']).toMatchObject({ status: 'acked', attempts: 2 });
      expect(r['doomed-1']).toMatchObject({ status: 'dead', attempts: 2, error: 'asked to fail' });
    });
  });
}
