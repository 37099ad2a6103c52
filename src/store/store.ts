/**
 * The SQL store: one Kysely instance on SQLite (embedded default) or PostgreSQL, migrated on open.
 * `Store.dialect` lets the few dialect-specific statements (upserts with RETURNING, locking) choose.
 */
import { Kysely, sql } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from './schema.js';
import { openSqlite } from './dialect/sqlite/sqlite-dialect.js';
import { migrateToLatest } from './migrations/migrator.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Human description: file path or URL without password. */
  location: string;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** PostgreSQL URL; when absent, SQLite at sqlitePath. */
  databaseUrl?: string;
  sqlitePath?: string;
  /** PostgreSQL schema to use (created if missing); tests use one each for isolation. */
  pgSchema?: string;
  migrate?: boolean;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  // pg is loaded only when used: importing it costs ~0.1 s of every CLI start on SQLite.
  const store = opts.databaseUrl
    ? await (await import('./dialect/postgres/postgres-dialect.js')).openPostgres(opts.databaseUrl, opts.pgSchema)
    : openSqlite(opts.sqlitePath ?? ':memory:');
  if (opts.migrate !== false) await migrateToLatest(store);
  return store;
}

export function openStoreFromConfig(config: Config): Promise<Store> {
  return openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
}

/** Run fn in a transaction. */
export function transaction<T>(store: Store, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(fn);
}

export { sql };
