import { describe, expect, it } from 'vitest';
import { AgentRuntime } from './runtime.js';
import { AgentRegistry } from './registry.js';
import { ReaderAgent } from './test-agents.js';
import { InProcessBus } from '../bus/in-process/in-process-bus.js';
import { NovaError } from '../errors.js';
import { storeBackends } from '../testing/services.js';
import type { Store } from '../store/store.js';
import { waitFor } from '../bus/bus.contract.js';

async function setup(store?: Store) {
  const registry = new AgentRegistry({ store, principals: { cli: ['repo.read'] } });
  const runtime = new AgentRuntime({ bus: new InProcessBus({ store, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }), registry, store });
  const first = new ReaderAgent('reader-1');
  const second = new ReaderAgent('reader-2');
  await runtime.register(first);
  await runtime.register(second);
  return { runtime, registry, first, second };
}

const caught = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => { expect(e).toBeInstanceOf(NovaError); return e as NovaError; });

describe('AgentRuntime', () => {
  it('calls an agent by id or by capability (first registered) and returns the result', async () => {
    const { runtime, first, second } = await setup();
    try {
      expect(await runtime.call({ agentId: 'reader-2', capability: 'file.read' }, { path: 'a.txt' }, { from: 'cli' })).toEqual({ path: 'a.txt', text: 'contents of a.txt' });
      expect(second.seen).toHaveLength(1);
      expect(await runtime.call({ capability: 'echo' }, { x: 1 }, { runId: 'run-7', priority: 'high', tenant: 't1' })).toEqual({ x: 1, run: 'run-7' });
      expect(first.seen).toHaveLength(1);
      expect(first.seen[0].message).toMatchObject({ from_agent: 'runtime', priority: 'high', tenant: 't1', run_id: 'run-7', attempt: 1 });
    } finally {
      await runtime.close();
    }
  });

  it('turns every failure into a NovaError with code, message and hint', async () => {
    const { runtime, first } = await setup();
    try {
      let e = await caught(runtime.call({ capability: 'file.delete' }, {}));
      expect(e.code).toBe('NOT_FOUND');
      expect(e.message).toContain('"file.delete"');
      expect(e.hint).toContain('echo, file.read');
      e = await caught(runtime.call({ agentId: 'ghost', capability: 'echo' }, {}));
      expect(e.code).toBe('NOT_FOUND');
      expect(e.hint).toContain('reader-1, reader-2');
      e = await caught(runtime.call({ agentId: 'reader-1', capability: 'nope' }, {}));
      expect(e.code).toBe('NOT_FOUND');
      expect(e.hint).toBe('It declares: file.read, echo.');
      e = await caught(runtime.call({ capability: 'file.read' }, { path: 'x' })); // "runtime" holds no repo.read
      expect(e.code).toBe('PERMISSION_DENIED');
      expect(e.message).toContain('missing permission "repo.read"');
      e = await caught(runtime.call({ capability: 'file.read' }, { path: 3 }, { from: 'cli' }));
      expect(e.code).toBe('VALIDATION');
      expect(e.message).toContain('$.content.path: expected string, got integer');
      e = await caught(runtime.call({ capability: 'echo' }, { fail: true }));
      expect(e.code).toBe('INTERNAL');
      expect(e.message).toBe('agent "reader-1" failed while handling echo: echo was asked to fail');
      expect(first.seen.filter((s) => s.message.content.fail)).toHaveLength(1); // an answered request is not retried
      e = await caught(runtime.call({ capability: 'echo' }, { blob: 'y'.repeat(2 * 1024 * 1024) }));
      expect(e.code).toBe('VALIDATION');
      expect(e.message).toMatch(/more than the limit/);
      e = await caught(runtime.call({ capability: 'echo' }, { huge: true }));
      expect(e.message).toMatch(/could not be sent back: .*more than the limit/s);
    } finally {
      await runtime.close();
    }
  });

  it('aborts the handler signal when the call times out or the caller cancels', async () => {
    const { runtime, first } = await setup();
    try {
      const e = await caught(runtime.call({ capability: 'echo' }, { wait_for_abort: true }, { timeoutMs: 150 }));
      expect(e.code).toBe('TIMEOUT');
      expect(e.message).toContain('"reader-1"');
      await waitFor(() => first.seen[0]?.ctx.signal?.aborted === true, 'the handler to see the abort');

      const ac = new AbortController();
      const p = runtime.call({ capability: 'echo' }, { wait_for_abort: true }, { signal: ac.signal, timeoutMs: 5000 });
      await waitFor(() => first.seen.length === 2, 'the second call to reach the handler');
      ac.abort();
      const c = await caught(p);
      expect(c.code).toBe('CANCELLED');
      expect(first.seen[1].ctx.signal?.aborted).toBe(true);
      const pre = await caught(runtime.call({ capability: 'echo' }, {}, { signal: ac.signal }));
      expect(pre.code).toBe('CANCELLED');
    } finally {
      await runtime.close();
    }
  });

  it('a handler that starts only after its caller gave up still sees the abort (queued behind a busy agent)', async () => {
    const registry = new AgentRegistry({ principals: {} });
    const runtime = new AgentRuntime({ bus: new InProcessBus({ concurrency: 1 }), registry });
    const agent = new ReaderAgent('reader-1');
    await runtime.register(agent);
    try {
      const busy = new AbortController();
      const first = runtime.call({ capability: 'echo' }, { wait_for_abort: true }, { signal: busy.signal });
      await waitFor(() => agent.seen.length === 1, 'the first call to occupy the agent');
      const late = new AbortController();
      const second = runtime.call({ capability: 'echo' }, { wait_for_abort: true }, { signal: late.signal, timeoutMs: 60_000 });
      late.abort();
      expect((await caught(second)).code).toBe('CANCELLED');
      // Longer than a busy machine may take to start a handler (the old 1 s grace expired here).
      await new Promise((r) => setTimeout(r, 1500));
      busy.abort();
      await caught(first);
      await waitFor(() => agent.seen.length === 2, 'the queued call to reach the handler');
      expect(agent.seen[1].ctx.signal?.aborted).toBe(true);
    } finally {
      await runtime.close();
    }
  });

  it('does not leave a half-registered agent when consuming fails', async () => {
    const { runtime, registry } = await setup();
    try {
      await runtime.bus.consume('taken', () => {});
      await expect(runtime.register(new ReaderAgent('taken'))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(registry.get('taken')).toBeUndefined();
    } finally {
      await runtime.close();
    }
  });

  for (const backend of storeBackends()) {
    describe.skipIf(!!backend.skip)(`with a ${backend.name} store`, () => {
      it('logs request and reply, and audits a denied call', async () => {
        const { store, cleanup } = await backend.open();
        const { runtime } = await setup(store);
        try {
          await runtime.call({ capability: 'echo' }, { q: 1 });
          await caught(runtime.call({ capability: 'file.read' }, { path: 'x' }, { from: 'intruder' }));
          await runtime.bus.drain();
          const rows = await store.db.selectFrom('messages').selectAll().orderBy('seq').execute();
          expect(rows.map((r) => [r.message_type, r.from_agent, r.to_agent, r.status])).toEqual([
            ['echo', 'runtime', 'reader-1', 'acked'],
            ['capability.result', 'reader-1', 'runtime', 'acked'],
            ['file.read', 'intruder', 'reader-1', 'acked'],
            ['capability.result', 'reader-1', 'intruder', 'acked'],
          ]);
          expect(rows[1].parent_message_id).toBe(rows[0].message_id);
          let audit = await store.db.selectFrom('audit_events').selectAll().execute();
          for (let i = 0; i < 100 && audit.length === 0; i++) { // the audit row is written in the background
            await new Promise((r) => setTimeout(r, 20));
            audit = await store.db.selectFrom('audit_events').selectAll().execute();
          }
          expect(audit).toHaveLength(1);
          expect(audit[0]).toMatchObject({ actor: 'intruder', action: 'call file.read', subject: 'reader-1', outcome: 'denied' });
          expect(await store.db.selectFrom('agents').select('agent_id').orderBy('agent_id').execute()).toEqual([{ agent_id: 'reader-1' }, { agent_id: 'reader-2' }]);
        } finally {
          await runtime.close();
          await cleanup();
        }
      });
    });
  }
});
