/**
 * Operational memory: a namespaced key-value store with TTLs and atomic counters, for short-lived
 * working data (locks, counters, caches, progress). Two backends behave the same (one contract
 * suite runs against both): the SQL store's `kv` table (embedded default) and Redis.
 *
 * Values are stored as JSON text on both backends, so `set('k', 'abc')` reads back 'abc' and
 * `set('k', { a: 1 })` reads back { a: 1 }; integers are stored as their digits, which is what
 * makes `incrBy` work on a value that was `set` as a number.
 */
import { NovaError, ValidationError } from '../../errors.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface SetOptions {
  /** Time to live in milliseconds; without it the key never expires. */
  ttlMs?: number;
}

export interface KeysOptions {
  /** At most this many keys (default 1000, at most 10000). */
  limit?: number;
}

export interface KeyValueStore {
  readonly namespace: string;
  readonly backend: 'sql' | 'redis';
  /** The value, or undefined when the key is absent or expired. */
  get(key: string): Promise<JsonValue | undefined>;
  /** Store a value (replacing any value and TTL the key had). */
  set(key: string, value: JsonValue, opts?: SetOptions): Promise<void>;
  /** Whether a (live) key was removed. */
  delete(key: string): Promise<boolean>;
  has(key: string): Promise<boolean>;
  /** Atomically add `delta` (default 1) to an integer value (absent = 0); keeps the key's TTL. */
  incrBy(key: string, delta?: number): Promise<number>;
  /** Give a live key a new TTL; false when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Live keys starting with `prefix`, sorted, at most `limit` of them. */
  keys(prefix?: string, opts?: KeysOptions): Promise<string[]>;
  /** Remove every key of this namespace (and nothing else); returns how many were removed. */
  clear(): Promise<number>;
  close(): Promise<void>;
}

export const KV_LIMITS = {
  maxKeyLength: 512,
  maxValueBytes: 1024 * 1024,
  defaultKeysLimit: 1000,
  maxKeysLimit: 10_000,
} as const;

/** Integers beyond this lose precision in JavaScript, so counters stop there on every backend. */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** Namespaces are plain names: no ':' (the Redis separator) and no glob characters. */
export function checkNamespace(namespace: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(namespace)) {
    throw new NovaError('BAD_INPUT', `invalid key-value namespace "${namespace}"`, { hint: 'Use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit.' });
  }
  return namespace;
}

export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > KV_LIMITS.maxKeyLength) {
    throw new ValidationError('key-value key', [{ path: '$', message: `must be a string of 1 to ${KV_LIMITS.maxKeyLength} characters` }]);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new ValidationError('key-value key', [{ path: '$', message: 'must not contain control characters' }]);
  return key;
}

export function checkTtl(ttlMs: number | undefined, what = 'ttlMs'): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new NovaError('BAD_INPUT', `${what} must be a whole number of milliseconds of at least 1, got ${ttlMs}`, { hint: 'Leave it out for a key that never expires; use delete() to remove a key now.' });
  }
  return ttlMs;
}

export function checkDelta(delta: number): number {
  if (!Number.isSafeInteger(delta)) throw new NovaError('BAD_INPUT', `incrBy needs a whole number, got ${delta}`, { hint: 'Counters hold integers; store fractional values with set().' });
  return delta;
}

export function checkLimit(opts?: KeysOptions): number {
  const limit = opts?.limit ?? KV_LIMITS.defaultKeysLimit;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > KV_LIMITS.maxKeysLimit) {
    throw new NovaError('BAD_INPUT', `keys() limit must be between 1 and ${KV_LIMITS.maxKeysLimit}, got ${limit}`);
  }
  return limit;
}

/** JSON text of a value, refusing what JSON cannot carry and values over the size limit. */
export function encodeValue(key: string, value: JsonValue): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new ValidationError(`value of key "${key}"`, [{ path: '$', message: `cannot be stored as JSON (${(e as Error).message})` }]);
  }
  if (text === undefined) throw new ValidationError(`value of key "${key}"`, [{ path: '$', message: `a ${typeof value} is not JSON; use delete() to remove a key` }]);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > KV_LIMITS.maxValueBytes) {
    throw new ValidationError(`value of key "${key}"`, [{ path: '$', message: `is ${bytes} bytes as JSON, more than the limit of ${KV_LIMITS.maxValueBytes}` }], 'Operational memory is for small working data; keep large artefacts in the SQL store or on disk.');
  }
  return text;
}

export function decodeValue(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

export function notAnInteger(key: string): NovaError {
  return new NovaError('BAD_INPUT', `cannot increment key "${key}": its value is not an integer`, { hint: 'incrBy works on keys holding a whole number (or absent keys); set() the key to a number first, or use another key.' });
}

export function counterOverflow(key: string): NovaError {
  return new NovaError('BAD_INPUT', `cannot increment key "${key}": the result would exceed ±${MAX_COUNTER}`, { hint: 'Counters are limited to JavaScript safe integers; reset the counter with set().' });
}
