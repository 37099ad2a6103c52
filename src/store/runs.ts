/**
 * Run records: one row per `nova install`/`nova plan` run, one per command attempt, one per
 * document used. Output is capped before it reaches the store, with a visible truncation marker.
 */
import { NovaError } from '../errors.js';
import type { Store } from './store.js';
import type { CommandsTable, RunsTable } from './schema.js';
import { ownerIsGone, processOwner } from './process-owner.js';

/** Largest output kept per command attempt in the store: the head and the tail survive. */
export const MAX_STORED_OUTPUT = 64 * 1024;

export function capOutput(output: string, max = MAX_STORED_OUTPUT): { text: string; truncated: boolean } {
  if (output.length <= max) return { text: output, truncated: false };
  const head = Math.floor(max * 0.25);
  const tail = max - head;
  const dropped = output.length - head - tail;
  return { text: `${output.slice(0, head)}\n[… ${dropped} characters truncated by NovaSystem …]\n${output.slice(-tail)}`, truncated: true };
}

export interface NewRun {
  runId: string;
  kind: 'install' | 'plan' | 'workflow';
  target: string;
  tenant?: string;
}

export async function createRun(store: Store, r: NewRun): Promise<void> {
  await store.db.insertInto('runs').values({
    run_id: r.runId, kind: r.kind, target: r.target, status: 'running', tenant: r.tenant ?? 'default',
    started_at: new Date().toISOString(), finished_at: null, duration_ms: null, summary: null, owner: processOwner(),
  }).execute();
}

export async function finishRun(store: Store, runId: string, status: string, summary: unknown): Promise<void> {
  const run = await store.db.selectFrom('runs').select('started_at').where('run_id', '=', runId).executeTakeFirst();
  const finished = new Date();
  await store.db.updateTable('runs').set({
    status,
    finished_at: finished.toISOString(),
    duration_ms: run ? finished.getTime() - Date.parse(run.started_at) : null,
    summary: JSON.stringify(summary),
  }).where('run_id', '=', runId).execute();
}

/** Status of a run whose process died before it could finish the run. */
export const INTERRUPTED = 'interrupted';

/**
 * Close the runs left "running" by a process of this host that no longer exists (killed with
 * SIGKILL, out of memory, power loss): status `interrupted`, finished now. Runs of live processes
 * and of other hosts are left alone. Returns the ids closed.
 */
export async function closeOrphanedRuns(store: Store): Promise<string[]> {
  const running = await store.db.selectFrom('runs').select(['run_id', 'owner', 'started_at'])
    .where('status', '=', 'running').where('owner', 'is not', null).execute();
  const closed: string[] = [];
  const now = new Date();
  for (const r of running) {
    if (!ownerIsGone(r.owner!)) continue;
    const res = await store.db.updateTable('runs').set({
      status: INTERRUPTED, finished_at: now.toISOString(), duration_ms: now.getTime() - Date.parse(r.started_at),
      summary: JSON.stringify({ interrupted: `the process ${r.owner} that ran it is gone` }),
    }).where('run_id', '=', r.run_id).where('status', '=', 'running').executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) closed.push(r.run_id);
  }
  return closed;
}

export interface CommandRecord {
  runId: string;
  stepIndex: number;
  attempt: number;
  stage: string;
  command: string;
  cwd?: string;
  status: string;
  exitCode: number | null;
  durationMs: number;
  output: string;
}

export async function recordCommand(store: Store, c: CommandRecord): Promise<void> {
  const capped = capOutput(c.output);
  await store.db.insertInto('commands').values({
    run_id: c.runId, step_index: c.stepIndex, attempt: c.attempt, stage: c.stage, command: c.command, cwd: c.cwd ?? null,
    status: c.status, exit_code: c.exitCode, duration_ms: Math.round(c.durationMs), output: capped.text,
    output_truncated: capped.truncated ? 1 : 0, started_at: new Date(Date.now() - c.durationMs).toISOString(),
  }).execute();
}

export async function recordDocuments(store: Store, runId: string, docs: { path: string; kind: string; sha256: string; bytes: number }[]): Promise<void> {
  if (docs.length === 0) return;
  const at = new Date().toISOString();
  await store.db.insertInto('documents').values(docs.map((d) => ({ run_id: runId, path: d.path, kind: d.kind, sha256: d.sha256, bytes: d.bytes, used_at: at }))).execute();
}

export interface RunSummaryRow {
  runId: string;
  kind: string;
  target: string;
  status: string;
  startedAt: string;
  durationMs: number | null;
}

const toSummary = (r: RunsTable): RunSummaryRow => ({ runId: r.run_id, kind: r.kind, target: r.target, status: r.status, startedAt: r.started_at, durationMs: r.duration_ms });

