/**
 * Per-tenant quotas enforced across every worker on every machine, kept in Redis:
 *   - at most `maxRuns` runs of a tenant active at once; a run holds a lease that its worker renews
 *     and that frees the slot by itself if the worker dies;
 *   - at most `stepsPerSec` steps of a tenant started per second (token bucket, burst = one second).
 * No quota set = unlimited. BullMQ's own group limits exist only in its paid edition, hence this.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { NovaError } from '../errors.js';
import { parseOrThrow } from '../protocol/validate.js';
import { TENANT_HINT, TenantName } from '../protocol/common.js';
import { connectRedis } from '../bus/redis-streams/redis-connection.js';
import { ACQUIRE_RUN, ACTIVE_RUNS, RENEW_RUN, TAKE_STEP } from './quota-scripts.js';

export { TenantName };

export const QuotaSettings = z.object({
  /** null = unlimited. */
  maxRuns: z.number().int().min(0).max(1_000_000).nullable().optional(),
  stepsPerSec: z.number().min(0).max(1_000_000).nullable().optional(),
  /** Steps allowed at once after an idle spell; default max(1, stepsPerSec). */
  burst: z.number().min(1).max(1_000_000).nullable().optional(),
}).strict();
export type QuotaSettings = z.infer<typeof QuotaSettings>;

export const TenantUsage = z.object({
  tenant: z.string(),
  maxRuns: z.number().nullable(),
  activeRuns: z.number(),
  stepsPerSec: z.number().nullable(),
  burst: z.number().nullable(),
  stepsStarted: z.number(),
  stepsThrottled: z.number(),
  runsDenied: z.number(),
});
export type TenantUsage = z.infer<typeof TenantUsage>;

export interface RunSlot {
  granted: boolean;
  activeRuns: number;
  maxRuns: number | null;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

export class TenantQuotas {
  constructor(private readonly redis: Redis, readonly prefix = 'nova:quota', private readonly ownsConnection = false) {}

  static async open(url: string, opts: { prefix?: string; connectTimeoutMs?: number } = {}): Promise<TenantQuotas> {
    const redis = await connectRedis(url, { name: 'nova-quota', connectTimeoutMs: opts.connectTimeoutMs });
    return new TenantQuotas(redis, opts.prefix, true);
  }

  private k(kind: 'cfg' | 'runs' | 'bucket' | 'stats', tenant: string): string {
    return `${this.prefix}:${kind}:${tenant}`;
  }
  private get tenantsKey(): string { return `${this.prefix}:tenants`; }

  private tenant(t: string): string {
    return parseOrThrow(TenantName, t, 'tenant name', TENANT_HINT);
  }

  async setQuota(tenant: string, settings: QuotaSettings): Promise<TenantUsage> {
    const t = this.tenant(tenant);
    const s = parseOrThrow(QuotaSettings, settings, `quota for tenant "${t}"`, 'maxRuns: an integer >= 0; stepsPerSec: a number >= 0; null removes the limit.');
    const set: string[] = [];
    const del: string[] = [];
    for (const [field, value] of [['max_runs', s.maxRuns], ['steps_per_sec', s.stepsPerSec], ['burst', s.burst]] as const) {
      if (value === undefined) continue;
      if (value === null) del.push(field);
      else set.push(field, String(value));
    }
    const m = this.redis.multi().sadd(this.tenantsKey, t);
    if (set.length) m.hset(this.k('cfg', t), ...set);
    if (del.length) m.hdel(this.k('cfg', t), ...del);
    // A new rate starts with a full bucket.
    if (s.stepsPerSec !== undefined || s.burst !== undefined) m.del(this.k('bucket', t));
    await m.exec();
    return this.usageOf(t);
  }

  /** Claim a run slot (or renew the lease if this run already holds one). */
  async acquireRun(tenant: string, runId: string, leaseMs = 30_000): Promise<RunSlot> {
    const t = this.tenant(tenant);
    const [ok, active, max] = (await this.redis.eval(ACQUIRE_RUN, 4, this.k('cfg', t), this.k('runs', t), this.k('stats', t), this.tenantsKey, t, runId, String(leaseMs))) as number[];
    return { granted: ok === 1, activeRuns: active, maxRuns: max < 0 ? null : max };
  }

  /** Wait until a slot is free (polling with backoff), or throw TIMEOUT. */
  async waitForRun(tenant: string, runId: string, opts: { leaseMs?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RunSlot> {
    const until = Date.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (let i = 0; ; i++) {
      const slot = await this.acquireRun(tenant, runId, opts.leaseMs);
      if (slot.granted) return slot;
      if (Date.now() >= until || opts.signal?.aborted) {
        throw new NovaError('TIMEOUT', `tenant "${tenant}" already has ${slot.activeRuns} of ${slot.maxRuns} runs active`, { hint: `Wait for a run to finish, or raise the limit: nova quota set ${tenant} --max-runs N` });
      }
      await sleep(Math.min(50 * 2 ** Math.min(i, 5), 1000), opts.signal);
    }
  }

  async renewRun(tenant: string, runId: string, leaseMs = 30_000): Promise<boolean> {
    return (await this.redis.eval(RENEW_RUN, 1, this.k('runs', this.tenant(tenant)), runId, String(leaseMs))) === 1;
  }

  async releaseRun(tenant: string, runId: string): Promise<void> {
    await this.redis.zrem(this.k('runs', this.tenant(tenant)), runId);
  }

  /** Take one step token: `waitMs` 0 means go now, otherwise how long until a token is due. */
  async takeStep(tenant: string, cost = 1): Promise<{ granted: boolean; waitMs: number }> {
    const t = this.tenant(tenant);
    const [ok, wait] = (await this.redis.eval(TAKE_STEP, 4, this.k('cfg', t), this.k('bucket', t), this.k('stats', t), this.tenantsKey, t, String(cost))) as number[];
    return { granted: ok === 1, waitMs: wait };
  }

  /** Block until the tenant may start one more step. */
  async waitForStep(tenant: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const r = await this.takeStep(tenant);
      if (r.granted) return;
      if (signal?.aborted) throw new NovaError('TIMEOUT', `step of tenant "${tenant}" aborted while waiting for its step rate`);
      // Spread waiters a little so they do not all retry in the same millisecond.
      await sleep(r.waitMs + Math.floor(Math.random() * Math.min(20, r.waitMs + 1)), signal);
    }
  }

  async usageOf(tenant: string): Promise<TenantUsage> {
    const t = this.tenant(tenant);
    const [cfg, stats, active] = await Promise.all([
      this.redis.hgetall(this.k('cfg', t)),
      this.redis.hgetall(this.k('stats', t)),
      this.redis.eval(ACTIVE_RUNS, 1, this.k('runs', t)) as Promise<number>,
    ]);
    const num = (v: string | undefined) => (v === undefined ? null : Number(v));
    return {
      tenant: t,
      maxRuns: num(cfg.max_runs),
      activeRuns: Number(active),
      stepsPerSec: num(cfg.steps_per_sec),
      burst: num(cfg.burst) ?? (cfg.steps_per_sec === undefined ? null : Math.max(1, Number(cfg.steps_per_sec))),
      stepsStarted: Number(stats.steps ?? 0),
      stepsThrottled: Number(stats.throttled ?? 0),
      runsDenied: Number(stats.runs_denied ?? 0),
    };
  }

  async usage(): Promise<TenantUsage[]> {
    const tenants = (await this.redis.smembers(this.tenantsKey)).sort();
    return Promise.all(tenants.map((t) => this.usageOf(t)));
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
