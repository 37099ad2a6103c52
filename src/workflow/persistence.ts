/**
 * WorkflowStore: every SQL statement about workflow runs (tables from migrations/004-workflow.ts).
 * Shared by the local executor and the BullMQ executor.
 *
 * commit(transition) is the single place run state changes. In one database transaction it
 *   1. bumps `workflow_runs.version` WHERE version = transition.fromVersion (or inserts the run),
 *   2. inserts new step/thread rows and updates existing step rows WHERE status/attempt still
 *      equal what the machine saw (so a step's completion is recorded at most once),
 *   3. appends the transition's events.
 * Any guard that matches no row rolls the whole transaction back with StaleTransitionError: the
 * caller reloads and recomputes. This is what makes "completed steps never run again" hold even
 * when two processes race (a resumed run and a not-quite-dead owner, or two BullMQ workers).
 */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import { NovaError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { StepError, WorkflowDefinition, WorkflowEvent, WorkflowRunStatus } from '../protocol/workflow.js';
import type { RunRecord, StepRecord, ThreadRecord, Transition } from './records.js';

type WorkflowDefinitionsTable = { hash: string; workflow: string; definition: string; created_at: string };
type WorkflowRunInputsTable = { run_id: string; input: string };
type WorkflowRunsTable = {
  run_id: string; workflow: string; definition_hash: string; status: string;
  output: string | null; error: string | null; tenant: string; version: number;
  owner: string | null; lease_until: number | null;
  created_at: string; updated_at: string; finished_at: string | null;
};
type WorkflowThreadsTable = {
  run_id: string; thread_key: string; parent_key: string; kind: string; idx: number; status: string;
  scope: string; output: string | null; error: string | null;
};
type WorkflowStepsTable = {
  run_id: string; step_key: string; step_id: string; thread_key: string; visit: number; status: string;
  attempt: number; input: string | null; output: string | null; error: string | null;
  not_before: number | null; done_seq: number | null; started_at: string; finished_at: string | null;
};
type WorkflowEventsTable = {
  run_id: string; seq: number; type: string; step_key: string | null; at: string; body: string;
};
export type WorkflowTables = {
  workflow_definitions: WorkflowDefinitionsTable;
  workflow_run_inputs: WorkflowRunInputsTable;
  workflow_runs: WorkflowRunsTable;
  workflow_threads: WorkflowThreadsTable;
  workflow_steps: WorkflowStepsTable;
  workflow_events: WorkflowEventsTable;
};

/** The run changed since the transition was computed; reload and recompute. */
export class StaleTransitionError extends NovaError {
  constructor(runId: string, what: string) {
    super('CONFLICT', `workflow run ${runId} changed concurrently (${what})`, { hint: 'Another executor advanced the run; reload it.', exitCode: 1 });
    this.name = 'StaleTransitionError';
  }
}

const enc = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const dec = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

function runRow(r: RunRecord, definitionHash: string): WorkflowRunsTable {
  return {
    run_id: r.runId, workflow: r.workflow, definition_hash: definitionHash, status: r.status,
    output: enc(r.output), error: enc(r.error), tenant: r.tenant, version: r.version, owner: r.owner, lease_until: r.leaseUntil,
    created_at: r.createdAt, updated_at: r.updatedAt, finished_at: r.finishedAt,
  };
}
function fromRunRow(r: WorkflowRunsTable & { definition: string; input: string }): RunRecord {
  return {
    runId: r.run_id, workflow: r.workflow, definition: JSON.parse(r.definition) as WorkflowDefinition, input: JSON.parse(r.input) as Record<string, unknown>,
    status: r.status as WorkflowRunStatus, output: dec(r.output), error: dec(r.error) as StepError | null, tenant: r.tenant, version: Number(r.version),
    owner: r.owner, leaseUntil: r.lease_until === null ? null : Number(r.lease_until), createdAt: r.created_at, updatedAt: r.updated_at, finishedAt: r.finished_at,
  };
}
function stepRow(s: StepRecord): WorkflowStepsTable {
  return {
    run_id: s.runId, step_key: s.stepKey, step_id: s.stepId, thread_key: s.threadKey, visit: s.visit, status: s.status, attempt: s.attempt,
    input: enc(s.input), output: enc(s.output), error: enc(s.error), not_before: s.notBefore, done_seq: s.doneSeq, started_at: s.startedAt, finished_at: s.finishedAt,
  };
}
function fromStepRow(s: WorkflowStepsTable): StepRecord {
  return {
    runId: s.run_id, stepKey: s.step_key, stepId: s.step_id, threadKey: s.thread_key, visit: Number(s.visit), status: s.status as StepRecord['status'],
    attempt: Number(s.attempt), input: dec(s.input), output: dec(s.output), error: dec(s.error) as StepError | null,
    notBefore: s.not_before === null ? null : Number(s.not_before), doneSeq: s.done_seq === null ? null : Number(s.done_seq), startedAt: s.started_at, finishedAt: s.finished_at,
  };
}
function threadRow(t: ThreadRecord): WorkflowThreadsTable {
  return {
    run_id: t.runId, thread_key: t.threadKey, parent_key: t.parentKey, kind: t.kind, idx: t.idx, status: t.status,
    scope: JSON.stringify(t.scope), output: enc(t.output), error: enc(t.error),
  };
}
function fromThreadRow(t: WorkflowThreadsTable): ThreadRecord {
  return {
    runId: t.run_id, threadKey: t.thread_key, parentKey: t.parent_key, kind: t.kind as ThreadRecord['kind'], idx: Number(t.idx),
    status: t.status as ThreadRecord['status'], scope: JSON.parse(t.scope) as Record<string, unknown>, output: dec(t.output), error: dec(t.error) as StepError | null,
  };
}

const STEP_COLS = ['run_id', 'step_key', 'step_id', 'thread_key', 'visit', 'status', 'attempt', 'input', 'output', 'error', 'not_before', 'done_seq', 'started_at', 'finished_at'] as const;
const STEP_MUTABLE = ['status', 'attempt', 'input', 'output', 'error', 'not_before', 'done_seq', 'finished_at'] as const;
const THREAD_COLS = ['run_id', 'thread_key', 'parent_key', 'kind', 'idx', 'status', 'scope', 'output', 'error'] as const;

/** `(?, ?, ?), (?, ?, ?)` for a multi-row INSERT. */
function rowsOf(rows: number, cols: number): string {
  const one = `(${new Array(cols).fill('?').join(', ')})`;
  return new Array(rows).fill(one).join(', ');
}

/** PostgreSQL numbers its placeholders: `?` → `$1`, `$2`, … (our SQL text has no other `?`). */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** Event seq = commit version × this + position: ordered per run without a shared counter. */
const EVENTS_PER_VERSION = 1_000_000;
const CHUNK = 200;
function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

export interface RunSummaryRow {
  runId: string; workflow: string; status: WorkflowRunStatus; tenant: string; owner: string | null;
  createdAt: string; updatedAt: string; finishedAt: string | null; error: StepError | null;
}

export interface StoredEvent { seq: number; event: WorkflowEvent }

export class WorkflowStore {
  readonly db: Kysely<WorkflowTables>;
  /** Transactions committed through this instance (diagnostics and benchmarks). */
  commits = 0;
  constructor(readonly store: Store) {
    this.db = store.db.withTables<WorkflowTables>() as unknown as Kysely<WorkflowTables>;
  }

  /**
   * Commit a transition atomically; returns the run's new version. The statements are written out
   * as SQL text (CompiledQuery) rather than built with the query builder: this is the per-step hot
   * path, and building/compiling four queries per step cost more CPU than SQLite itself.
   */
  async commit(t: Transition): Promise<number> {
    const now = new Date().toISOString();
    const newVersion = t.toVersion ?? t.fromVersion + 1;
    const q = (text: string, params: unknown[]) => CompiledQuery.raw(this.store.dialect === 'postgres' ? numbered(text) : text, params);
    await this.db.transaction().execute(async (trx) => {
      if (t.createRun) {
        const taken = await trx.selectFrom('workflow_runs').select('run_id').where('run_id', '=', t.runId).executeTakeFirst();
        if (taken) throw new NovaError('CONFLICT', `a workflow run with id "${t.runId}" already exists`, { hint: `Choose another --run-id, or look at that run: nova workflow status ${t.runId}` });
        const definition = JSON.stringify(t.createRun.definition);
        const hash = createHash('sha256').update(definition).digest('hex');
        await trx.insertInto('workflow_definitions').values({ hash, workflow: t.createRun.workflow, definition, created_at: now })
          .onConflict((oc) => oc.column('hash').doNothing()).execute();
        await trx.insertInto('workflow_run_inputs').values({ run_id: t.runId, input: JSON.stringify(t.createRun.input) }).execute();
        await trx.insertInto('workflow_runs').values(runRow({ ...t.createRun, ...(t.run ?? {}), version: newVersion, updatedAt: now }, hash)).execute();
      } else {
        const r = t.run
          ? await trx.executeQuery(q('UPDATE workflow_runs SET version = ?, updated_at = ?, status = ?, output = ?, error = ?, finished_at = ? WHERE run_id = ? AND version = ?',
            [newVersion, now, t.run.status, enc(t.run.output), enc(t.run.error), t.run.finishedAt, t.runId, t.fromVersion]))
          : await trx.executeQuery(q('UPDATE workflow_runs SET version = ?, updated_at = ? WHERE run_id = ? AND version = ?', [newVersion, now, t.runId, t.fromVersion]));
        if (Number(r.numAffectedRows ?? 0) !== 1) throw new StaleTransitionError(t.runId, `expected version ${t.fromVersion}`);
        if (t.events.length > EVENTS_PER_VERSION) throw new NovaError('INTERNAL', `a transition of run ${t.runId} has ${t.events.length} events`, { hint: 'Lower the foreach concurrency.' });
      }
      const threadInserts = t.threads.filter((w) => w.insert).map((w) => threadRow(w.row));
      for (const c of chunks(threadInserts)) {
        await trx.executeQuery(q(`INSERT INTO workflow_threads (${THREAD_COLS.join(', ')}) VALUES ${rowsOf(c.length, THREAD_COLS.length)}`, c.flatMap((r) => THREAD_COLS.map((k) => r[k]))));
      }
      for (const w of t.threads) {
        if (w.insert) continue;
        const row = threadRow(w.row);
        await trx.executeQuery(q('UPDATE workflow_threads SET status = ?, scope = ?, output = ?, error = ? WHERE run_id = ? AND thread_key = ?',
          [row.status, row.scope, row.output, row.error, row.run_id, row.thread_key]));
      }
      // Step rows: one upsert. New rows insert; existing rows update only while they still have the
      // status and attempt the machine saw (the row-value IN guard). Every row must be written, so
      // fewer affected rows than rows means another executor got there first.
      for (const c of chunks(t.steps)) {
        const rows = c.map((w) => stepRow(w.row));
        const guards = c.filter((w) => w.prev);
        let text = `INSERT INTO workflow_steps (${STEP_COLS.join(', ')}) VALUES ${rowsOf(rows.length, STEP_COLS.length)}`;
        const params: unknown[] = rows.flatMap((r) => STEP_COLS.map((k) => r[k]));
        if (guards.length) {
          text += ` ON CONFLICT (run_id, step_key) DO UPDATE SET ${STEP_MUTABLE.map((k) => `${k} = excluded.${k}`).join(', ')}`
            + ` WHERE (workflow_steps.step_key, workflow_steps.status, workflow_steps.attempt) IN (VALUES ${new Array(guards.length).fill('(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER))').join(', ')})`;
          for (const g of guards) params.push(g.row.stepKey, g.prev!.status, g.prev!.attempt);
        }
        const r = await trx.executeQuery(q(text, params));
        if (Number(r.numAffectedRows ?? 0) !== rows.length) {
          throw new StaleTransitionError(t.runId, `steps ${guards.map((g) => `${g.row.stepKey} (${g.prev!.status} attempt ${g.prev!.attempt})`).join(', ') || rows.map((r2) => r2.step_key).join(', ')} changed`);
        }
      }
      const events = t.events.map((e, i) => [e.runId, newVersion * EVENTS_PER_VERSION + i, e.type, e.stepKey ?? null, e.at, JSON.stringify(e)]);
      for (const c of chunks(events)) {
        await trx.executeQuery(q(`INSERT INTO workflow_events (run_id, seq, type, step_key, at, body) VALUES ${rowsOf(c.length, 6)}`, c.flat()));
      }
    });
    this.commits++;
    return newVersion;
  }

  async loadRun(runId: string): Promise<RunRecord | undefined> {
    const r = await this.db.selectFrom('workflow_runs')
      .innerJoin('workflow_definitions', 'workflow_definitions.hash', 'workflow_runs.definition_hash')
      .innerJoin('workflow_run_inputs', 'workflow_run_inputs.run_id', 'workflow_runs.run_id')
      .selectAll('workflow_runs').select(['workflow_definitions.definition', 'workflow_run_inputs.input'])
      .where('workflow_runs.run_id', '=', runId).executeTakeFirst();
    return r ? fromRunRow(r) : undefined;
  }

  /** Just the run's version and status (cheap: for lease heartbeats noticing outside changes). */
  async runVersion(runId: string): Promise<{ version: number; status: WorkflowRunStatus } | undefined> {
    const r = await this.db.selectFrom('workflow_runs').select(['version', 'status']).where('run_id', '=', runId).executeTakeFirst();
    return r ? { version: Number(r.version), status: r.status as WorkflowRunStatus } : undefined;
  }

  /** The run with all its steps and threads, or a NOT_FOUND NovaError. */
  async load(runId: string): Promise<{ run: RunRecord; steps: StepRecord[]; threads: ThreadRecord[] }> {
    const run = await this.loadRun(runId);
    if (!run) throw new NovaError('NOT_FOUND', `no workflow run with id "${runId}"`, { hint: 'List runs with: nova workflow list' });
    const [steps, threads] = await Promise.all([
      this.db.selectFrom('workflow_steps').selectAll().where('run_id', '=', runId).execute(),
      this.db.selectFrom('workflow_threads').selectAll().where('run_id', '=', runId).execute(),
    ]);
    return { run, steps: steps.map(fromStepRow), threads: threads.map(fromThreadRow) };
  }

  async listRuns(opts: { status?: WorkflowRunStatus; limit?: number } = {}): Promise<RunSummaryRow[]> {
    let q = this.db.selectFrom('workflow_runs')
      .select(['run_id', 'workflow', 'status', 'tenant', 'owner', 'created_at', 'updated_at', 'finished_at', 'error'])
      .orderBy('created_at', 'desc').orderBy('run_id', 'desc').limit(opts.limit ?? 50);
    if (opts.status) q = q.where('status', '=', opts.status);
    const rows = await q.execute();
    return rows.map((r) => ({
      runId: r.run_id, workflow: r.workflow, status: r.status as WorkflowRunStatus, tenant: r.tenant, owner: r.owner,
      createdAt: r.created_at, updatedAt: r.updated_at, finishedAt: r.finished_at, error: dec(r.error) as StepError | null,
    }));
  }

  async unfinishedRunIds(): Promise<{ runId: string; owner: string | null; leaseUntil: number | null }[]> {
    const rows = await this.db.selectFrom('workflow_runs').select(['run_id', 'owner', 'lease_until']).where('status', '=', 'running').orderBy('created_at').execute();
    return rows.map((r) => ({ runId: r.run_id, owner: r.owner, leaseUntil: r.lease_until === null ? null : Number(r.lease_until) }));
  }

  async events(runId: string, opts: { afterSeq?: number; limit?: number } = {}): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('workflow_events').select(['seq', 'body']).where('run_id', '=', runId)
      .where('seq', '>', opts.afterSeq ?? 0).orderBy('seq').limit(opts.limit ?? 1000).execute();
    return rows.map((r) => ({ seq: Number(r.seq), event: JSON.parse(r.body) as WorkflowEvent }));
  }

  /**
   * Delete finished runs (succeeded, failed, cancelled) that ended before `finishedBefore`, with
   * their steps, threads, events and input, and definitions no run refers to any more: run history
   * must not grow without bound. Unfinished runs are never touched. Returns the number of runs.
   */
  async prune(finishedBefore: string, opts: { limit?: number } = {}): Promise<number> {
    const ids = (await this.db.selectFrom('workflow_runs').select('run_id')
      .where('status', '!=', 'running').where('finished_at', '<', finishedBefore)
      .orderBy('finished_at').limit(opts.limit ?? 10_000).execute()).map((r) => r.run_id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const batch = ids.slice(i, i + CHUNK);
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('workflow_events').where('run_id', 'in', batch).execute();
        await trx.deleteFrom('workflow_steps').where('run_id', 'in', batch).execute();
        await trx.deleteFrom('workflow_threads').where('run_id', 'in', batch).execute();
        await trx.deleteFrom('workflow_run_inputs').where('run_id', 'in', batch).execute();
        await trx.deleteFrom('workflow_runs').where('run_id', 'in', batch).where('status', '!=', 'running').execute();
      });
    }
    if (ids.length) {
      await this.db.deleteFrom('workflow_definitions')
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('workflow_runs').select('run_id').whereRef('workflow_runs.definition_hash', '=', 'workflow_definitions.hash'))))
        .execute();
    }
    return ids.length;
  }

  /**
   * Make `owner` the driver of the run until now+leaseMs. Succeeds when the run has no owner, is
   * already ours, its lease expired, or `takeOver(currentOwner)` says the owner is gone. The
   * conditional update makes two claimants race safely: one wins.
   */
  async claim(runId: string, owner: string, leaseMs: number, takeOver: (currentOwner: string) => boolean = () => false): Promise<boolean> {
    const run = await this.loadRun(runId);
    if (!run) throw new NovaError('NOT_FOUND', `no workflow run with id "${runId}"`, { hint: 'List runs with: nova workflow list' });
    const now = Date.now();
    const free = run.owner === null || run.owner === owner || (run.leaseUntil ?? 0) < now || takeOver(run.owner);
    if (!free) return false;
    let q = this.db.updateTable('workflow_runs').set({ owner, lease_until: now + leaseMs }).where('run_id', '=', runId);
    q = run.owner === null ? q.where('owner', 'is', null) : q.where('owner', '=', run.owner);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Extend our lease; false when someone else took the run over. */
  async renew(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const r = await this.db.updateTable('workflow_runs').set({ lease_until: Date.now() + leaseMs })
      .where('run_id', '=', runId).where('owner', '=', owner).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async release(runId: string, owner: string): Promise<void> {
    await this.db.updateTable('workflow_runs').set({ owner: null, lease_until: null }).where('run_id', '=', runId).where('owner', '=', owner).execute();
  }
}
