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
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new NovaError('UNAVAILABLE', `database migration ${failed?.migrationName ?? ''} failed on ${store.location}: ${(error as Error).message ?? String(error)}`, {
      hint: 'The store may have been created by a newer NovaSystem, or the database user lacks CREATE rights.',
      cause: error,
    });
  }
}
