/**
 * Test helpers for the real services. PostgreSQL and Redis tests run when the service answers; when
 * it does not they are skipped with the reason printed, unless NOVA_REQUIRE_SERVICES=1 (set by
 * .ci/run), where a missing service fails the suite instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { openStore, type Store } from '../store/store.js';
import { dropPostgresSchema } from '../store/dialect/postgres/postgres-dialect.js';

export const TEST_PG_URL = process.env.NOVA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.NOVA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const servicesRequired = process.env.NOVA_REQUIRE_SERVICES === '1';

function portOpen(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** `undefined` when reachable; otherwise the reason to skip. Throws when services are required. */
export async function serviceSkipReason(kind: 'postgres' | 'redis'): Promise<string | undefined> {
  const ok = kind === 'postgres' ? await portOpen(TEST_PG_URL, 5432) : await portOpen(TEST_REDIS_URL, 6379);
  if (ok) return undefined;
  const reason = `${kind} is not reachable at ${kind === 'postgres' ? TEST_PG_URL : TEST_REDIS_URL}`;
  if (servicesRequired) throw new Error(`${reason}, and NOVA_REQUIRE_SERVICES=1 requires it`);
  console.warn(`SKIP: ${reason} (start it, or set NOVA_TEST_${kind === 'postgres' ? 'DATABASE' : 'REDIS'}_URL)`);
  return reason;
}

// Top-level await: vitest evaluates this once per test file, before describe blocks are collected.
export const pgSkip = await serviceSkipReason('postgres');
export const redisSkip = await serviceSkipReason('redis');

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  skip?: string;
  /** A fresh, isolated, migrated store, and a function that removes it. */
  open(): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

/** The backends a SQL contract suite runs against: SQLite always, PostgreSQL when reachable. */
export function storeBackends(): StoreBackend[] {
  return [
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'nova-sqlite-'));
        const store = await openStore({ sqlitePath: join(dir, 'nova.sqlite') });
        return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
      },
    },
    {
      name: 'postgres',
      skip: pgSkip,
      async open() {
        const schema = uniqueName('t').toLowerCase();
        const store = await openStore({ databaseUrl: TEST_PG_URL, pgSchema: schema });
        return { store, cleanup: async () => { await store.close(); await dropPostgresSchema(TEST_PG_URL, schema); } };
      },
    },
  ];
}

export function tempDir(prefix = 'nova-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
