import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { NovaError } from '../../../errors.js';
import { redactUrl } from '../../../config.js';
import type { Database } from '../../schema.js';
import type { Store } from '../../store.js';

// BIGINT (int8) columns come back as strings by default; our counters and epoch-ms fit in a double.
pg.types.setTypeParser(20, (v: string) => Number(v));


/** PostgreSQL via `pg`. With `schema`, every connection uses that schema (created if missing). */
export async function openPostgres(url: string, schema?: string): Promise<Store> {
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new NovaError('BAD_INPUT', `invalid PostgreSQL schema name "${schema}"`, { hint: 'Use lower-case letters, digits and _.' });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor may a checked-out one (e.g. inside a transaction) between two queries: its next query fails instead.
  pool.on('connect', (client) => { client.on('error', () => {}); });
  try {
    const client = await pool.connect();
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw new NovaError('UNAVAILABLE', `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`, {
      hint: 'Start PostgreSQL (pg_ctlcluster <version> main start) or unset NOVA_DATABASE_URL to use the embedded SQLite store.',
    });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: redactUrl(url) + (schema ? ` (schema ${schema})` : ''),
    close: async () => {
      await db.destroy();
    },
  };
}

/** Drop a schema (tests clean up after themselves). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await pool.end();
  }
}

export { sql };
