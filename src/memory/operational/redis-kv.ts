/**
 * Operational memory in Redis (ioredis). Every key is `<namespace>:<key>`; TTLs are Redis PX TTLs,
 * so expiry is Redis's own. Namespaces cannot contain ':' or glob characters, so one namespace's
 * SCAN pattern never matches another's keys.
 */
import { Redis } from 'ioredis';
import { NovaError, errorMessage } from '../../errors.js';
import { redactUrl } from '../../config.js';
import {
  checkDelta, checkKey, checkLimit, checkNamespace, checkTtl, counterOverflow, decodeValue, encodeValue, MAX_COUNTER, notAnInteger,
  type JsonValue, type KeysOptions, type KeyValueStore, type SetOptions,
} from './kv.js';

export interface RedisConnectOptions {
  /** Give up connecting after this long (default 3000 ms). */
  connectTimeoutMs?: number;
}

const UNAVAILABLE_HINT = 'Start Redis (redis-server) or fix NOVA_REDIS_URL; unset NOVA_REDIS_URL to keep operational memory, the bus and workflows in the SQL store instead.';

/**
 * Connect once, failing within `connectTimeoutMs` with a readable error. ioredis would otherwise
 * retry forever in the background; after the first success it may reconnect (bounded back-off),
 * and commands fail after two retries instead of queueing without end.
 */
export async function connectRedis(url: string, opts: RedisConnectOptions = {}): Promise<Redis> {
  const timeoutMs = opts.connectTimeoutMs ?? 3000;
  let connected = false;
  let lastError: Error | undefined;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
  });
  // Without a listener ioredis prints "Unhandled error event" for every failed reconnect.
  client.on('error', (e: Error) => { lastError = e; });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
    connected = true;
    return client;
  } catch (e) {
    client.disconnect();
    const reason = lastError?.message ?? errorMessage(e);
    throw new NovaError('UNAVAILABLE', `cannot connect to Redis at ${redactUrl(url)}: ${reason}`, { hint: UNAVAILABLE_HINT, cause: e });
  } finally {
    clearTimeout(timer);
  }
}

// Validate, range-check, then INCRBY (which keeps the key's TTL) — all atomically inside Redis.
const INCR_SCRIPT = `
local v = redis.call('GET', KEYS[1])
local n = 0
if v then
  if string.len(v) > 17 or not string.match(v, '^-?%d+$') then return redis.error_reply('NOVA_NOT_INTEGER') end
  n = tonumber(v)
end
if math.abs(n + tonumber(ARGV[1])) > tonumber(ARGV[2]) then return redis.error_reply('NOVA_OVERFLOW') end
return redis.call('INCRBY', KEYS[1], ARGV[1])
`;

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

export class RedisKeyValueStore implements KeyValueStore {
  readonly backend = 'redis' as const;
  readonly namespace: string;
  private readonly prefix: string;

  /** `ownsClient`: close() quits the connection (true when made by connect()). */
  constructor(private readonly client: Redis, namespace: string, private readonly ownsClient = false) {
    this.namespace = checkNamespace(namespace);
    this.prefix = `${namespace}:`;
  }

  static async connect(url: string, namespace: string, opts?: RedisConnectOptions): Promise<RedisKeyValueStore> {
    checkNamespace(namespace);
    return new RedisKeyValueStore(await connectRedis(url, opts), namespace, true);
  }

  private k(key: string): string {
    return this.prefix + checkKey(key);
  }

  /** Connection failures become UNAVAILABLE; Redis replies (script errors) pass through. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof NovaError || (e as { name?: string }).name === 'ReplyError') throw e;
      throw new NovaError('UNAVAILABLE', `Redis ${what} failed: ${errorMessage(e)}`, { hint: UNAVAILABLE_HINT, cause: e });
    }
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const v = await this.run('GET', () => this.client.get(this.k(key)));
    return v === null ? undefined : decodeValue(v);
  }

  async set(key: string, value: JsonValue, opts: SetOptions = {}): Promise<void> {
    const k = this.k(key);
    const ttl = checkTtl(opts.ttlMs);
    const text = encodeValue(key, value);
    await this.run('SET', () => (ttl === undefined ? this.client.set(k, text) : this.client.set(k, text, 'PX', ttl)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.run('DEL', () => this.client.del(this.k(key)))) > 0;
  }

  async has(key: string): Promise<boolean> {
    return (await this.run('EXISTS', () => this.client.exists(this.k(key)))) > 0;
  }

  async incrBy(key: string, delta = 1): Promise<number> {
    const k = this.k(key);
    checkDelta(delta);
    try {
      const r = await this.run('INCRBY', () => this.client.eval(INCR_SCRIPT, 1, k, String(delta), String(MAX_COUNTER)));
      return Number(r);
    } catch (e) {
      const msg = errorMessage(e);
      if (msg.includes('NOVA_NOT_INTEGER')) throw notAnInteger(key);
      if (msg.includes('NOVA_OVERFLOW')) throw counterOverflow(key);
      throw e;
    }
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    const k = this.k(key);
    const ttl = checkTtl(ttlMs)!;
    return (await this.run('PEXPIRE', () => this.client.pexpire(k, ttl))) === 1;
  }

  /**
   * SCAN visits the whole keyspace in batches; only the `limit` smallest matching keys are kept,
   * so memory stays bounded and the answer equals the SQL backend's (sorted, first `limit`).
   */
  async keys(prefix = '', opts?: KeysOptions): Promise<string[]> {
    const limit = checkLimit(opts);
    const match = escapeGlob(this.prefix + prefix) + '*';
    let found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.run('SCAN', () => this.client.scan(cursor, 'MATCH', match, 'COUNT', 1000));
      cursor = next;
      for (const full of batch) found.push(full.slice(this.prefix.length));
      if (found.length > 2 * limit) found = [...new Set(found)].sort().slice(0, limit);
    } while (cursor !== '0');
    return [...new Set(found)].sort().slice(0, limit);
  }

  async clear(): Promise<number> {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, batch] = await this.run('SCAN', () => this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000));
      cursor = next;
      if (batch.length) removed += await this.run('UNLINK', () => this.client.unlink(...batch));
    } while (cursor !== '0');
    return removed;
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
