/**
 * The behaviour every MessageBus must show, as a vitest suite. Transport-neutral: it uses only the
 * MessageBus interface and waits (bounded polling) for asynchronous delivery, so the in-process bus
 * and the Redis Streams bus run the same checks.
 *
 * The factory must build a fresh, isolated bus whose retry policy is CONTRACT_RETRY_POLICY (the
 * retry and dead-letter tests count attempts against it).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MessageBus, RetryPolicy } from './bus.js';
import type { Message, MessageInput } from '../protocol/message.js';
import { NovaError } from '../errors.js';

export const CONTRACT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

export type BusFactory = () => Promise<{ bus: MessageBus; cleanup(): Promise<void> }>;

let counter = 0;
/** A unique, valid identifier (agent ids, topics) so suites sharing a transport never collide. */
export function contractId(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}-${++counter}`;
}

export function contractMessage(overrides: Partial<MessageInput> & { to_agent: string }): MessageInput {
  return {
    message_id: contractId('m'),
    timestamp: new Date().toISOString(),
    from_agent: 'contract-sender',
    message_type: 'contract.test',
    content: {},
    ...overrides,
  };
}

/** Poll until `cond` holds; fail with `what` after timeoutMs. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runBusContract(name: string, factory: BusFactory): void {
  describe(`MessageBus contract: ${name}`, () => {
    async function withBus(fn: (bus: MessageBus) => Promise<void>): Promise<void> {
      const { bus, cleanup } = await factory();
      try {
        await fn(bus);
      } finally {
        await bus.close();
        await cleanup();
      }
    }

    it('delivers direct messages to the consumer of the target agent, validated and with attempt 1', () => withBus(async (bus) => {
      const agent = contractId('agent');
      const got: Message[] = [];
      await bus.consume(agent, (m) => { got.push(m); });
      const sent = await bus.send(contractMessage({ to_agent: agent, content: { n: 1, nested: { a: [1, 2] } } }));
      expect(sent.priority).toBe('normal'); // defaults filled in by validation
      expect(sent.requires_response).toBe(false);
      await waitFor(() => got.length === 1, 'the direct message');
      expect(got[0].message_id).toBe(sent.message_id);
      expect(got[0].content).toEqual({ n: 1, nested: { a: [1, 2] } });
      expect(got[0].attempt).toBe(1);
      expect(got[0].to_agent).toBe(agent);
    }));

    it('holds messages for an agent without a consumer until one consumes', () => withBus(async (bus) => {
      const agent = contractId('late');
      await bus.send(contractMessage({ to_agent: agent, content: { i: 1 } }));
      await bus.send(contractMessage({ to_agent: agent, content: { i: 2 } }));
      await sleep(30);
      const got: number[] = [];
      await bus.consume(agent, (m) => { got.push(m.content.i as number); });
      await waitFor(() => got.length === 2, 'the held messages');
      expect(got).toEqual([1, 2]);
    }));

    it('publishes a topic message to every subscriber, by publish() and by send() to topic:<name>', () => withBus(async (bus) => {
      const topic = contractId('news');
      const a: string[] = [];
      const b: string[] = [];
      await bus.subscribe(topic, (m) => { a.push(m.message_id); });
      await bus.subscribe(topic, (m) => { b.push(m.message_id); });
      const { to_agent: _ignored, ...rest } = contractMessage({ to_agent: 'x' });
      const p = await bus.publish(topic, rest);
      expect(p.to_agent).toBe(`topic:${topic}`);
      const s = await bus.send(contractMessage({ to_agent: `topic:${topic}` }));
      await waitFor(() => a.length === 2 && b.length === 2, 'both subscribers to get both messages');
      expect(a.sort()).toEqual([p.message_id, s.message_id].sort());
      expect(b.sort()).toEqual([p.message_id, s.message_id].sort());
    }));

    it('stops delivering to a subscription or consumer after unsubscribe', () => withBus(async (bus) => {
      const topic = contractId('t');
      const a: number[] = [];
      const b: number[] = [];
      const subA = await bus.subscribe(topic, (m) => { a.push(m.content.i as number); });
      await bus.subscribe(topic, (m) => { b.push(m.content.i as number); });
      const { to_agent: _x, ...one } = contractMessage({ to_agent: 'x', content: { i: 1 } });
      await bus.publish(topic, one);
      await waitFor(() => a.length === 1 && b.length === 1, 'the first topic message');
      await subA.unsubscribe();
      const { to_agent: _y, ...two } = contractMessage({ to_agent: 'x', content: { i: 2 } });
      await bus.publish(topic, two);
      await waitFor(() => b.length === 2, 'the second topic message at the remaining subscriber');
      await sleep(50);
      expect(a).toEqual([1]);

      const agent = contractId('c');
      const got: number[] = [];
      const sub = await bus.consume(agent, (m) => { got.push(m.content.i as number); });
      await bus.send(contractMessage({ to_agent: agent, content: { i: 1 } }));
      await waitFor(() => got.length === 1, 'the direct message before unsubscribe');
      await sub.unsubscribe();
      await bus.send(contractMessage({ to_agent: agent, content: { i: 2 } }));
      await sleep(50);
      expect(got).toEqual([1]);
    }));

    it('correlates a reply with its request by parent_message_id', () => withBus(async (bus) => {
      const agent = contractId('responder');
      await bus.consume(agent, async (m) => {
        if (!m.requires_response) return;
        await bus.reply(m, { message_id: contractId('r'), timestamp: new Date().toISOString(), from_agent: agent, message_type: 'contract.reply', content: { echo: m.content.q } });
      });
      const req = contractMessage({ to_agent: agent, content: { q: 'ping' } });
      const [r1, r2] = await Promise.all([
        bus.request(req, { timeoutMs: 5000 }),
        bus.request(contractMessage({ to_agent: agent, content: { q: 'pong' } }), { timeoutMs: 5000 }),
      ]);
      expect(r1.parent_message_id).toBe(req.message_id);
      expect(r1.content).toEqual({ echo: 'ping' });
      expect(r1.to_agent).toBe('contract-sender');
      expect(r2.content).toEqual({ echo: 'pong' });
    }));

    it('rejects a request with TIMEOUT when no reply comes in time', () => withBus(async (bus) => {
      const agent = contractId('silent');
      await bus.consume(agent, () => { /* never replies */ });
      const started = Date.now();
      const err = await bus.request(contractMessage({ to_agent: agent }), { timeoutMs: 150 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NovaError);
      expect((err as NovaError).code).toBe('TIMEOUT');
      expect((err as NovaError).message).toContain(agent);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(3000);
    }));

    it('retries a throwing handler with backoff, counting attempts, until it succeeds', () => withBus(async (bus) => {
      const agent = contractId('flaky');
      const attempts: number[] = [];
      const times: number[] = [];
      let done = false;
      await bus.consume(agent, (m) => {
        attempts.push(m.attempt ?? 0);
        times.push(Date.now());
        if (attempts.length < 3) throw new Error('transient failure');
        done = true;
      });
      const sent = await bus.send(contractMessage({ to_agent: agent }));
      await waitFor(() => done, 'the third attempt to succeed');
      expect(attempts).toEqual([1, 2, 3]);
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(CONTRACT_RETRY_POLICY.baseDelayMs - 2);
      await bus.drain();
      const dead = await bus.deadLetters(100);
      expect(dead.some((d) => d.message.message_id === sent.message_id)).toBe(false);
    }));

    it('dead-letters a message after maxAttempts failed deliveries, keeping the last error', () => withBus(async (bus) => {
      const agent = contractId('broken');
      let calls = 0;
      await bus.consume(agent, () => { calls++; throw new Error(`always fails (call ${calls})`); });
      const sent = await bus.send(contractMessage({ to_agent: agent, content: { k: 'v' } }));
      let dead: Awaited<ReturnType<MessageBus['deadLetters']>> = [];
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        dead = (await bus.deadLetters(100)).filter((d) => d.message.message_id === sent.message_id);
        if (dead.length) break;
        await sleep(10);
      }
      expect(dead).toHaveLength(1);
      expect(dead[0].attempts).toBe(CONTRACT_RETRY_POLICY.maxAttempts);
      expect(dead[0].error).toContain('always fails (call 3)');
      expect(dead[0].message.content).toEqual({ k: 'v' });
      expect(Number.isNaN(Date.parse(dead[0].at))).toBe(false);
      await sleep(80);
      expect(calls).toBe(CONTRACT_RETRY_POLICY.maxAttempts);
    }));

    it('delivers pending messages critical > high > normal > low, FIFO within a priority', () => withBus(async (bus) => {
      const agent = contractId('prio');
      const order: [string, 'low' | 'normal' | 'high' | 'critical'][] = [
        ['l1', 'low'], ['n1', 'normal'], ['c1', 'critical'], ['h1', 'high'], ['n2', 'normal'], ['l2', 'low'], ['c2', 'critical'], ['h2', 'high'],
      ];
      for (const [tag, priority] of order) await bus.send(contractMessage({ to_agent: agent, priority, content: { tag } }));
      await sleep(30);
      const got: string[] = [];
      await bus.consume(agent, (m) => { got.push(m.content.tag as string); });
      await waitFor(() => got.length === order.length, 'all prioritised messages');
      expect(got).toEqual(['c1', 'c2', 'h1', 'h2', 'n1', 'n2', 'l1', 'l2']);
    }));

    it('rejects a malformed message at send with a ValidationError naming the path, and delivers nothing', () => withBus(async (bus) => {
      const agent = contractId('strict');
      const got: Message[] = [];
      await bus.consume(agent, (m) => { got.push(m); });
      const bad: unknown[] = [
        { ...contractMessage({ to_agent: agent }), priority: 'urgent' },
        { ...contractMessage({ to_agent: agent }), message_id: 'has spaces in it' },
        { ...contractMessage({ to_agent: agent }), content: 'not an object' },
        { ...contractMessage({ to_agent: agent }), from_agent: undefined },
        { ...contractMessage({ to_agent: agent }), timestamp: 'yesterday' },
      ];
      const paths = ['$.priority', '$.message_id', '$.content', '$.from_agent', '$.timestamp'];
      for (let i = 0; i < bad.length; i++) {
        const err = await bus.send(bad[i] as MessageInput).catch((e: unknown) => e);
        expect(err, `case ${i}`).toBeInstanceOf(NovaError);
        expect((err as NovaError).code).toBe('VALIDATION');
        expect((err as NovaError).message).toContain(paths[i]);
      }
      await bus.send(contractMessage({ to_agent: agent, content: { ok: true } }));
      await waitFor(() => got.length === 1, 'the one valid message');
      await sleep(30);
      expect(got).toHaveLength(1);
    }));

    it('drain() resolves only after every accepted message was handled', () => withBus(async (bus) => {
      const agent = contractId('slow');
      let handled = 0;
      await bus.consume(agent, async () => { await sleep(2); handled++; });
      for (let i = 0; i < 25; i++) await bus.send(contractMessage({ to_agent: agent, content: { i } }));
      await bus.drain();
      expect(handled).toBe(25);
    }));
  });
}
