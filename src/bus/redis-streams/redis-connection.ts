/**
 * Opening an ioredis connection the way every Redis-backed part of NovaSystem needs it: fail fast
 * with a clear UNAVAILABLE error when Redis cannot be reached at start, and once connected,
 * reconnect with backoff forever, queueing commands meanwhile, so a Redis restart mid-run delays
 * work instead of losing it.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { NovaError, errorMessage } from '../../errors.js';
import { redactUrl } from '../../config.js';

export interface ConnectRedisOptions {
  /** Shown in CLIENT LIST; helps find NovaSystem's connections on a shared Redis. */
  name?: string;
  /** How long to wait for the first connection before giving up. */
  connectTimeoutMs?: number;
  /** Where connection problems after start are reported (once per outage). */
  log?: (line: string) => void;
}

/** Reconnect delays: 50 ms doubling to 2 s, without limit on the number of attempts. */
export const reconnectDelay = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 10), 2000);

export function redisOptions(name?: string): RedisOptions {
  return {
    lazyConnect: true,
    // null = a command waits for the connection to come back instead of failing after N retries;
    // BullMQ requires this too.
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
    connectionName: name,
  };
}

/** Connect and wait until ready, or throw NovaError UNAVAILABLE naming the URL and the cause. */
export async function connectRedis(url: string, opts: ConnectRedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, redisOptions(opts.name));
  await waitReady(client, url, opts);
  return client;
}

/** A second connection with the same settings (blocking reads need one each). */
export async function duplicateConnection(base: Redis, url: string, opts: ConnectRedisOptions = {}): Promise<Redis> {
  const client = base.duplicate(redisOptions(opts.name));
  await waitReady(client, url, opts);
  return client;
}

async function waitReady(client: Redis, url: string, opts: ConnectRedisOptions): Promise<void> {
  let lastError = '';
  let outage = false;
  client.on('error', (e: unknown) => {
    lastError = errorMessage(e);
    if (!outage && opts.log) opts.log(`redis ${redactUrl(url)}: ${lastError}; reconnecting`);
    outage = true;
  });
  client.on('ready', () => {
    if (outage && opts.log) opts.log(`redis ${redactUrl(url)}: connection restored`);
    outage = false;
  });
  const timeoutMs = opts.connectTimeoutMs ?? 5000;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    client.once('ready', () => { clearTimeout(timer); resolve(true); });
    client.connect().catch(() => { /* reported through 'error'; retryStrategy keeps trying */ });
  });
  if (!ready) {
    client.disconnect();
    throw new NovaError('UNAVAILABLE', `Redis is not reachable at ${redactUrl(url)}${lastError ? ` (${lastError})` : ''} after ${timeoutMs} ms`, {
      hint: 'Start Redis (e.g. `redis-server --bind 127.0.0.1 --port 6379 --appendonly yes`) or set NOVA_REDIS_URL to a reachable redis:// URL; see docs/several-machines.md.',
    });
  }
}
