import { describe } from 'vitest';
import { Redis } from 'ioredis';
import { runBusContract, CONTRACT_RETRY_POLICY } from '../bus.contract.js';
import { RedisStreamsBus } from './redis-streams-bus.js';
import { TEST_REDIS_URL, redisSkip, uniqueName } from '../../testing/services.js';

describe.skipIf(!!redisSkip)('Redis Streams bus', () => {
  runBusContract('redis-streams', async () => {
    const prefix = uniqueName('contract');
    const bus = await RedisStreamsBus.open({ url: TEST_REDIS_URL, prefix, retry: CONTRACT_RETRY_POLICY, blockMs: 200, log: () => {} });
    return {
      bus,
      async cleanup() {
        const r = new Redis(TEST_REDIS_URL);
        const keys = await r.keys(`${prefix}:*`);
        if (keys.length) await r.del(...keys);
        await r.quit();
      },
    };
  });
});
