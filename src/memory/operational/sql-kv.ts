/**
 * Operational memory in the SQL store's `kv` table (SQLite or PostgreSQL), for setups without
 * Redis. Expired rows are invisible to every read at once and deleted later: lazily when a read
 * meets one, and by a periodic sweep of this namespace (unref'd, so it never keeps a process alive).
 */
import { sql } from 'kysely';
import type { Store } from '../../store/store.js';
import {
  checkDelta, checkKey, checkLimit, checkNamespace, checkTtl, counterOverflow, decodeValue, encodeValue, MAX_COUNTER, notAnInteger,
  type JsonValue, type KeysOptions, type KeyValueStore, type SetOptions,
} from './kv.js';

export interface SqlKvOptions {
  /** How often expired rows of this namespace are swept (ms); 0 turns the sweep off. Default 60 s. */
  purgeIntervalMs?: number;
}

export class SqlKeyValueStore implements KeyValueStore {
  readonly backend = 'sql' as const;
  readonly namespace: string;
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: Store, namespace: string, opts: SqlKvOptions = {}) {
    this.namespace = checkNamespace(namespace);
    const every = opts.purgeIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => { this.purgeExpired().catch(() => {}); }, every);
      this.timer.unref();
    }
  }

  private get db() {
    return this.store.db;
  }

  async get(key: string): Promise<JsonValue | undefined> {
    checkKey(key);
    const row = await this.db.selectFrom('kv').select(['value', 'expires_at']).where('namespace', '=', this.namespace).where('key', '=', key).executeTakeFirst();
    if (!row) return undefined;
    const now = Date.now();
    if (row.expires_at !== null && Number(row.expires_at) <= now) {
      await this.db.deleteFrom('kv').where('namespace', '=', this.namespace).where('key', '=', key).where('expires_at', '<=', now).execute();
      return undefined;
    }
    return decodeValue(row.value);
  }

  async set(key: string, value: JsonValue, opts: SetOptions = {}): Promise<void> {
    checkKey(key);
    const ttl = checkTtl(opts.ttlMs);
    const text = encodeValue(key, value);
    const expires_at = ttl === undefined ? null : Date.now() + ttl;
    await this.db.insertInto('kv')
      .values({ namespace: this.namespace, key, value: text, expires_at })
      .onConflict((oc) => oc.columns(['namespace', 'key']).doUpdateSet({ value: text, expires_at }))
      .execute();
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    const now = Date.now();
    const res = await this.db.deleteFrom('kv')
      .where('namespace', '=', this.namespace).where('key', '=', key)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async has(key: string): Promise<boolean> {
    checkKey(key);
    const now = Date.now();
    const row = await this.db.selectFrom('kv').select('key')
      .where('namespace', '=', this.namespace).where('key', '=', key)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return !!row;
  }

  /**
   * One upsert statement, so concurrent increments (threads or processes) never lose an update.
   * The WHERE on the conflict branch refuses non-integers and overflow: no row comes back then.
   */
  async incrBy(key: string, delta = 1): Promise<number> {
    checkKey(key);
    checkDelta(delta);
    const now = Date.now();
    const pg = this.store.dialect === 'postgres';
    const intType = sql.raw(pg ? 'BIGINT' : 'INTEGER');
    const expired = sql`(kv.expires_at IS NOT NULL AND kv.expires_at <= ${now})`;
    const isInteger = pg
      ? sql`kv.value ~ '^-?[0-9]{1,16}$'`
      : sql`(length(kv.value) BETWEEN 1 AND 17 AND (kv.value GLOB '[0-9]*' OR kv.value GLOB '-[0-9]*') AND substr(kv.value, 2) NOT GLOB '*[^0-9]*')`;
    const sum = sql`(CAST(kv.value AS ${intType}) + CAST(${String(delta)} AS ${intType}))`;
    const result = await sql<{ value: string }>`
      INSERT INTO kv (namespace, key, value, expires_at) VALUES (${this.namespace}, ${key}, ${String(delta)}, NULL)
      ON CONFLICT (namespace, key) DO UPDATE SET
        value = CASE WHEN ${expired} THEN excluded.value ELSE CAST(${sum} AS TEXT) END,
        expires_at = CASE WHEN ${expired} THEN NULL ELSE kv.expires_at END
      WHERE ${expired} OR (${isInteger} AND abs(${sum}) <= ${MAX_COUNTER})
      RETURNING value`.execute(this.db);
    const row = result.rows[0];
    if (!row) {
      const current = await this.get(key);
      throw Number.isSafeInteger(current) ? counterOverflow(key) : notAnInteger(key);
    }
    return Number(row.value);
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    checkKey(key);
    const ttl = checkTtl(ttlMs)!;
    const now = Date.now();
    const res = await this.db.updateTable('kv').set({ expires_at: now + ttl })
      .where('namespace', '=', this.namespace).where('key', '=', key)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async keys(prefix = '', opts?: KeysOptions): Promise<string[]> {
    const limit = checkLimit(opts);
    const now = Date.now();
    let q = this.db.selectFrom('kv').select('key')
      .where('namespace', '=', this.namespace)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    // substr rather than LIKE: LIKE is case-insensitive on SQLite and treats % and _ as wildcards.
    if (prefix) q = q.where(sql<boolean>`substr(key, 1, ${[...prefix].length}) = ${prefix}`);
    // Byte order on both dialects (PostgreSQL would otherwise sort by the database locale).
    const order = this.store.dialect === 'postgres' ? sql`key COLLATE "C"` : sql`key`;
    const rows = await q.orderBy(order).limit(limit).execute();
    return rows.map((r) => r.key);
  }

  async clear(): Promise<number> {
    const now = Date.now();
    const res = await this.db.deleteFrom('kv').where('namespace', '=', this.namespace)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    await this.db.deleteFrom('kv').where('namespace', '=', this.namespace).execute();
    return Number(res.numDeletedRows);
  }

  /** Delete this namespace's expired rows now; returns how many. */
  async purgeExpired(): Promise<number> {
    const res = await this.db.deleteFrom('kv').where('namespace', '=', this.namespace).where('expires_at', '<=', Date.now()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Stops the sweep; the SQL store belongs to the caller and stays open. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
