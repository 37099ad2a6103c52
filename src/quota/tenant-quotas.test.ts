import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { TenantQuotas } from './tenant-quotas.js';
import { TEST_REDIS_URL, redisSkip, uniqueName } from '../testing/services.js';

describe.skipIf(!!redisSkip)('TenantQuotas (Redis)', () => {
  const open: TenantQuotas[] = [];
  const prefixes: string[] = [];
  async function quotas(prefix = uniqueName('quota')): Promise<TenantQuotas> {
    prefixes.push(prefix);
    const q = await TenantQuotas.open(TEST_REDIS_URL, { prefix });
    open.push(q);
    return q;
  }
  afterEach(async () => {
    for (const q of open.splice(0)) await q.close();
    const r = new Redis(TEST_REDIS_URL);
    for (const p of prefixes.splice(0)) { const k = await r.keys(`${p}:*`); if (k.length) await r.del(...k); }
    await r.quit();
  });

  it('limits concurrent runs per tenant across connections, and frees a slot on release', async () => {
    const prefix = uniqueName('quota');
    const a = await quotas(prefix);
    const b = await quotas(prefix); // a second "worker"
    await a.setQuota('acme', { maxRuns: 2 });
    expect((await a.acquireRun('acme', 'r1')).granted).toBe(true);
    expect((await b.acquireRun('acme', 'r2')).granted).toBe(true);
    expect(await b.acquireRun('acme', 'r3')).toEqual({ granted: false, activeRuns: 2, maxRuns: 2 });
    expect((await a.acquireRun('acme', 'r1')).granted).toBe(true); // renewing a held slot is not a new run
    expect((await b.acquireRun('other', 'x1')).granted).toBe(true); // other tenants unaffected (unlimited)
    await a.releaseRun('acme', 'r1');
    expect((await b.acquireRun('acme', 'r3')).granted).toBe(true);
    const u = await a.usageOf('acme');
    expect(u).toMatchObject({ tenant: 'acme', maxRuns: 2, activeRuns: 2, runsDenied: 1 });
  });

  it('frees the slot of a run whose worker died when its lease expires', async () => {
    const q = await quotas();
    await q.setQuota('t1', { maxRuns: 1 });
    expect((await q.acquireRun('t1', 'dead-worker-run', 150)).granted).toBe(true);
    expect((await q.acquireRun('t1', 'next', 150)).granted).toBe(false);
    const t0 = Date.now();
    await q.waitForRun('t1', 'next', { leaseMs: 5000, timeoutMs: 3000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(await q.renewRun('t1', 'dead-worker-run')).toBe(false);
    expect(await q.renewRun('t1', 'next')).toBe(true);
  });

  it('throttles steps to the tenant rate, shared by concurrent takers', async () => {
    const prefix = uniqueName('quota');
    const a = await quotas(prefix);
    const b = await quotas(prefix);
    await a.setQuota('slow', { stepsPerSec: 20, burst: 1 });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).waitForStep('slow')));
    const elapsed = Date.now() - t0;
    // 10 steps at 20/s with a burst of 1: the 10th may start ~450 ms after the first.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(2000);
    const u = await a.usageOf('slow');
    expect(u.stepsStarted).toBe(10);
    expect(u.stepsThrottled).toBeGreaterThan(0);
    // Unlimited tenant: never waits.
    const t1 = Date.now();
    for (let i = 0; i < 50; i++) expect((await a.takeStep('fast')).granted).toBe(true);
    expect(Date.now() - t1).toBeLessThan(1000);
    expect((await a.usage()).map((x) => x.tenant)).toEqual(['fast', 'slow']);
  });

  it('rejects bad tenant names and settings with a clear error', async () => {
    const q = await quotas();
    await expect(q.setQuota('bad tenant', { maxRuns: 1 })).rejects.toThrow(/tenant name/);
    await expect(q.setQuota('ok', { maxRuns: -1 })).rejects.toThrow(/maxRuns/);
    await expect(q.setQuota('ok', { maxRuns: 1.5 })).rejects.toThrow(/maxRuns/);
    const u = await q.setQuota('ok', { maxRuns: 3, stepsPerSec: 5 });
    expect(u).toMatchObject({ maxRuns: 3, stepsPerSec: 5, burst: 5 });
    expect(await q.setQuota('ok', { maxRuns: null })).toMatchObject({ maxRuns: null, stepsPerSec: 5 });
  });
});
