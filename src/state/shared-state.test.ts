import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovaError, ValidationError } from '../errors.js';
import type { StatePolicy } from '../protocol/state.js';
import { dropPostgresSchema } from '../store/dialect/postgres/postgres-dialect.js';
import { openStore, type Store } from '../store/store.js';
import { storeBackends, tempDir, TEST_PG_URL, uniqueName } from '../testing/services.js';
import { SharedState } from './shared-state.js';

const execFileP = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));

const policy: StatePolicy = {
  rules: [
    { agent: 'analyzer', read: ['*'], write: ['analysis.*', 'status'] },
    { agent: 'executor', read: ['analysis.*', 'plan'], write: ['exec.*'] },
    { agent: '*', read: ['status'], write: [] },
  ],
};

const upd = (agent: string, state_update: Record<string, unknown>, expected_version?: number, run_id = 'run-1') => ({
  run_id, agent_id: agent, timestamp: new Date().toISOString(), state_update,
  ...(expected_version === undefined ? {} : { expected_version }),
});

async function thrown(p: Promise<unknown>): Promise<NovaError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(NovaError);
  return e as NovaError;
}

for (const backend of storeBackends()) {
  describe.skipIf(!!backend.skip)(`shared state on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let state: SharedState;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      state = new SharedState(store);
      await state.create('run-1', policy);
    });
    afterAll(async () => cleanup?.());

    it('applies updates, bumps the version, deletes on null, and shows each agent only what it may read', async () => {
      const r1 = await state.apply(upd('analyzer', { 'analysis.ecosystems': ['node'], status: 'analysing' }, 0));
      expect(r1).toEqual({ runId: 'run-1', version: 1, set: ['analysis.ecosystems', 'status'], deleted: [] });
      const r2 = await state.apply(upd('executor', { 'exec.step': 1, 'exec.tmp': 'x' }));
      expect(r2.version).toBe(2);
      const r3 = await state.apply(upd('executor', { 'exec.tmp': null }, 2));
      expect(r3).toMatchObject({ version: 3, set: [], deleted: ['exec.tmp'] });

      expect(await state.get('run-1', 'analyzer')).toMatchObject({ version: 3, state: { 'analysis.ecosystems': ['node'], status: 'analysing', 'exec.step': 1 } });
      // executor may read analysis.* but not status (no '*' read rule covers it… except the '*' agent rule does).
      expect((await state.get('run-1', 'executor')).state).toEqual({ 'analysis.ecosystems': ['node'], status: 'analysing' });
      expect((await state.get('run-1', 'stranger')).state).toEqual({ status: 'analysing' });
    });

    it('rejects a denied write with the agent, the key and the rule to add, audits it, and writes nothing', async () => {
      const before = await state.get('run-1', 'analyzer');
      const e = await thrown(state.apply(upd('executor', { 'analysis.ecosystems': ['python'], 'exec.ok': true })));
      expect(e.code).toBe('PERMISSION_DENIED');
      expect(e.message).toContain('"executor"');
      expect(e.message).toContain('"analysis.ecosystems"');
      expect(e.message).not.toContain('exec.ok');
      expect(e.hint).toContain('{"agent":"executor","read":[],"write":["analysis.ecosystems"]}');
      const after = await state.get('run-1', 'analyzer');
      expect(after).toEqual(before);
      const audit = await store.db.selectFrom('audit_events').selectAll().where('subject', '=', 'state/run-1').where('outcome', '=', 'denied').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0].actor).toBe('executor');
      expect(JSON.parse(audit[0].detail!)).toMatchObject({ denied: ['analysis.ecosystems'] });
    });

    it('reports a stale expected_version as CONFLICT naming both versions, and writes nothing', async () => {
      const { version } = await state.get('run-1', 'analyzer');
      const e = await thrown(state.apply(upd('analyzer', { status: 'late' }, version - 1)));
      expect(e.code).toBe('CONFLICT');
      expect(e.message).toContain(`at version ${version}`);
      expect(e.message).toContain(`expected version ${version - 1}`);
      expect(e.hint).toContain(`expected_version ${version}`);
      expect((await state.get('run-1', 'analyzer')).version).toBe(version);
      expect((await state.history('run-1', { sinceVersion: version - 1 })).map((h) => h.version)).toEqual([version]);
    });

    it('validates messages and names the bad JSON paths', async () => {
      const e = await thrown(state.apply({ run_id: 'run 1', agent_id: '', timestamp: 'yesterday', state_update: {} }));
      expect(e).toBeInstanceOf(ValidationError);
      const paths = (e as ValidationError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['$.run_id', '$.agent_id', '$.timestamp']));

      const v = (await thrown(state.apply(upd('analyzer', { 'analysis.when': new Date(), 'analysis.x': { deep: [1, undefined] }, 'bad*key': 1 })))) as ValidationError;
      expect(v.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['$.state_update["analysis.when"]', '$.state_update["analysis.x"].deep[1]', '$.state_update["bad*key"]']));
      expect((await thrown(state.apply(upd('analyzer', {})))).message).toMatch(/at least one key/);
      expect((await thrown(state.apply(upd('analyzer', { status: 1 }, undefined, 'no-such-run')))).code).toBe('NOT_FOUND');
    });

    it('enforces size and key-count limits with clear errors', async () => {
      const big = 'x'.repeat(600 * 1024);
      await state.create('run-big', { rules: [{ agent: 'a', read: ['*'], write: ['*'] }] });
      await state.apply(upd('a', { one: big }, undefined, 'run-big'));
      const e = await thrown(state.apply(upd('a', { two: big }, undefined, 'run-big')));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(/would be \d+ bytes, more than the limit of 1048576/);
      const tooBig = await thrown(state.apply(upd('a', { three: 'y'.repeat(1100 * 1024) }, undefined, 'run-big')));
      expect(tooBig.message).toMatch(/bytes, more than the limit/);

      const small = new SharedState(store, { limits: { maxKeys: 3 } });
      await small.create('run-keys', { rules: [{ agent: 'a', read: [], write: ['*'] }] });
      await small.apply(upd('a', { k1: 1, k2: 2, k3: 3 }, undefined, 'run-keys'));
      expect((await thrown(small.apply(upd('a', { k4: 4 }, undefined, 'run-keys')))).message).toMatch(/would hold 4 keys, more than the limit of 3/);
      const tooMany = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
      expect((await thrown(state.apply(upd('a', tooMany, undefined, 'run-big')))).message).toMatch(/101 keys, more than the limit of 100/);
    });

    it('refuses a second create and malformed policies', async () => {
      expect((await thrown(state.create('run-1', policy))).code).toBe('CONFLICT');
      const e = (await thrown(state.create('run-p', { rules: [{ agent: 'a', write: ['a*b'] }] }))) as ValidationError;
      expect(e.issues[0].path).toBe('$.rules[0].write[0]');
      expect((await thrown(state.create('run-q', { rules: 'all' }))).code).toBe('VALIDATION');
    });

    it('answers history queries by key, agent, version and limit', async () => {
      await state.create('run-h', policy);
      for (let i = 0; i < 5; i++) await state.apply(upd(i % 2 ? 'executor' : 'analyzer', i % 2 ? { 'exec.i': i } : { 'analysis.i': i, status: `s${i}` }, undefined, 'run-h'));
      const all = await state.history('run-h');
      expect(all.map((h) => h.version)).toEqual([1, 2, 3, 4, 5]);
      expect(all[1]).toMatchObject({ agentId: 'executor', update: { 'exec.i': 1 } });
      expect((await state.history('run-h', { key: 'status' })).map((h) => h.version)).toEqual([1, 3, 5]);
      expect((await state.history('run-h', { agentId: 'executor' })).map((h) => h.version)).toEqual([2, 4]);
      expect((await state.history('run-h', { sinceVersion: 3 })).map((h) => h.version)).toEqual([4, 5]);
      expect((await state.history('run-h', { key: 'status', sinceVersion: 1, limit: 1 })).map((h) => h.version)).toEqual([3]);
      expect((await thrown(state.history('run-h', { limit: 0 }))).message).toMatch(/limit must be/);
      expect((await thrown(state.history('run-h', { sinceVersion: -1 }))).message).toMatch(/sinceVersion/);
    });

    it('lets exactly one of 20 concurrent writers with the same expected_version win', async () => {
      await state.create('run-race', policy);
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => state.apply(upd('analyzer', { status: `writer-${i}` }, 0, 'run-race'))));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as NovaError).code).toBe('CONFLICT');
      const h = await state.history('run-race');
      expect(h).toHaveLength(1);
      expect((await state.get('run-race', 'analyzer')).version).toBe(1);
    });

    it('merges 20 concurrent writers without expected_version into versions 1..20', async () => {
      await state.create('run-merge', policy);
      await Promise.all(Array.from({ length: 20 }, (_, i) => state.apply(upd('executor', { [`exec.k${i}`]: i }, undefined, 'run-merge'))));
      const snap = await state.get('run-merge', 'analyzer');
      expect(snap.version).toBe(20);
      expect(Object.keys(snap.state)).toHaveLength(20);
      expect((await state.history('run-merge', { limit: 1000 })).map((h) => h.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });
  });
}

// Two OS processes writing the same run at once: the version sequence must stay gap-free and no
// update may be lost. Stores are opened by path/schema here because child processes need them.
describe('shared state written by two processes at once', () => {
  const cases = storeBackends().map((b) => ({ name: b.name, skip: b.skip }));
  for (const c of cases) {
    it.skipIf(!!c.skip)(`keeps every update on ${c.name}`, async () => {
      const dir = tempDir();
      const schema = uniqueName('state').toLowerCase();
      const where = c.name === 'sqlite' ? join(dir.path, 'nova.sqlite') : TEST_PG_URL;
      const store = c.name === 'sqlite' ? await openStore({ sqlitePath: where }) : await openStore({ databaseUrl: where, pgSchema: schema });
      try {
        const state = new SharedState(store);
        await state.create('run-mp', { rules: [{ agent: '*', read: ['*'], write: ['w.*'] }] });
        const child = (agent: string) => execFileP(process.execPath, ['--import', 'tsx', join(here, 'concurrent-writer.fixture.ts'), where, c.name === 'sqlite' ? '-' : schema, 'run-mp', agent, '15'], { timeout: 60_000 });
        const outs = await Promise.all([child('p1'), child('p2')]);
        const versions = outs.flatMap((o) => (JSON.parse(o.stdout.trim()) as { versions: number[] }).versions).sort((a, b) => a - b);
        expect(versions).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        const snap = await state.get('run-mp', 'anyone');
        expect(snap.version).toBe(30);
        expect(Object.keys(snap.state)).toHaveLength(30);
      } finally {
        await store.close();
        if (c.name === 'postgres') await dropPostgresSchema(TEST_PG_URL, schema);
        dir.cleanup();
      }
    });
  }
});
