import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import { NovaError } from '../../../errors.js';
import type { Database } from '../../schema.js';
import type { Store } from '../../store.js';

/**
 * Transactions start with BEGIN IMMEDIATE: they take the write lock at once, waiting for it under
 * the busy timeout. A plain (deferred) BEGIN reads first and asks for the lock at its first write;
 * if another process committed in between, SQLite cannot wait (its snapshot is stale) and fails at
 * once with "database is locked" — which several CLI processes on one file hit within seconds.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class SqliteImmediateDialect extends SqliteDialect {
  constructor(private readonly config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.config);
  }
}

/**
 * SQLite through better-sqlite3 12.x. WAL mode plus a busy timeout lets a CLI and a server use the
 * same file at once: readers never block the writer, and a second writer waits instead of failing.
 */
export function openSqlite(path: string): Store {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      // A file where the folder should be is a setting to fix (exit 2); anything else is the machine's.
      const code = (e as NodeJS.ErrnoException).code;
      const badSetting = code === 'EEXIST' || code === 'ENOTDIR';
      throw new NovaError(badSetting ? 'BAD_INPUT' : 'UNAVAILABLE', `cannot create the folder for the SQLite store at ${dirname(path)}: ${(e as Error).message}`, { hint: 'Set NOVA_HOME to a writable folder (not a file).', exitCode: badSetting ? 2 : 1 });
    }
  }
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(path);
  } catch (e) {
    throw new NovaError('UNAVAILABLE', `cannot open the SQLite store ${path}: ${(e as Error).message}`, { hint: 'Check that NOVA_HOME is writable and the file is a SQLite database.' });
  }
  raw.pragma('journal_mode = WAL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteImmediateDialect({ database: raw }) });
  return {
    db,
    dialect: 'sqlite',
    location: path,
    close: async () => {
      await db.destroy();
    },
  };
}
