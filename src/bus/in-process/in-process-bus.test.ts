import { describe, expect, it } from 'vitest';
import { CONTRACT_RETRY_POLICY, contractId, contractMessage, runBusContract, waitFor } from '../bus.contract.js';
import { InProcessBus } from './in-process-bus.js';
import { storeBackends } from '../../testing/services.js';
import { NovaError } from '../../errors.js';
import { sql } from '../../store/store.js';
import type { Message, MessageInput } from '../../protocol/message.js';

runBusContract('in-process, no store', async () => ({
  bus: new InProcessBus({ retry: CONTRACT_RETRY_POLICY }),
  cleanup: async () => {},
}));

for (const backend of storeBackends()) {
  describe.skipIf(!!backend.skip)(`in-process bus with the communication log on ${backend.name}`, () => {
    runBusContract(`in-process, log on ${backend.name}`, async () => {
      const { store, cleanup } = await backend.open();
      return { bus: new InProcessBus({ store, retry: CONTRACT_RETRY_POLICY }), cleanup };
    });

    it('logs every message with its final delivery status, attempts and error', async () => {
      const { store, cleanup } = await backend.open();
      const bus = new InProcessBus({ store, retry: CONTRACT_RETRY_POLICY });
      try {
        const ok = contractId('ok');
        const bad = contractId('bad');
        let failures = 0;
        await bus.consume(ok, (m) => { if (m.content.flaky && failures++ === 0) throw new Error('first try fails'); });
        await bus.consume(bad, () => { throw new Error('handler exploded'); });
        const a = await bus.send(contractMessage({ to_agent: ok, content: { x: 1 }, priority: 'high' }));
        const b = await bus.send(contractMessage({ to_agent: ok, content: { flaky: true } }));
        const c = await bus.send(contractMessage({ to_agent: bad }));
        const held = await bus.send(contractMessage({ to_agent: contractId('nobody') }));
        const topicless = await bus.send(contractMessage({ to_agent: 'topic:empty' }));
        await bus.drain();
        const rows = await store.db.selectFrom('messages').selectAll().orderBy('seq').execute();
        const byId = new Map(rows.map((r) => [r.message_id, r]));
        expect(byId.get(a.message_id)).toMatchObject({ status: 'acked', attempts: 1, error: null, priority: 'high', to_agent: ok, from_agent: 'contract-sender' });
        expect(JSON.parse(byId.get(a.message_id)!.body).content).toEqual({ x: 1 });
        expect(byId.get(b.message_id)).toMatchObject({ status: 'acked', attempts: 2, error: null });
        expect(byId.get(c.message_id)).toMatchObject({ status: 'dead', attempts: 3, error: 'handler exploded' });
        expect(byId.get(held.message_id)).toMatchObject({ status: 'queued', attempts: 0 });
        expect(byId.get(topicless.message_id)).toMatchObject({ status: 'expired' });
        expect(byId.get(topicless.message_id)!.error).toMatch(/no subscriber to topic:empty/);
        // Bodies survive status updates (the upsert never rewrites them).
        expect(JSON.parse(byId.get(c.message_id)!.body).message_id).toBe(c.message_id);
      } finally {
        await bus.close();
        await cleanup();
      }
    });

    it('keeps log records while the database refuses writes, and writes them once it accepts again', async () => {
      const { store, cleanup } = await backend.open();
      const lines: string[] = [];
      const bus = new InProcessBus({ store, log: (l) => lines.push(l) });
      try {
        const to = contractId('x');
        await bus.consume(to, () => {});
        await sql`ALTER TABLE messages RENAME TO messages_away`.execute(store.db);
        const m = await bus.send(contractMessage({ to_agent: to }));
        const err = await bus.drain().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NovaError);
        expect((err as NovaError).code).toBe('UNAVAILABLE');
        expect((err as NovaError).message).toContain('cannot write the message log');
        expect(lines.join('\n')).toMatch(/will retry/);
        await sql`ALTER TABLE messages_away RENAME TO messages`.execute(store.db);
        await bus.drain();
        const rows = await store.db.selectFrom('messages').selectAll().execute();
        expect(rows.map((r) => [r.message_id, r.status])).toEqual([[m.message_id, 'acked']]);
      } finally {
        await bus.close();
        await cleanup();
      }
    });

    it('recover() redelivers what the log shows unfinished, continuing the attempt count', async () => {
      const { store, cleanup } = await backend.open();
      const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
      try {
        const first = new InProcessBus({ store, retry });
        const absent = contractId('absent');
        const crashed = contractId('crashed');
        const held = await first.send(contractMessage({ to_agent: absent, content: { i: 1 } }));
        let release!: () => void;
        await first.consume(crashed, () => new Promise<void>((r) => { release = r; })); // never finishes before the "crash"
        const inFlight = await first.send(contractMessage({ to_agent: crashed, content: { i: 2 } }));
        await waitFor(() => release !== undefined, 'the delivery in progress');
        await first.close(); // the process stops: one message held, one delivered but not acknowledged
        await store.db.insertInto('messages').values({ message_id: 'garbled', from_agent: 'a', to_agent: absent, message_type: 't', priority: 'normal', parent_message_id: null, body: '{not json', status: 'queued', attempts: 0, error: null, created_at: new Date().toISOString(), updated_at: new Date().toISOString() }).execute();

        const second = new InProcessBus({ store, retry });
        expect(await second.recover()).toBe(2);
        const got: Message[] = [];
        await second.consume(absent, (m) => { got.push(m); });
        await second.consume(crashed, (m) => { got.push(m); });
        await waitFor(() => got.length === 2, 'both recovered messages');
        expect(got.map((m) => [m.message_id, m.attempt]).sort()).toEqual([[held.message_id, 1], [inFlight.message_id, 2]].sort());
        await second.drain();
        const rows = await store.db.selectFrom('messages').select(['message_id', 'status', 'attempts', 'error']).execute();
        const by = new Map(rows.map((r) => [r.message_id, r]));
        expect(by.get(held.message_id)).toMatchObject({ status: 'acked', attempts: 1 });
        expect(by.get(inFlight.message_id)).toMatchObject({ status: 'acked', attempts: 2 });
        expect(by.get('garbled')).toMatchObject({ status: 'dead', error: 'the logged message could not be read back after a restart' });
        expect(await second.recover()).toBe(0);
        await second.close();
        release();
      } finally {
        await cleanup();
      }
    });

    it('writes nothing for a rejected message', async () => {
      const { store, cleanup } = await backend.open();
      const bus = new InProcessBus({ store, maxMessageBytes: 1000 });
      try {
        const to = contractId('x');
        await expect(bus.send({ ...contractMessage({ to_agent: to }), priority: 'urgent' } as unknown as MessageInput)).rejects.toThrow(/\$\.priority/);
        await expect(bus.send(contractMessage({ to_agent: to, content: { blob: 'x'.repeat(2000) } }))).rejects.toThrow(/more than the limit of 1000/);
        await bus.drain();
        expect(await store.db.selectFrom('messages').selectAll().execute()).toEqual([]);
      } finally {
        await bus.close();
        await cleanup();
      }
    });
  });
}

