/**
 * Several machines: workflow throughput with 1, 2 and 4 `nova worker` processes on I/O-bound steps
 * (each step sleeps, then records its effect exactly once in PostgreSQL), and the overhead against
 * plain BullMQ jobs doing the same work (same sleep, same PostgreSQL writes) on the same Redis in
 * the same run.
 *
 *   npx tsx bench/distributed.bench.ts [runs=32] [stepsPerRun=3] [stepMs=1000] [concurrency=4]
 *
 * Needs PostgreSQL and Redis (NOVA_TEST_DATABASE_URL / NOVA_TEST_REDIS_URL, defaults on loopback).
 */
import { Queue, Worker } from 'bullmq';
import { sql } from 'kysely';
import { TEST_PG_URL, TEST_REDIS_URL, tempDir, uniqueName } from '../src/testing/services.js';
import { openStore, type Store } from '../src/store/store.js';
import { dropPostgresSchema } from '../src/store/dialect/postgres/postgres-dialect.js';
import { connectRedis } from '../src/bus/redis-streams/redis-connection.js';
import { parseDefinition } from '../src/workflow/definition.js';
import { BullMQWorkflowExecutor } from '../src/workflow/bullmq/bullmq-executor.js';
import { StepEffects } from '../src/workflow/bullmq/step-effects.js';
import { createEffectTable } from '../test/distributed/effect-agent.js';
import { startWorker, workerEnv, type WorkerProc } from '../test/distributed/worker-procs.js';

const [runs, stepsPerRun, stepMs, concurrency] = [32, 3, 1000, 4].map((d, i) => Number(process.argv[2 + i] ?? d));
const totalSteps = runs * stepsPerRun;

const definition = parseDefinition({
  name: 'bench-chain',
  inputs: [{ name: 'i', type: 'integer', required: true }],
  steps: Array.from({ length: stepsPerRun }, (_, k) => ({
    id: `s${k}`, type: 'task' as const, capability: 'test.effect', input: { tag: `s${k}`, ms: stepMs }, idempotent: true,
    ...(k + 1 < stepsPerRun ? { next: `s${k + 1}` } : {}),
  })),
});

interface Row { label: string; workers: number; ms: number; stepsPerSec: number }

async function novaRound(store: Store, schema: string, home: string, workers: number): Promise<Row> {
  const prefix = uniqueName('bench');
  const redis = await connectRedis(TEST_REDIS_URL);
  const procs: WorkerProc[] = await Promise.all(Array.from({ length: workers }, () => startWorker(workerEnv(schema, home), prefix, { concurrency, lockMs: 10_000, capabilities: ['test.effect'] })));
  const executor = new BullMQWorkflowExecutor({ store, connection: redis, prefix, pollMs: 20 });
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: runs }, (_, i) => executor.start(definition, { i })));
  const startMs = performance.now() - t0;
  const outcomes = await Promise.all(ids.map((id) => executor.wait(id, { timeoutMs: 120_000 }))).catch((e: unknown) => {
    for (const p of procs) console.error(p.stderr.slice(-30).join('\n'));
    throw e;
  });
  const ms = performance.now() - t0;
  const failed = outcomes.filter((o) => o.status !== 'succeeded');
  if (failed.length) throw new Error(`${failed.length} runs did not succeed: ${JSON.stringify(failed[0].error)}`);
  await executor.close();
  for (const p of procs) p.proc.kill('SIGTERM');
  const stops = await Promise.all(procs.map((p) => p.stopped));
  await Promise.all(procs.map((p) => p.exited));
  const cpuMs = stops.reduce((a, s, i) => a + (s?.cpuMs ?? 0) - procs[i].readyCpuMs, 0);
  console.error(`  ${workers} worker(s): starting ${runs} runs took ${startMs.toFixed(0)} ms; steps per worker ${stops.map((s) => s?.processed).join('/')}, worker CPU after ready ${cpuMs} ms = ${(cpuMs / totalSteps).toFixed(1)} ms/step`);
  await cleanRedis(redis, prefix);
  await redis.quit();
  return { label: `nova workflow, ${workers} worker process${workers > 1 ? 'es' : ''}`, workers, ms, stepsPerSec: totalSteps / (ms / 1000) };
}