export async function listRuns(store: Store, opts: { limit?: number; kind?: string; status?: string } = {}): Promise<RunSummaryRow[]> {
  let q = store.db.selectFrom('runs').selectAll().orderBy('started_at', 'desc').limit(Math.min(Math.max(opts.limit ?? 20, 1), 1000));
  if (opts.kind) q = q.where('kind', '=', opts.kind);
  if (opts.status) q = q.where('status', '=', opts.status);
  return (await q.execute()).map(toSummary);
}

export interface RunDetail extends RunSummaryRow {
  finishedAt: string | null;
  summary: unknown;
  commands: (Omit<CommandsTable, 'seq' | 'output_truncated'> & { output_truncated: boolean })[];
  documents: { path: string; kind: string; sha256: string; bytes: number }[];
}

/** A run by id or by a unique prefix of its id. */
export async function getRun(store: Store, idOrPrefix: string): Promise<RunDetail> {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(idOrPrefix)) {
    throw new NovaError('BAD_INPUT', `"${idOrPrefix}" is not a run id`, { hint: 'Run ids are shown by `nova runs list`.' });
  }
  const matches = await store.db.selectFrom('runs').selectAll().where('run_id', 'like', `${idOrPrefix}%`).limit(2).execute();
  if (matches.length === 0) throw new NovaError('NOT_FOUND', `no run with id ${idOrPrefix}`, { hint: 'List runs with `nova runs list`.' });
  if (matches.length > 1 && matches[0].run_id !== idOrPrefix) throw new NovaError('BAD_INPUT', `"${idOrPrefix}" matches several runs`, { hint: 'Give more characters of the run id.' });
  const run = matches.find((m) => m.run_id === idOrPrefix) ?? matches[0];
  const commands = await store.db.selectFrom('commands').selectAll().where('run_id', '=', run.run_id).orderBy('seq').execute();
  const documents = await store.db.selectFrom('documents').select(['path', 'kind', 'sha256', 'bytes']).where('run_id', '=', run.run_id).orderBy('seq').execute();
  return {
    ...toSummary(run),
    finishedAt: run.finished_at,
    summary: run.summary ? JSON.parse(run.summary) : null,
    commands: commands.map(({ seq: _seq, output_truncated, ...c }) => ({ ...c, output_truncated: output_truncated === 1 })),
    documents,
  };
}

/** Statuses that `runs prune --keep-failed` keeps: the runs someone may still want to look into. */
export const UNSUCCESSFUL_STATUSES = ['failed', 'error', 'blocked', INTERRUPTED] as const;

/**
 * Finished runs that started before `startedBefore` (ISO time), oldest first. Unfinished runs are
 * never candidates: one may still be going, and its folder is in use.
 */
export async function prunableRuns(store: Store, o: { startedBefore: string; keepFailed?: boolean; limit?: number }): Promise<string[]> {
  let q = store.db.selectFrom('runs').select('run_id')
    .where('started_at', '<', o.startedBefore).where('finished_at', 'is not', null)
    .orderBy('started_at');
  if (o.limit !== undefined) q = q.limit(Math.max(1, Math.floor(o.limit)));
  if (o.keepFailed) q = q.where('status', 'not in', [...UNSUCCESSFUL_STATUSES]);
  return (await q.execute()).map((r) => r.run_id);
}

export interface DeletedRecords {
  runs: number;
  commands: number;
  documents: number;
  fixOutcomes: number;
}

/** Rows per DELETE … IN (…): well under SQLite's and PostgreSQL's bound-parameter limits. */
const DELETE_CHUNK = 500;

/** Deletes the runs and every row recorded for them (commands, documents, fix outcomes), in one transaction. */
export async function deleteRunRecords(store: Store, runIds: string[]): Promise<DeletedRecords> {
  const counts: DeletedRecords = { runs: 0, commands: 0, documents: 0, fixOutcomes: 0 };
  if (runIds.length === 0) return counts;
  await store.db.transaction().execute(async (trx) => {
    const fix = trx.withTables<{ fix_outcomes: { run_id: string } }>();
    for (let i = 0; i < runIds.length; i += DELETE_CHUNK) {
      const ids = runIds.slice(i, i + DELETE_CHUNK);
      counts.commands += Number((await trx.deleteFrom('commands').where('run_id', 'in', ids).executeTakeFirst()).numDeletedRows);
      counts.documents += Number((await trx.deleteFrom('documents').where('run_id', 'in', ids).executeTakeFirst()).numDeletedRows);
      counts.fixOutcomes += Number((await fix.deleteFrom('fix_outcomes').where('run_id', 'in', ids).executeTakeFirst()).numDeletedRows);
      counts.runs += Number((await trx.deleteFrom('runs').where('run_id', 'in', ids).executeTakeFirst()).numDeletedRows);
    }
  });
  return counts;
}