describe('in-process bus specifics', () => {
  it('rejects oversized and non-JSON content with a ValidationError at $.content', async () => {
    const bus = new InProcessBus({ maxMessageBytes: 4096 });
    const to = contractId('a');
    const big = await bus.send(contractMessage({ to_agent: to, content: { s: 'é'.repeat(3000) } })).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(NovaError);
    expect((big as NovaError).code).toBe('VALIDATION');
    expect((big as NovaError).message).toMatch(/\$\.content: makes the message \d+ bytes, more than the limit of 4096/);
    expect((big as NovaError).hint).toMatch(/reference/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(bus.send(contractMessage({ to_agent: to, content: cyclic }))).rejects.toThrow(/\$\.content: is not JSON-serialisable/);
    await expect(bus.send(contractMessage({ to_agent: to, content: { n: 10n } }))).rejects.toThrow(/not JSON-serialisable/);
    await bus.close();
  });

  it('with the default 1 MiB limit, still catches oversized, cyclic and BigInt content', async () => {
    const bus = new InProcessBus();
    const to = contractId('a');
    await expect(bus.send(contractMessage({ to_agent: to, content: { s: 'x'.repeat(1024 * 1024) } }))).rejects.toThrow(/more than the limit of 1048576/);
    const cyclic: Record<string, unknown> = { a: [1] };
    (cyclic.a as unknown[]).push(cyclic);
    await expect(bus.send(contractMessage({ to_agent: to, content: cyclic }))).rejects.toThrow(/\$\.content: is not JSON-serialisable/);
    await expect(bus.send(contractMessage({ to_agent: to, content: { deep: { n: 1n } } }))).rejects.toThrow(/not JSON-serialisable/);
    const ok = await bus.send(contractMessage({ to_agent: to, content: { s: 'x'.repeat(100_000), when: new Date(0) } }));
    expect(ok.message_id).toBeTruthy();
    await bus.close();
  });

  it('refuses a second consumer for one agent and a duplicate in-flight message id', async () => {
    const bus = new InProcessBus();
    const to = contractId('a');
    await bus.consume(to, () => {});
    await expect(bus.consume(to, () => {})).rejects.toMatchObject({ code: 'CONFLICT' });
    const m = contractMessage({ to_agent: contractId('absent') });
    await bus.send(m);
    await expect(bus.send(m)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(m.message_id) });
    await bus.close();
    await expect(bus.send(contractMessage({ to_agent: to }))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('expires messages held too long for an absent consumer, and drain() does not wait for held ones', async () => {
    const bus = new InProcessBus({ undeliveredTimeoutMs: 40 });
    const to = contractId('gone');
    await bus.send(contractMessage({ to_agent: to }));
    await bus.drain(); // returns although the message is held
    await new Promise((r) => setTimeout(r, 150));
    const got: Message[] = [];
    await bus.consume(to, (m) => { got.push(m); });
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([]);
    await bus.close();
  });

  it('fails a request at once when it is dead-lettered, and drops a timed-out request that was never delivered', async () => {
    const bus = new InProcessBus({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const to = contractId('fails');
    await bus.consume(to, () => { throw new Error('nope'); });
    const started = Date.now();
    await expect(bus.request(contractMessage({ to_agent: to }), { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('nope') });
    expect(Date.now() - started).toBeLessThan(1000);

    const later = contractId('later');
    await expect(bus.request(contractMessage({ to_agent: later }), { timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const got: Message[] = [];
    await bus.consume(later, (m) => { got.push(m); });
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([]);
    await bus.close();
  });

  it('gives each handler its own copy of the message', async () => {
    const bus = new InProcessBus();
    const topic = contractId('t');
    const seen: unknown[] = [];
    await bus.subscribe(topic, (m) => { (m as { message_type: string }).message_type = 'tampered'; });
    await bus.subscribe(topic, (m) => { seen.push(m.message_type); });
    const { to_agent: _t, ...msg } = contractMessage({ to_agent: 'x' });
    await bus.publish(topic, msg);
    await waitFor(() => seen.length === 1, 'delivery');
    expect(seen).toEqual(['contract.test']);
    await bus.close();
  });

  it('runs handlers of one consumer concurrently up to the limit', async () => {
    const bus = new InProcessBus({ concurrency: 3 });
    const to = contractId('c');
    let running = 0;
    let peak = 0;
    await bus.consume(to, async () => { running++; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 10)); running--; });
    for (let i = 0; i < 10; i++) await bus.send(contractMessage({ to_agent: to }));
    await bus.drain();
    expect(peak).toBe(3);
    await bus.close();
  });
});
