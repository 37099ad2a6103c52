import { describe, expect, it } from 'vitest';
import { storeBackends } from '../testing/services.js';
import { openStore } from './store.js';
import { NovaError } from '../errors.js';

for (const backend of storeBackends()) {
  describe.skipIf(!!backend.skip)(`SQL store on ${backend.name}`, () => {
    it('migrates, writes and reads back every core table', async () => {
      const { store, cleanup } = await backend.open();
      try {
        const now = new Date().toISOString();
        await store.db.insertInto('runs').values({ run_id: 'r1', kind: 'install', target: '.', status: 'running', tenant: 'default', started_at: now, finished_at: null, duration_ms: null, summary: null }).execute();
        await store.db.insertInto('commands').values({ run_id: 'r1', step_index: 0, attempt: 1, stage: 'install', command: 'npm ci', cwd: null, status: 'success', exit_code: 0, duration_ms: 1234, output: 'ok', output_truncated: 0, started_at: now }).execute();
        const cmds = await store.db.selectFrom('commands').selectAll().where('run_id', '=', 'r1').execute();
        expect(cmds).toHaveLength(1);
        expect(cmds[0].seq).toBeGreaterThan(0);
        expect(cmds[0].duration_ms).toBe(1234);
        await store.db.insertInto('kv').values({ namespace: 'n', key: 'k', value: 'v', expires_at: Date.now() + 10_000 }).execute();
        const kv = await store.db.selectFrom('kv').selectAll().executeTakeFirstOrThrow();
        expect(typeof kv.expires_at).toBe('number');
      } finally {
        await cleanup();
      }
    });

    it('migrating twice is a no-op', async () => {
      const { store, cleanup } = await backend.open();
      try {
        const { migrateToLatest } = await import('./migrations/migrator.js');
        await migrateToLatest(store);
        const rows = await store.db.selectFrom('agents').selectAll().execute();
        expect(rows).toEqual([]);
      } finally {
        await cleanup();
      }
    });
  });
}

describe('opening a store with bad settings', () => {
  it('names the unreachable PostgreSQL server and how to fix it', async () => {
    const err = await openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none' }).catch((e) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect(err.message).toMatch(/cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/none/);
    expect(err.hint).toMatch(/NOVA_DATABASE_URL/);
  });
});

describe('several processes opening one fresh SQLite file at once', () => {
  it('all migrate it without error', async () => {
    const { execFile } = await import('node:child_process');
    const { tempDir } = await import('../testing/services.js');
    const { join } = await import('node:path');
    const dir = tempDir();
    try {
      const script = `import { openStore } from ${JSON.stringify(new URL('./store.ts', import.meta.url).pathname)}; const s = await openStore({ sqlitePath: process.argv[1] }); await s.close(); console.log('ok');`;
      const run = () => new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, join(dir.path, 'nova.sqlite')], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout.trim())));
      });
      expect(await Promise.all([run(), run(), run(), run()])).toEqual(['ok', 'ok', 'ok', 'ok']);
    } finally {
      dir.cleanup();
    }
  }, 90_000);
});

describe('several processes writing one SQLite file at once', () => {
  it('transactions that read before they write wait for each other instead of failing with "database is locked"', async () => {
    const { execFile } = await import('node:child_process');
    const { tempDir } = await import('../testing/services.js');
    const { join } = await import('node:path');
    const dir = tempDir();
    try {
      const file = join(dir.path, 'nova.sqlite');
      await (await openStore({ sqlitePath: file })).close();
      // Each transaction reads the row count, then inserts: the shape that a deferred BEGIN turns
      // into SQLITE_BUSY at once when another process commits between the read and the write.
      const script = `import { openStore } from ${JSON.stringify(new URL('./store.ts', import.meta.url).pathname)};
        const s = await openStore({ sqlitePath: process.argv[1] });
        for (let i = 0; i < 40; i++) {
          await s.db.transaction().execute(async (trx) => {
            const n = (await trx.selectFrom('kv').select('key').execute()).length;
            await new Promise((r) => setTimeout(r, 1));
            await trx.insertInto('kv').values({ namespace: 'race', key: process.pid + ':' + i, value: String(n), expires_at: null }).execute();
          });
        }
        await s.close(); console.log('ok');`;
      const run = () => new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout.trim())));
      });
      expect(await Promise.all([run(), run(), run(), run()])).toEqual(['ok', 'ok', 'ok', 'ok']);
      const store = await openStore({ sqlitePath: file });
      try {
        expect((await store.db.selectFrom('kv').select('key').where('namespace', '=', 'race').execute()).length).toBe(160);
      } finally {
        await store.close();
      }
    } finally {
      dir.cleanup();
    }
  }, 90_000);
});
