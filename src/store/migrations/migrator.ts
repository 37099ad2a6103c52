import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { NovaError } from '../../errors.js';
import type { Store } from '../store.js';
import { migrations } from './index.js';

class StaticProvider implements MigrationProvider {
  constructor(private readonly store: Store) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const m of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
      out[m.name] = { up: (db) => m.up(db, this.store.dialect) };
    }
    return out;
  }
}

/**
 * Bring the schema up to date. Kysely's migrator takes a lock (an advisory lock on PostgreSQL,
 * a lock table on SQLite) so several processes starting at once migrate exactly once.
 */
export async function migrateToLatest(store: Store): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: with several
  // PostgreSQL schemas in one database it would see another schema's tables and skip creating its own.
  const migrationTableSchema = store.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]?.s : undefined;
  const migrator = new Migrator({ db: store.db, provider: new StaticProvider(store), migrationTableName: 'nova_migrations', migrationLockTableName: 'nova_migrations_lock', migrationTableSchema });
  // Kysely's SQLite "lock" does not exclude other processes: two processes opening a fresh file at
  // once both run a migration, and the loser fails on "already exists". Each migration runs in a
  // transaction, so the loser's attempt rolled back and the winner's committed: try again, and the
  // loser finds it done.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    const message = (error as Error).message ?? String(error);
    if (store.dialect === 'sqlite' && attempt < 10 && /already exists|database is locked|SQLITE_BUSY/i.test(message)) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      continue;
    }
    const failed = results?.find((r) => r.status === 'Error');
    throw new NovaError('UNAVAILABLE', `database migration ${failed?.migrationName ?? ''} failed on ${store.location}: ${message}`, {
      hint: 'The store may have been created by a newer NovaSystem, or the database user lacks CREATE rights.',
      cause: error,
    });
  }
}