/** The same work as plain BullMQ jobs: sleep, then the same effect + idempotency rows in one transaction. */
async function plainRound(store: Store, workers: number): Promise<Row> {
  const prefix = uniqueName('plain');
  const redis = await connectRedis(TEST_REDIS_URL);
  const effects = new StepEffects(store);
  const queue = new Queue('plain', { connection: redis, prefix });
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => { finish = r; });
  const ws = Array.from({ length: workers }, () => new Worker('plain', async (job) => {
    await new Promise((r) => setTimeout(r, stepMs));
    const key = `plain:${job.id}`;
    await effects.once(key, { runId: 'plain', stepId: String(job.id) }, async (trx) => {
      await sql`INSERT INTO dist_effects (tag, idem, worker) VALUES ('plain', ${key}, 'plain')`.execute(trx);
      return { ok: true };
    });
    if (++done === totalSteps) finish();
  }, { connection: redis, prefix, concurrency }));
  await Promise.all(ws.map((w) => w.waitUntilReady()));
  const t0 = performance.now();
  await queue.addBulk(Array.from({ length: totalSteps }, (_, i) => ({ name: 'job', data: { i }, opts: { removeOnComplete: true } })));
  await all;
  const ms = performance.now() - t0;
  await Promise.all(ws.map((w) => w.close()));
  await queue.close();
  await cleanRedis(redis, prefix);
  await redis.quit();
  return { label: `plain BullMQ jobs, ${workers} worker${workers > 1 ? 's' : ''}`, workers, ms, stepsPerSec: totalSteps / (ms / 1000) };
}

async function cleanRedis(redis: Awaited<ReturnType<typeof connectRedis>>, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

async function main(): Promise<void> {
  const schema = uniqueName('bench').toLowerCase();
  const home = tempDir('nova-bench-');
  const store = await openStore({ databaseUrl: TEST_PG_URL, pgSchema: schema });
  await createEffectTable(store);
  const rows: Row[] = [];
  try {
    rows.push(await plainRound(store, 1));
    for (const n of [1, 2, 4]) rows.push(await novaRound(store, schema, home.path, n));
    rows.push(await plainRound(store, 4));
  } finally {
    await store.close();
    await dropPostgresSchema(TEST_PG_URL, schema);
    home.cleanup();
  }
  const one = rows.find((r) => r.workers === 1 && r.label.startsWith('nova'))!;
  const four = rows.find((r) => r.workers === 4 && r.label.startsWith('nova'))!;
  const plain1 = rows.find((r) => r.workers === 1 && r.label.startsWith('plain'))!;
  const plain4 = rows.find((r) => r.workers === 4 && r.label.startsWith('plain'))!;
  console.log(`\n${runs} runs × ${stepsPerRun} sequential steps = ${totalSteps} steps of ${stepMs} ms sleep + exactly-once PostgreSQL effect; concurrency ${concurrency} per worker\n`);
  console.log('| run | time (ms) | steps/s | vs 1 nova worker |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.label} | ${r.ms.toFixed(0)} | ${r.stepsPerSec.toFixed(1)} | ${(r.stepsPerSec / one.stepsPerSec).toFixed(2)}× |`);
  console.log(`\nscaling 1 → 4 workers: ${(four.stepsPerSec / one.stepsPerSec).toFixed(2)}× (target ≥ 3.5×)`);
  console.log(`overhead vs plain BullMQ, 1 worker: ${(one.ms / plain1.ms).toFixed(2)}× (target ≤ 1.3×)`);
  console.log(`overhead vs plain BullMQ, 4 workers: ${(four.ms / plain4.ms).toFixed(2)}×`);
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
