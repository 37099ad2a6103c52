import type { CreateTableBuilder, Kysely } from 'kysely';
import type { DialectName } from '../store.js';

/** One schema change. Migrations are append-only: never edit one that has shipped, add a new one. */
export interface NovaMigration {
  name: string; // NNN-description, sorted by name
  up(db: Kysely<any>, dialect: DialectName): Promise<void>;
}

/** An auto-incrementing integer primary key, spelled the way each dialect wants it. */
export function withSeq<T extends string>(t: CreateTableBuilder<T, never>, dialect: DialectName, column = 'seq'): CreateTableBuilder<T, never> {
  return dialect === 'postgres'
    ? t.addColumn(column, 'bigserial', (c) => c.primaryKey())
    : t.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement());
}

/** Large integers (epoch ms): bigint on PostgreSQL, integer (64-bit) on SQLite. */
export const bigint = (dialect: DialectName) => (dialect === 'postgres' ? 'bigint' : 'integer') as 'bigint' | 'integer';
/** Floating point. */
export const double = (dialect: DialectName) => (dialect === 'postgres' ? 'double precision' : 'real') as 'double precision' | 'real';
