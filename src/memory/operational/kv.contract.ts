/**
 * The behaviour every KeyValueStore must show, as a vitest suite. kv.test.ts runs it against
 * SQLite, PostgreSQL and Redis; a new backend runs it too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovaError } from '../../errors.js';
import { MAX_COUNTER, type KeyValueStore } from './kv.js';

export interface KvBackend {
  name: string;
  skip?: string;
  /** Returns a factory of stores on one shared backend (one per namespace) and a cleanup. */
  setup(): Promise<{ make(namespace: string): Promise<KeyValueStore>; cleanup(): Promise<void> }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejection(p: Promise<unknown>): Promise<NovaError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(NovaError);
  return e as NovaError;
}

export function kvContract(backend: KvBackend): void {
  describe.skipIf(!!backend.skip)(`KeyValueStore contract on ${backend.name}`, () => {
    let make: (ns: string) => Promise<KeyValueStore>;
    let cleanup: () => Promise<void>;
    let kv: KeyValueStore;
    let n = 0;
    const opened: KeyValueStore[] = [];
    const fresh = async () => {
      const s = await make(`ns${n++}-${process.pid}`);
      opened.push(s);
      return s;
    };
    beforeAll(async () => {
      ({ make, cleanup } = await backend.setup());
      kv = await fresh();
    });
    afterAll(async () => {
      for (const s of opened) { await s.clear().catch(() => {}); await s.close(); }
      await cleanup?.();
    });

    it('round-trips strings and JSON values, replaces on set, and reports absent keys as undefined', async () => {
      const values = ['plain text', '', '42', 42, -1.5, true, false, null, [1, 'two', { three: 3 }], { a: { b: ['c'] } }];
      for (const [i, v] of values.entries()) await kv.set(`v${i}`, v);
      for (const [i, v] of values.entries()) expect(await kv.get(`v${i}`)).toEqual(v);
      await kv.set('v0', { replaced: true });
      expect(await kv.get('v0')).toEqual({ replaced: true });
      expect(await kv.get('never-set')).toBeUndefined();
      expect(await kv.has('v7')).toBe(true); // a stored null is still a key
      expect(await kv.has('never-set')).toBe(false);
    });

    it('deletes keys and says whether there was one', async () => {
      await kv.set('gone', 'x');
      expect(await kv.delete('gone')).toBe(true);
      expect(await kv.delete('gone')).toBe(false);
      expect(await kv.get('gone')).toBeUndefined();
    });

    // TTLs that must expire are short; keys that must survive get seconds of margin, so a loaded
    // machine pausing the test for a few hundred milliseconds cannot make it fail.
    it('expires keys after their TTL; set without a TTL clears it; expire() changes it', async () => {
      await kv.set('short', 'v', { ttlMs: 150 });
      await kv.set('alive', 'v', { ttlMs: 10_000 });
      await kv.set('kept', 'v', { ttlMs: 150 });
      await kv.set('kept', 'v2'); // no TTL any more
      await kv.set('extended', 'v', { ttlMs: 150 });
      expect(await kv.expire('extended', 60_000)).toBe(true);
      await kv.set('shortened', 'v');
      expect(await kv.expire('shortened', 150)).toBe(true);
      expect(await kv.expire('missing', 1000)).toBe(false);
      expect(await kv.get('alive')).toBe('v');
      await sleep(300);
      expect(await kv.get('short')).toBeUndefined();
      expect(await kv.has('short')).toBe(false);
      expect(await kv.get('shortened')).toBeUndefined();
      expect(await kv.get('kept')).toBe('v2');
      expect(await kv.get('extended')).toBe('v');
      expect(await kv.get('alive')).toBe('v');
      expect(await kv.keys('sh')).toEqual([]);
      expect(await kv.expire('short', 1000)).toBe(false);
      expect(await kv.delete('short')).toBe(false);
    });

    it('increments atomically, from absent, on numbers that were set, keeping the TTL', async () => {
      expect(await kv.incrBy('c')).toBe(1);
      expect(await kv.incrBy('c', 10)).toBe(11);
      expect(await kv.incrBy('c', -20)).toBe(-9);
      expect(await kv.get('c')).toBe(-9);
      await kv.set('n', 100);
      expect(await kv.incrBy('n', 5)).toBe(105);
      const results = await Promise.all(Array.from({ length: 50 }, () => kv.incrBy('race')));
      expect(await kv.get('race')).toBe(50);
      expect(new Set(results).size).toBe(50);

      await kv.set('ttl-counter', 1, { ttlMs: 700 });
      expect(await kv.incrBy('ttl-counter')).toBe(2);
      await sleep(900);
      expect(await kv.get('ttl-counter')).toBeUndefined();
      expect(await kv.incrBy('ttl-counter')).toBe(1); // an expired counter starts again
    });

    it('refuses to increment non-integers or past the safe-integer range, changing nothing', async () => {
      for (const v of ['5', 1.5, { a: 1 }, 'abc']) {
        await kv.set('bad', v);
        const e = await rejection(kv.incrBy('bad'));
        expect(e.code).toBe('BAD_INPUT');
        expect(e.message).toContain('not an integer');
        expect(await kv.get('bad')).toEqual(v);
      }
      await kv.set('big', MAX_COUNTER - 1);
      expect(await kv.incrBy('big')).toBe(MAX_COUNTER);
      const e = await rejection(kv.incrBy('big'));
      expect(e.message).toMatch(/exceed/);
      expect(await kv.get('big')).toBe(MAX_COUNTER);
      await rejection(kv.incrBy('big', 0.5));
    });

    it('lists keys by literal, case-sensitive prefix, sorted and bounded', async () => {
      const s = await fresh();
      for (const k of ['job:3', 'job:1', 'job:2', 'Job:9', 'jobs', 'j%b', 'j_b', 'a*b', 'a*c', 'ab']) await s.set(k, 1);
      expect(await s.keys('job:')).toEqual(['job:1', 'job:2', 'job:3']);
      expect(await s.keys('job:', { limit: 2 })).toEqual(['job:1', 'job:2']);
      expect(await s.keys('j%')).toEqual(['j%b']);
      expect(await s.keys('j_')).toEqual(['j_b']);
      expect(await s.keys('a*')).toEqual(['a*b', 'a*c']);
      expect(await s.keys()).toHaveLength(10);
      expect(await s.keys('', { limit: 3 })).toEqual(['Job:9', 'a*b', 'a*c']);
      await rejection(s.keys('', { limit: 0 }));
    });

    it('keeps namespaces apart: keys, clear and counters see only their own', async () => {
      const a = await fresh();
      const b = await fresh();
      await a.set('shared-name', 'a');
      await b.set('shared-name', 'b');
      await a.incrBy('count');
      await b.set('only-b', 1);
      expect(await a.get('shared-name')).toBe('a');
      expect(await a.keys()).toEqual(['count', 'shared-name']);
      expect(await a.clear()).toBe(2);
      expect(await a.keys()).toEqual([]);
      expect(await b.get('shared-name')).toBe('b');
      expect(await b.keys()).toEqual(['only-b', 'shared-name']);
    });

    it('rejects bad namespaces, keys, TTLs and values with clear errors', async () => {
      expect((await rejection(make('has:colon'))).message).toMatch(/namespace/);
      expect((await rejection(kv.set('', 1))).code).toBe('VALIDATION');
      expect((await rejection(kv.get('x'.repeat(513)))).code).toBe('VALIDATION');
      expect((await rejection(kv.set('k', 1, { ttlMs: 0 }))).message).toMatch(/ttlMs/);
      expect((await rejection(kv.expire('k', -5))).message).toMatch(/ttlMs/);
      expect((await rejection(kv.set('k', undefined as never))).message).toMatch(/not JSON/);
      expect((await rejection(kv.set('k', 'x'.repeat(1024 * 1024 + 1)))).message).toMatch(/more than the limit/);
      expect(await kv.has('k')).toBe(false);
    });
  });
}
