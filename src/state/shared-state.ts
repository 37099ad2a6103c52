/**
 * Run-scoped shared state: one JSON document per run, changed only through validated StateUpdate
 * messages, guarded by the run's declared StatePolicy, versioned for optimistic concurrency, with
 * every accepted update kept as history and every write (accepted or denied) in the audit log.
 *
 * Why the write path looks the way it does: the document is read outside any transaction, the new
 * document computed in memory, and then ONE transaction whose first statement is
 * `UPDATE state_docs … WHERE run_id = ? AND version = ?` writes it together with the history and
 * audit rows. The conditional UPDATE is the lock: of two writers (threads, processes or machines)
 * that read the same version exactly one changes a row; the other sees 0 rows affected and either
 * retries (no expected_version: a merge) or reports a CONFLICT (expected_version given). Starting
 * the transaction with the write also keeps SQLite in WAL mode from failing with SQLITE_BUSY_SNAPSHOT
 * (a read snapshot upgraded to a write after another process committed).
 */
import { sql, type Kysely } from 'kysely';
import { NovaError, ValidationError } from '../errors.js';
import { Identifier, nowIso } from '../protocol/common.js';
import { StatePolicy, StateUpdate } from '../protocol/state.js';
import { jsonPath, parseOrThrow } from '../protocol/validate.js';
import type { Database } from '../store/schema.js';
import type { DialectName, Store } from '../store/store.js';
import { DEFAULT_STATE_LIMITS, jsonProblems, keyProblem, type JsonPathSegment, type StateLimits } from './limits.js';
import { findGrant, isAllowed, policyProblems, suggestRule } from './policy.js';

/** Tables added by migration 003 (the rest are core tables). */
type StatePolicyTables = {
  state_policies: { run_id: string; policy: string; created_at: string };
  state_update_keys: { run_id: string; version: number; key: string };
};
type StateDb = Kysely<Database & StatePolicyTables>;

export type StateDoc = Record<string, unknown>;

export interface StateSnapshot {
  runId: string;
  version: number;
  /** Only the keys the asking agent may read. */
  state: StateDoc;
  updatedAt: string;
}

export interface ApplyResult {
  runId: string;
  /** The document's version after this update. */
  version: number;
  /** Keys set (non-null values) and deleted (null values). */
  set: string[];
  deleted: string[];
}

export interface HistoryEntry {
  seq: number;
  version: number;
  agentId: string;
  timestamp: string;
  expectedVersion?: number;
  update: StateDoc;
}

export interface HistoryQuery {
  /** Only updates that set or deleted this key. */
  key?: string;
  /** Only updates written by this agent. */
  agentId?: string;
  /** Only versions after this one. */
  sinceVersion?: number;
  /** At most this many entries (default 100, at most 1000), oldest first. */
  limit?: number;
}

export interface SharedStateOptions {
  limits?: Partial<StateLimits>;
  /** Merge writes (no expected_version) that lose a race are retried this many times. */
  maxMergeRetries?: number;
}

const MAX_HISTORY = 1000;
const AUDIT_SUBJECT = (runId: string) => `state/${runId}`;

export class SharedState {
  private readonly db: StateDb;
  private readonly limits: StateLimits;
  private readonly maxMergeRetries: number;
  private readonly dialect: DialectName;

  constructor(store: Store, opts: SharedStateOptions = {}) {
    this.db = store.db.withTables<StatePolicyTables>();
    this.dialect = store.dialect;
    this.limits = { ...DEFAULT_STATE_LIMITS, ...opts.limits };
    this.maxMergeRetries = opts.maxMergeRetries ?? 50;
  }

