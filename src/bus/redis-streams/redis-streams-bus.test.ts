import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStreamsBus, type RedisStreamsBusOptions } from './redis-streams-bus.js';
import { StreamKeys } from './scripts.js';
import { connectRedis } from './redis-connection.js';
import { TEST_REDIS_URL, redisSkip, uniqueName } from '../../testing/services.js';
import type { Message, MessageInput } from '../../protocol/message.js';
import { NovaError } from '../../errors.js';

const quiet = () => {};
const msg = (to: string, extra: Partial<MessageInput> = {}): MessageInput => ({
  message_id: `m-${Math.random().toString(36).slice(2)}`,
  timestamp: new Date().toISOString(),
  from_agent: 'tester',
  to_agent: to,
  message_type: 'ping',
  content: {},
  ...extra,
});

describe.skipIf(!!redisSkip)('RedisStreamsBus', () => {
  const opened: RedisStreamsBus[] = [];
  const prefixes: string[] = [];
  async function bus(o: Partial<RedisStreamsBusOptions> = {}, prefix = uniqueName('bus')): Promise<RedisStreamsBus> {
    prefixes.push(prefix);
    const b = await RedisStreamsBus.open({ url: TEST_REDIS_URL, prefix, retry: { baseDelayMs: 10, maxDelayMs: 50 }, blockMs: 200, log: quiet, ...o });
    opened.push(b);
    return b;
  }
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
    const r = new Redis(TEST_REDIS_URL);
    for (const p of prefixes.splice(0)) {
      const keys = await r.keys(`${p}:*`);
      if (keys.length) await r.del(...keys);
    }
    await r.quit();
  });

  it('delivers direct messages, validated, with the attempt number', async () => {
    const b = await bus();
    const got: Message[] = [];
    await b.consume('worker-a', (m) => { got.push(m); });
    await b.send(msg('worker-a', { content: { n: 1 } }));
    await b.drain();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ to_agent: 'worker-a', content: { n: 1 }, attempt: 1, priority: 'normal' });
    await expect(b.send({ ...msg('worker-a'), priority: 'urgent' } as unknown as MessageInput)).rejects.toThrow(/priority/);
    await expect(b.send(msg('has space'))).rejects.toThrow(/to_agent/);
  });

  it('delivers critical before low when both are waiting', async () => {
    const b = await bus();
    for (let i = 0; i < 3; i++) await b.send(msg('prio', { priority: 'low', content: { i } }));
    await b.send(msg('prio', { priority: 'critical', content: { i: 'c' } }));
    const order: unknown[] = [];
    await b.consume('prio', (m) => { order.push(m.content.i); });
    await b.drain();
    expect(order[0]).toBe('c');
    expect(order).toHaveLength(4);
  });

  it('fans a topic out to every subscriber; unsubscribe stops delivery', async () => {
    const b = await bus();
    const a: Message[] = [];
    const c: Message[] = [];
    const sa = await b.subscribe('events', (m) => { a.push(m); });
    await b.subscribe('events', (m) => { c.push(m); });
    await b.publish('events', msg('x'));
    await b.drain();
    expect(a).toHaveLength(1);
    expect(c).toHaveLength(1);
    await sa.unsubscribe();
    await b.publish('events', msg('x'));
    await b.drain();
    expect(a).toHaveLength(1);
    expect(c).toHaveLength(2);
  });

  it('retries with backoff and dead-letters after maxAttempts', async () => {
    const b = await bus({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 } });
    const attempts: number[] = [];
    await b.consume('flaky', (m) => {
      attempts.push(m.attempt ?? 0);
      if (m.content.ok !== true || (m.attempt ?? 0) < 2) throw new Error(`boom ${m.attempt}`);
    });
    await b.send(msg('flaky', { content: { ok: true } }));
    await b.send(msg('flaky', { content: { ok: false } }));
    await b.drain();
    expect(attempts.sort()).toEqual([1, 1, 2, 2, 3]);
    const dead = await b.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ error: 'boom 3', attempts: 3, message: { content: { ok: false } } });
  });

  it('redelivers a message whose consumer died (XAUTOCLAIM after the idle timeout)', async () => {
    const prefix = uniqueName('bus');
    const b = await bus({ claimIdleMs: 300 }, prefix);
    const keys = new StreamKeys(prefix);
    // A consumer that reads the message and then "dies": it never acknowledges.
    const raw = new Redis(TEST_REDIS_URL);
    await b.send(msg('orphan', { content: { v: 42 } }));
    const stream = keys.agent('orphan', 'normal');
    await raw.call('XGROUP', 'CREATE', stream, 'agents', '0', 'MKSTREAM');
    const read = (await raw.call('XREADGROUP', 'GROUP', 'agents', 'dead-consumer', 'COUNT', 1, 'STREAMS', stream, '>')) as unknown[];
    expect(read).toHaveLength(1);
    await raw.quit();
    const got: Message[] = [];
    const t0 = Date.now();
    await b.consume('orphan', (m) => { got.push(m); });
    await b.drain();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ content: { v: 42 }, attempt: 2 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('competing consumers in two bus instances share the work, each message once', async () => {
    const prefix = uniqueName('bus');
    const b1 = await bus({}, prefix);
    const b2 = await bus({}, prefix);
    const seen: string[] = [];
    await b1.consume('shared', async (m) => { seen.push(`1:${m.content.i}`); await new Promise((r) => setTimeout(r, 5)); });
    await b2.consume('shared', async (m) => { seen.push(`2:${m.content.i}`); await new Promise((r) => setTimeout(r, 5)); });
    for (let i = 0; i < 40; i++) await b1.send(msg('shared', { content: { i } }));
    await b1.drain();
    const ids = seen.map((s) => s.split(':')[1]).sort((a, c) => Number(a) - Number(c));
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    expect(seen.some((s) => s.startsWith('1:'))).toBe(true);
    expect(seen.some((s) => s.startsWith('2:'))).toBe(true);
  });

  it('request/response across instances, and TIMEOUT when nobody replies', async () => {
    const prefix = uniqueName('bus');
    const server = await bus({}, prefix);
    const client = await bus({}, prefix);
    await server.consume('calc', async (m) => { await server.reply(m, { message_id: `r-${m.message_id}`, timestamp: new Date().toISOString(), from_agent: 'calc', message_type: 'sum', content: { sum: Number(m.content.a) + Number(m.content.b) } }); });
    const r = await client.request(msg('calc', { from_agent: 'client', content: { a: 2, b: 3 } }), { timeoutMs: 5000 });
    expect(r.content).toEqual({ sum: 5 });
    const err = await client.request(msg('nobody', { from_agent: 'client' }), { timeoutMs: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect(err.code).toBe('TIMEOUT');
  });

  it('dead-letters an entry that fails validation on receive', async () => {
    const prefix = uniqueName('bus');
    const b = await bus({}, prefix);
    const raw = new Redis(TEST_REDIS_URL);
    await raw.call('XADD', new StreamKeys(prefix).agent('strict', 'normal'), '*', 'm', JSON.stringify({ message_id: 'x', to_agent: 'strict' }), 'a', '1');
    await raw.quit();
    const got: Message[] = [];
    await b.consume('strict', (m) => { got.push(m); });
    const r = new Redis(TEST_REDIS_URL);
    for (let i = 0; i < 50 && (await r.xlen(new StreamKeys(prefix).dead)) === 0; i++) await new Promise((res) => setTimeout(res, 20));
    const [[, fields]] = (await r.call('XRANGE', new StreamKeys(prefix).dead, '-', '+')) as [string, string[]][];
    await r.quit();
    expect(fields[fields.indexOf('e') + 1]).toMatch(/invalid message received: .*from_agent/);
    expect(got).toHaveLength(0);
  });

  it('fails fast with UNAVAILABLE when Redis cannot be reached', async () => {
    const err = await connectRedis('redis://127.0.0.1:1', { connectTimeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/127\.0\.0\.1:1/);
    expect(err.hint).toMatch(/redis-server/);
  });
});
