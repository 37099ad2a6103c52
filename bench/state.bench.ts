/**
 * Shared state throughput: validated, policy-checked, versioned updates with their history and
 * audit rows persisted (SQLite file; PostgreSQL when reachable), against a baseline of the same
 * updates merged into a plain in-memory object (what an agent framework without persistence or
 * access control does). Run alone: `npx tsx bench/state.bench.ts [updates]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedState } from '../src/state/shared-state.js';
import { openStore, type Store } from '../src/store/store.js';
import { dropPostgresSchema } from '../src/store/dialect/postgres/postgres-dialect.js';

const N = Number(process.argv[2] ?? 2000);
const PG_URL = process.env.NOVA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Update = Record<string, unknown>;

/** Deterministic updates: 1-3 keys each out of 40, small JSON values, every 10th deletes a key. */
function makeUpdates(n: number): Update[] {
  const out: Update[] = [];
  for (let i = 0; i < n; i++) {
    const u: Update = {};
    for (let j = 0; j <= i % 3; j++) u[`analysis.k${(i * 7 + j * 13) % 40}`] = i % 10 === 0 && j === 0 ? null : { step: i, ok: i % 4 !== 0, note: `update ${i}` };
    out.push(u);
  }
  return out;
}

const policy = { rules: [{ agent: 'bench-agent', read: ['*'], write: ['analysis.*'] }] };

function baseline(updates: Update[]): number {
  const t = performance.now();
  let doc: Record<string, unknown> = {};
  let version = 0;
  const history: { version: number; update: Update }[] = [];
  for (const u of updates) {
    const next = { ...doc };
    for (const [k, v] of Object.entries(u)) if (v === null) delete next[k]; else next[k] = v;
    doc = next;
    version++;
    history.push({ version, update: u });
  }
  if (version !== updates.length || history.length !== updates.length) throw new Error('baseline lost updates');
  return performance.now() - t;
}

async function sequential(store: Store, updates: Update[]): Promise<number> {
  const state = new SharedState(store);
  await state.create('bench-seq', policy);
  const t = performance.now();
  let version = 0;
  for (const u of updates) {
    version = (await state.apply({ run_id: 'bench-seq', agent_id: 'bench-agent', timestamp: new Date().toISOString(), state_update: u, expected_version: version })).version;
  }
  const ms = performance.now() - t;
  if (version !== updates.length) throw new Error(`expected version ${updates.length}, got ${version}`);
  return ms;
}

/** 8 writers at once without expected_version: conditional-update losers re-read and retry. */
async function concurrent(store: Store, updates: Update[]): Promise<number> {
  const state = new SharedState(store, { maxMergeRetries: 1000 });
  await state.create('bench-par', policy);
  const t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < updates.length) {
      const u = updates[next++];
      await state.apply({ run_id: 'bench-par', agent_id: 'bench-agent', timestamp: new Date().toISOString(), state_update: u });
    }
  }));
  const ms = performance.now() - t;
  const { version } = await state.get('bench-par', 'bench-agent');
  if (version !== updates.length) throw new Error(`expected version ${updates.length}, got ${version}`);
  return ms;
}

async function historyQuery(store: Store): Promise<number> {
  const state = new SharedState(store);
  const t = performance.now();
  const h = await state.history('bench-seq', { key: 'analysis.k7', limit: 1000 });
  if (h.length === 0) throw new Error('history empty');
  return performance.now() - t;
}

function pgReachable(): Promise<boolean> {
  const u = new URL(PG_URL);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 5432) });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

interface Row { what: string; updates: number; ms: number }

async function main(): Promise<void> {
  const updates = makeUpdates(N);
  baseline(updates); // warm-up
  const rows: Row[] = [{ what: 'baseline: in-memory object merge', updates: N, ms: baseline(updates) }];
  const extra: string[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'nova-bench-state-'));
  const sqlite = await openStore({ sqlitePath: join(dir, 'nova.sqlite') });
  try {
    rows.push({ what: 'SQLite file, 1 writer, expected_version', updates: N, ms: await sequential(sqlite, updates) });
    rows.push({ what: 'SQLite file, 8 concurrent merge writers', updates: N, ms: await concurrent(sqlite, updates) });
    extra.push(`SQLite history({ key }) over ${N} updates: ${(await historyQuery(sqlite)).toFixed(1)} ms`);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  if (await pgReachable()) {
    const schema = `bench_state_${process.pid}`;
    const pg = await openStore({ databaseUrl: PG_URL, pgSchema: schema });
    const n = Math.min(N, 1000);
    try {
      rows.push({ what: 'PostgreSQL, 1 writer, expected_version', updates: n, ms: await sequential(pg, updates.slice(0, n)) });
      rows.push({ what: 'PostgreSQL, 8 concurrent merge writers', updates: n, ms: await concurrent(pg, updates.slice(0, n)) });
      extra.push(`PostgreSQL history({ key }) over ${n} updates: ${(await historyQuery(pg)).toFixed(1)} ms`);
    } finally {
      await pg.close();
      await dropPostgresSchema(PG_URL, schema);
    }
  } else {
    extra.push(`PostgreSQL not reachable at ${PG_URL}: skipped`);
  }

  const base = rows[0].updates / rows[0].ms;
  const lines = [
    '| run | updates | time (ms) | updates/s | × slower than baseline |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const rate = r.updates / r.ms;
      return `| ${r.what} | ${r.updates} | ${r.ms.toFixed(1)} | ${Math.round(rate * 1000).toLocaleString('en-US')} | ${r === rows[0] ? '1' : (base / rate).toFixed(0)} |`;
    }),
  ];
  process.stdout.write(lines.join('\n') + '\n\n' + extra.join('\n') + '\n');
}

await main();
