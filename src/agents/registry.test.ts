import { describe, expect, it } from 'vitest';
import { AgentRegistry } from './registry.js';
import { ReaderAgent } from './test-agents.js';
import { Agent } from './agent.js';
import type { Capability } from '../protocol/agent.js';
import type { Message } from '../protocol/message.js';
import { NovaError } from '../errors.js';
import { storeBackends } from '../testing/services.js';

function msg(over: Partial<Message> & { to_agent: string; message_type: string }): Message {
  return { message_id: 'm1', timestamp: new Date().toISOString(), from_agent: 'cli', content: {}, priority: 'normal', requires_response: false, ...over };
}

class CustomAgent extends Agent {
  readonly type = 'custom';
  constructor(readonly id: string, readonly version: string, readonly capabilities: Capability[], private readonly result: unknown = { ok: 1 }) { super(); }
  async handle(): Promise<Record<string, unknown>> { return this.result as Record<string, unknown>; }
}

const caught = async (p: Promise<unknown> | (() => unknown)): Promise<NovaError> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(NovaError);
    return e as NovaError;
  }
  throw new Error('expected an error');
};

describe('AgentRegistry', () => {
  it('registers agents and finds them by id and by capability, in registration order', async () => {
    const reg = new AgentRegistry();
    await reg.register(new ReaderAgent('reader-a'));
    await reg.register(new ReaderAgent('reader-b'));
    await reg.register(new CustomAgent('other', '0.1.0', [{ name: 'other.do', description: 'x', parameters: [], required_permissions: [] }]));
    expect(reg.get('reader-a')?.registration.version).toBe('1.0.0');
    expect(reg.get('missing')).toBeUndefined();
    expect(reg.list().map((e) => e.registration.agent_id)).toEqual(['reader-a', 'reader-b', 'other']);
    expect(reg.findByCapability('file.read').map((e) => e.agent.id)).toEqual(['reader-a', 'reader-b']);
    expect(reg.findByCapability('nothing')).toEqual([]);
    await reg.unregister('reader-a');
    expect(reg.findByCapability('file.read').map((e) => e.agent.id)).toEqual(['reader-b']);
    expect((await caught(reg.unregister('reader-a'))).code).toBe('NOT_FOUND');
  });

  it('rejects invalid registrations naming the JSON path', async () => {
    const reg = new AgentRegistry();
    const e1 = await caught(reg.register(new CustomAgent('a', '1.0', [])));
    expect(e1.code).toBe('VALIDATION');
    expect(e1.message).toContain('registration of agent "a"');
    expect(e1.message).toMatch(/\$\.version: must be a semantic version/);
    const dup = { name: 'x.y', description: 'd', parameters: [], required_permissions: [] };
    const e2 = await caught(reg.register(new CustomAgent('b', '1.0.0', [dup, { ...dup }])));
    expect(e2.message).toMatch(/\$\.capabilities\[1\]\.name: duplicate capability name "x\.y"/);
    const e3 = await caught(reg.register(new CustomAgent('c', '1.0.0', [{ ...dup, name: 'Bad Name' }])));
    expect(e3.message).toMatch(/\$\.capabilities\[0\]\.name/);
    const e4 = await caught(reg.register(new CustomAgent('d', '1.0.0', [{ ...dup, parameters: [{ name: 'p', type: 'string', required: true, schema: { pattern: '(' } }] }])));
    expect(e4.message).toMatch(/\$\.capabilities\[0\]\.parameters: parameter "p"/);
    const e5 = await caught(reg.register(new CustomAgent('has space', '1.0.0', [])));
    expect(e5.message).toMatch(/\$\.agent_id/);
    expect(reg.list()).toEqual([]);
  });

  it('rejects a duplicate agent id with CONFLICT naming it', async () => {
    const reg = new AgentRegistry();
    await reg.register(new ReaderAgent('r'));
    const e = await caught(reg.register(new ReaderAgent('r', '2.0.0')));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain('"r"');
    expect(e.hint).toMatch(/unregister/);
    expect(reg.get('r')?.registration.version).toBe('1.0.0');
  });

  describe('dispatch', () => {
    const setup = async () => {
      const reg = new AgentRegistry({ principals: { cli: ['repo.read'], 'workflow-engine': ['*'] } });
      const reader = new ReaderAgent('reader');
      await reg.register(reader);
      await reg.register(new ReaderAgent('trusted-peer', '1.0.0', ['repo.read']));
      await reg.register(new ReaderAgent('untrusted-peer'));
      return { reg, reader };
    };

    it('hands a valid message to the agent and returns its result', async () => {
      const { reg, reader } = await setup();
      const r = await reg.dispatch(msg({ to_agent: 'reader', message_type: 'file.read', content: { path: 'README.md', max_bytes: 10, extra: 'ignored' } }), { runId: 'run-1' });
      expect(r).toEqual({ path: 'README.md', text: 'contents of README.md' });
      expect(reader.seen[0].ctx.runId).toBe('run-1');
    });

    it('names an unknown target and lists the registered agents', async () => {
      const { reg } = await setup();
      const e = await caught(reg.dispatch(msg({ to_agent: 'ghost', message_type: 'file.read' })));
      expect(e.code).toBe('NOT_FOUND');
      expect(e.message).toContain('"ghost"');
      expect(e.hint).toContain('reader, trusted-peer, untrusted-peer');
    });

    it('names an undeclared capability and lists the declared ones', async () => {
      const { reg, reader } = await setup();
      const e = await caught(reg.dispatch(msg({ to_agent: 'reader', message_type: 'file.delete' })));
      expect(e.message).toContain('"file.delete"');
      expect(e.hint).toBe('It declares: file.read, echo.');
      expect(reader.seen).toEqual([]);
    });

    it('checks the sender permissions: own registration, trusted principals, "*", none for strangers', async () => {
      const { reg, reader } = await setup();
      const read = (from: string) => reg.dispatch(msg({ from_agent: from, to_agent: 'reader', message_type: 'file.read', content: { path: 'a' } }));
      await expect(read('trusted-peer')).resolves.toBeDefined();
      await expect(read('cli')).resolves.toBeDefined();
      await expect(read('workflow-engine')).resolves.toBeDefined();
      for (const from of ['untrusted-peer', 'stranger']) {
        const e = await caught(read(from));
        expect(e.code).toBe('PERMISSION_DENIED');
        expect(e.message).toContain(`"${from}"`);
        expect(e.message).toContain('missing permission "repo.read"');
        expect(e.hint).toMatch(/Grant repo\.read/);
      }
      // A capability without required permissions is open to anyone.
      await expect(reg.dispatch(msg({ from_agent: 'stranger', to_agent: 'reader', message_type: 'echo', content: { a: 1 } }))).resolves.toEqual({ a: 1, run: null });
      expect(reader.seen).toHaveLength(4);
    });

    it('validates content against the parameters with $.content paths', async () => {
      const { reg, reader } = await setup();
      const cases: [Record<string, unknown>, RegExp][] = [
        [{}, /\$\.content\.path: required parameter "path" \(string\) is missing/],
        [{ path: 42 }, /\$\.content\.path: expected string, got integer/],
        [{ path: 'a', max_bytes: 1.5 }, /\$\.content\.max_bytes: expected integer, got number/],
        [{ path: 'a', max_bytes: 0 }, /\$\.content\.max_bytes: Too small/],
        [{ path: 'a', encoding: 'latin1' }, /\$\.content\.encoding: Invalid option/],
      ];
      for (const [content, re] of cases) {
        const e = await caught(reg.dispatch(msg({ to_agent: 'reader', message_type: 'file.read', content })));
        expect(e.code).toBe('VALIDATION');
        expect(e.message).toMatch(re);
        expect(e.hint).toContain('path: string (required)');
      }
      expect(reader.seen).toEqual([]);
    });

    it('refuses a handler result that is not an object', async () => {
      const reg = new AgentRegistry();
      await reg.register(new CustomAgent('bad', '1.0.0', [{ name: 'go', description: 'go', parameters: [], required_permissions: [] }], [1, 2]));
      const e = await caught(reg.dispatch(msg({ to_agent: 'bad', message_type: 'go' })));
      expect(e.code).toBe('INTERNAL');
      expect(e.message).toContain('an array');
    });
  });

  for (const backend of storeBackends()) {
    describe.skipIf(!!backend.skip)(`persistence on ${backend.name}`, () => {
      it('stores registrations, adopts an identical one, refuses a different one, and writes nothing on error', async () => {
        const { store, cleanup } = await backend.open();
        try {
          const reg = new AgentRegistry({ store });
          await reg.register(new ReaderAgent('reader'));
          const rows = await store.db.selectFrom('agents').selectAll().execute();
          expect(rows).toHaveLength(1);
          expect(rows[0]).toMatchObject({ agent_id: 'reader', agent_type: 'reader', version: '1.0.0' });
          expect(JSON.parse(rows[0].registration).capabilities.map((c: Capability) => c.name)).toEqual(['file.read', 'echo']);

          expect((await caught(reg.register(new ReaderAgent('reader')))).code).toBe('CONFLICT');
          await caught(reg.register(new CustomAgent('broken', 'x', [])));

          // A restart: a new registry over the same store adopts the identical registration.
          const again = new AgentRegistry({ store });
          await again.register(new ReaderAgent('reader'));
          // A different version under the same id is refused and the stored row kept.
          const other = new AgentRegistry({ store });
          const e = await caught(other.register(new ReaderAgent('reader', '2.0.0')));
          expect(e.code).toBe('CONFLICT');
          expect(e.message).toContain('version 1.0.0; registering version 2.0.0');
          expect(other.get('reader')).toBeUndefined();
          const after = await store.db.selectFrom('agents').selectAll().execute();
          expect(after).toEqual(rows);

          await again.unregister('reader');
          expect(await store.db.selectFrom('agents').selectAll().execute()).toEqual([]);
          await other.register(new ReaderAgent('reader', '2.0.0'));
        } finally {
          await cleanup();
        }
      });
    });
  }
});
