/**
 * Redis lost mid-run: a private redis-server (AOF on, so a restart keeps its data, as
 * docs/several-machines.md advises) is SIGKILLed while messages flow and started again; the bus
 * reconnects with backoff and every message is delivered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { RedisStreamsBus } from './redis-streams-bus.js';
import { tempDir, uniqueName } from '../../testing/services.js';
import { freePort, hasRedisServer, killRedis, startRedis } from '../../../test/distributed/private-redis.js';

// redis-server is a Debian package that .ci/run installs; only a machine without it skips.
describe.skipIf(!hasRedisServer)('RedisStreamsBus across a Redis outage', () => {
  const dir = tempDir('nova-redis-');
  let server: ChildProcess | undefined;
  afterAll(() => { server?.kill('SIGKILL'); dir.cleanup(); });

  it('reconnects with backoff and loses no message', async () => {
    const port = await freePort();
    server = await startRedis(port, dir.path);
    const url = `redis://127.0.0.1:${port}`;
    const bus = await RedisStreamsBus.open({ url, prefix: uniqueName('out'), blockMs: 200, claimIdleMs: 1000, log: () => {} });
    const got = new Set<number>();
    await bus.consume('survivor', (m) => { got.add(Number(m.content.i)); });
    const send = (i: number) => bus.send({ message_id: `m${i}`, timestamp: new Date().toISOString(), from_agent: 't', to_agent: 'survivor', message_type: 'n', content: { i } });
    for (let i = 0; i < 20; i++) await send(i);
    await killRedis(server);
    // Sent while Redis is down: queued by the client, written once the connection is back.
    const during = Promise.all(Array.from({ length: 10 }, (_, k) => send(20 + k)));
    await new Promise((r) => setTimeout(r, 500));
    server = await startRedis(port, dir.path);
    await during;
    for (let i = 30; i < 40; i++) await send(i);
    await bus.drain();
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await bus.close();
  }, 30_000);
});