  /** Start a run's state: an empty document at version 0, governed by `policy` for its lifetime. */
  async create(runId: string, policyInput: unknown): Promise<{ runId: string; version: number; policy: StatePolicy }> {
    parseOrThrow(Identifier, runId, 'run id');
    const policy = parseOrThrow(StatePolicy, policyInput, 'state policy', 'A policy is { "rules": [{ "agent": "<id or *>", "read": ["key", "prefix.*", "*"], "write": [...] }] }.');
    const problems = policyProblems(policy);
    if (problems.length) throw new ValidationError('state policy', problems.map((p) => ({ path: jsonPath(p.path), message: p.message })));
    const now = nowIso();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('state_docs').values({ run_id: runId, version: 0, doc: '{}', updated_at: now }).execute();
        await trx.insertInto('state_policies').values({ run_id: runId, policy: JSON.stringify(policy), created_at: now }).execute();
        await trx.insertInto('audit_events').values({ at: now, actor: 'system', action: 'state.create', subject: AUDIT_SUBJECT(runId), outcome: 'ok', detail: JSON.stringify({ rules: policy.rules.length }) }).execute();
      });
    } catch (e) {
      if (await this.exists(runId)) {
        throw new NovaError('CONFLICT', `shared state for run "${runId}" already exists`, { hint: 'Each run has one state document; use a new run id, or apply updates to the existing one.' });
      }
      throw e;
    }
    return { runId, version: 0, policy };
  }

  /** Apply one StateUpdate message (validated here; a value of null deletes the key). */
  async apply(input: unknown): Promise<ApplyResult> {
    const update = this.validateUpdate(input);
    const runId = update.run_id;
    const keys = Object.keys(update.state_update);
    const set = keys.filter((k) => update.state_update[k] !== null);
    const deleted = keys.filter((k) => update.state_update[k] === null);
    const updateJson = JSON.stringify(update);

    for (let attempt = 0; ; attempt++) {
      const current = await this.load(runId);
      if (attempt === 0) await this.authorize(update, current.policy);
      if (update.expected_version !== undefined && update.expected_version !== current.version) {
        throw conflict(runId, update.expected_version, current.version);
      }
      const next: StateDoc = { ...current.doc };
      for (const k of keys) {
        if (update.state_update[k] === null) delete next[k];
        else next[k] = update.state_update[k];
      }
      const docJson = this.checkDoc(runId, next);
      const version = current.version + 1;
      const won = await this.write({
        runId, fromVersion: current.version, version, docJson, agentId: update.agent_id, updateJson, timestamp: update.timestamp, keys,
        auditDetail: JSON.stringify({ version, set: set.slice(0, 50), deleted: deleted.slice(0, 50) }),
      });
      if (won) return { runId, version, set, deleted };
      if (update.expected_version !== undefined) {
        throw conflict(runId, update.expected_version, (await this.load(runId)).version);
      }
      if (attempt >= this.maxMergeRetries) {
        throw new NovaError('CONFLICT', `gave up writing the state of run "${runId}" after ${attempt + 1} attempts: other writers changed it every time`, {
          hint: 'Too many agents write the same run at once; write less often or batch keys into fewer updates.',
        });
      }
    }
  }

  /**
   * Write the new document, its history rows and its audit row atomically, but only if the
   * document is still at `fromVersion`; false when another writer got there first. PostgreSQL does
   * it in one statement (data-modifying CTEs, each fed by the UPDATE's RETURNING) — one round trip
   * instead of six; SQLite, in-process, uses an ordinary transaction.
   */
  private async write(w: { runId: string; fromVersion: number; version: number; docJson: string; agentId: string; updateJson: string; timestamp: string; keys: string[]; auditDetail: string }): Promise<boolean> {
    const now = nowIso();
    if (this.dialect === 'postgres') {
      const r = await sql<{ n: number }>`
        WITH u AS (
          UPDATE state_docs SET version = ${w.version}, doc = ${w.docJson}, updated_at = ${now}
          WHERE run_id = ${w.runId} AND version = ${w.fromVersion} RETURNING run_id
        ), h AS (
          INSERT INTO state_updates (run_id, version, agent_id, update_json, timestamp)
          SELECT run_id, CAST(${w.version} AS integer), CAST(${w.agentId} AS text), CAST(${w.updateJson} AS text), CAST(${w.timestamp} AS text) FROM u
        ), k AS (
          INSERT INTO state_update_keys (run_id, version, key)
          SELECT u.run_id, CAST(${w.version} AS integer), t.key FROM u CROSS JOIN unnest(CAST(${w.keys} AS text[])) AS t(key)
        ), a AS (
          INSERT INTO audit_events (at, actor, action, subject, outcome, detail)
          SELECT CAST(${now} AS text), CAST(${w.agentId} AS text), 'state.write', CAST(${AUDIT_SUBJECT(w.runId)} AS text), 'ok', CAST(${w.auditDetail} AS text) FROM u
        )
        SELECT count(*)::int AS n FROM u`.execute(this.db);
      return Number(r.rows[0]?.n) === 1;
    }
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('state_docs')
        .set({ version: w.version, doc: w.docJson, updated_at: now })
        .where('run_id', '=', w.runId)
        .where('version', '=', w.fromVersion)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx.insertInto('state_updates').values({ run_id: w.runId, version: w.version, agent_id: w.agentId, update_json: w.updateJson, timestamp: w.timestamp }).execute();
      await trx.insertInto('state_update_keys').values(w.keys.map((key) => ({ run_id: w.runId, version: w.version, key }))).execute();
      await trx.insertInto('audit_events').values({ at: now, actor: w.agentId, action: 'state.write', subject: AUDIT_SUBJECT(w.runId), outcome: 'ok', detail: w.auditDetail }).execute();
      return true;
    });
  }

  /** The document as `agentId` may see it: only the keys a rule lets it read, and the version. */
  async get(runId: string, agentId: string): Promise<StateSnapshot> {
    const current = await this.load(runId);
    const state: StateDoc = {};
    for (const [k, v] of Object.entries(current.doc)) if (isAllowed(current.policy, agentId, k, 'read')) state[k] = v;
    return { runId, version: current.version, state, updatedAt: current.updatedAt };
  }

  async policy(runId: string): Promise<StatePolicy> {
    return (await this.load(runId)).policy;
  }

  /**
   * Accepted updates, oldest first. This is the operator's and auditor's view: values are shown
   * whole, not filtered by the policy — give it only to trusted callers.
   */
  async history(runId: string, q: HistoryQuery = {}): Promise<HistoryEntry[]> {
    const limit = q.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HISTORY) {
      throw new NovaError('BAD_INPUT', `history limit must be a whole number from 1 to ${MAX_HISTORY}, got ${q.limit}`, { hint: 'Page through longer histories with sinceVersion.' });
    }
    if (q.sinceVersion !== undefined && (!Number.isSafeInteger(q.sinceVersion) || q.sinceVersion < 0)) {
      throw new NovaError('BAD_INPUT', `sinceVersion must be a whole number of at least 0, got ${q.sinceVersion}`);
    }
    let query = this.db.selectFrom('state_updates').selectAll().where('run_id', '=', runId);
    if (q.key !== undefined) {
      const key = q.key;
      query = query.where('version', 'in', (eb) => eb.selectFrom('state_update_keys').select('version').where('run_id', '=', runId).where('key', '=', key));
    }
    if (q.agentId !== undefined) query = query.where('agent_id', '=', q.agentId);
    if (q.sinceVersion !== undefined) query = query.where('version', '>', q.sinceVersion);
    const rows = await query.orderBy('version', 'asc').limit(limit).execute();
    return rows.map((r) => {
      const u = JSON.parse(r.update_json) as StateUpdate;
      return {
        seq: Number(r.seq),
        version: Number(r.version),
        agentId: r.agent_id,
        timestamp: r.timestamp,
        ...(u.expected_version !== undefined ? { expectedVersion: u.expected_version } : {}),
        update: u.state_update,
      };
    });
  }

  private validateUpdate(input: unknown): StateUpdate {
    const update = parseOrThrow(StateUpdate, input, 'state update', 'See `nova schema state-update` for the message format.');
    const issues: { path: JsonPathSegment[]; message: string }[] = [];
    const keys = Object.keys(update.state_update);
    if (keys.length === 0) issues.push({ path: ['state_update'], message: 'sets no keys: an update must set or delete at least one key' });
    if (keys.length > this.limits.maxKeysPerUpdate) issues.push({ path: ['state_update'], message: `touches ${keys.length} keys, more than the limit of ${this.limits.maxKeysPerUpdate} per update` });
    for (const k of keys.slice(0, this.limits.maxKeysPerUpdate)) {
      const problem = keyProblem(k);
      if (problem) issues.push({ path: ['state_update', k], message: problem });
      else jsonProblems(update.state_update[k], ['state_update', k], this.limits.maxDepth, issues);
    }
    if (issues.length) throw new ValidationError('state update', issues.map((i) => ({ path: jsonPath(i.path), message: i.message })));
    const bytes = Buffer.byteLength(JSON.stringify(update), 'utf8');
    if (bytes > this.limits.maxDocBytes) {
      throw new ValidationError('state update', [{ path: '$.state_update', message: `is ${bytes} bytes, more than the limit of ${this.limits.maxDocBytes}` }], 'Keep large artefacts (logs, files) in episodic memory and put a reference in the state.');
    }
    return update;
  }

  /** Reject denied writes: audit them (outcome denied), then throw naming the rule to add. */
  private async authorize(update: StateUpdate, policy: StatePolicy): Promise<void> {
    const denied = Object.keys(update.state_update).filter((k) => !findGrant(policy, update.agent_id, k, 'write'));
    if (denied.length === 0) return;
    const rule = suggestRule(update.agent_id, denied, 'write');
    await this.db.insertInto('audit_events').values({
      at: nowIso(), actor: update.agent_id, action: 'state.write', subject: AUDIT_SUBJECT(update.run_id), outcome: 'denied',
      detail: JSON.stringify({ denied: denied.slice(0, 50), suggestedRule: rule }),
    }).execute();
    const list = denied.slice(0, 5).map((k) => `"${k}"`).join(', ') + (denied.length > 5 ? ` and ${denied.length - 5} more` : '');
    throw new NovaError('PERMISSION_DENIED', `agent "${update.agent_id}" may not write ${denied.length === 1 ? 'key' : 'keys'} ${list} in the state of run "${update.run_id}"`, {
      hint: `If it should, add this rule to the run's state policy: ${JSON.stringify(rule)}`,
      details: { agent: update.agent_id, runId: update.run_id, denied, suggestedRule: rule },
    });
  }

  private checkDoc(runId: string, doc: StateDoc): string {
    const count = Object.keys(doc).length;
    if (count > this.limits.maxKeys) {
      throw new NovaError('BAD_INPUT', `the state of run "${runId}" would hold ${count} keys, more than the limit of ${this.limits.maxKeys}`, { hint: 'Group related values under fewer keys, or delete keys that are no longer needed (set them to null).' });
    }
    const json = JSON.stringify(doc);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.limits.maxDocBytes) {
      throw new NovaError('BAD_INPUT', `the state of run "${runId}" would be ${bytes} bytes, more than the limit of ${this.limits.maxDocBytes}`, { hint: 'Keep large artefacts (logs, files) in episodic memory and store a reference in the state, or delete keys that are no longer needed.' });
    }
    return json;
  }

  private async exists(runId: string): Promise<boolean> {
    return !!(await this.db.selectFrom('state_docs').select('run_id').where('run_id', '=', runId).executeTakeFirst());
  }

  private async load(runId: string): Promise<{ version: number; doc: StateDoc; policy: StatePolicy; updatedAt: string }> {
    const row = await this.db.selectFrom('state_docs')
      .innerJoin('state_policies', 'state_policies.run_id', 'state_docs.run_id')
      .select(['state_docs.version', 'state_docs.doc', 'state_docs.updated_at', 'state_policies.policy'])
      .where('state_docs.run_id', '=', runId)
      .executeTakeFirst();
    if (!row) {
      throw new NovaError('NOT_FOUND', `there is no shared state for run "${runId}"`, { hint: 'Create it first with SharedState.create(runId, policy); check the run id.' });
    }
    return { version: Number(row.version), doc: JSON.parse(row.doc) as StateDoc, policy: JSON.parse(row.policy) as StatePolicy, updatedAt: row.updated_at };
  }
}

function conflict(runId: string, expected: number, actual: number): NovaError {
  return new NovaError('CONFLICT', `the state of run "${runId}" is at version ${actual}, but the update expected version ${expected}: another agent wrote in between`, {
    hint: `Read the state again, re-apply your change to it, and send it with expected_version ${actual}.`,
    details: { runId, expectedVersion: expected, actualVersion: actual },
  });
}
