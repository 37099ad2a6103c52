/**
 * The communication log: one `messages` row per message with its delivery status
 * (queued → delivered → acked | failed | dead | expired). Write-behind: status changes mark a record
 * dirty and a flush a few milliseconds later writes every dirty record in one transaction, as
 * multi-row upserts. A message that is sent and acknowledged between two flushes costs one row
 * written once, which is what lets the bus log tens of thousands of messages a second.
 *
 * Trade-off (documented for users of the embedded bus): a crash loses at most the last few
 * milliseconds of log; delivery itself is in memory either way.
 */
import { sql, type Store } from '../store/store.js';
import type { Message } from '../protocol/message.js';
import type { MessagesTable } from '../store/schema.js';
import { NovaError, errorMessage } from '../errors.js';

export type DeliveryStatus = 'queued' | 'delivered' | 'acked' | 'failed' | 'dead' | 'expired';

export interface LogRecord {
  message: Message;
  /** The JSON body, if the bus already serialised the message; dropped once the row is written. */
  body: string | undefined;
  status: DeliveryStatus;
  attempts: number;
  error: string | null;
  acceptedAt: number;
  dirty: boolean;
  inserted: boolean;
}

export interface CommLogOptions {
  /** Delay between the first change and the flush that writes it. */
  flushDelayMs?: number;
  /** Rows per INSERT statement (13 parameters each; stays below both engines' limits). */
  rowsPerStatement?: number;
  log?: (line: string) => void;
}

/** Order of delivery statuses within one attempt: a later one never gives way to an earlier one. */
const rank = (status: 'excluded.status' | 'messages.status') => sql`CASE ${sql.ref(status)} WHEN 'queued' THEN 0 WHEN 'delivered' THEN 1 WHEN 'failed' THEN 2 WHEN 'dead' THEN 4 ELSE 3 END`;
/**
 * An upsert changes a row only when it is news: a later attempt, or a later status of the same
 * attempt. Within one process records only move forward anyway; with a bus shared by several
 * processes (Redis Streams) the sender's "queued" may reach the store after the consumer's "acked".
 */
const NEWER = sql<boolean>`(excluded.attempts > messages.attempts OR (excluded.attempts = messages.attempts AND ${rank('excluded.status')} >= ${rank('messages.status')}))`;

export class CommLog {
  private pending: LogRecord[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private readonly flushDelayMs: number;
  private readonly rowsPerStatement: number;

  constructor(private readonly store: Store, private readonly opts: CommLogOptions = {}) {
    this.flushDelayMs = opts.flushDelayMs ?? 4;
    this.rowsPerStatement = opts.rowsPerStatement ?? 500;
  }

  /** Records waiting to be written. */
  get backlog(): number {
    return this.pending.length;
  }

  touch(rec: LogRecord): void {
    // After close, a handler that finishes late changes nothing: the store may be gone.
    if (rec.dirty || this.closed) return;
    rec.dirty = true;
    this.pending.push(rec);
    if (!this.timer && !this.flushing) this.schedule(this.flushDelayMs);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => { /* reported in write(); retried by the next schedule */ });
    }, ms);
  }

  /** Write everything dirty now; resolves when it is committed. Serialised: one flush at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0 && !this.timer && !this.closed) this.schedule(this.failures ? Math.min(1000, 50 * 2 ** this.failures) : this.flushDelayMs);
    });
    await this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const now = new Date().toISOString();
    // One row per message id even if an id was reused between flushes (PostgreSQL refuses to
    // upsert the same key twice in one statement).
    const rows = new Map<string, MessageRow>();
    for (const r of batch) {
      r.dirty = false;
      const m = r.message;
      rows.set(m.message_id, {
        message_id: m.message_id,
        from_agent: m.from_agent,
        to_agent: m.to_agent,
        message_type: m.message_type,
        priority: m.priority,
        parent_message_id: m.parent_message_id ?? null,
        // Rows already written keep their body: the upsert below never updates it.
        body: r.inserted ? '' : (r.body ?? serialise(m)),
        status: r.status,
        attempts: r.attempts,
        error: r.error,
        created_at: new Date(r.acceptedAt).toISOString(),
        updated_at: now,
      });
    }
    const all = [...rows.values()];
    try {
      await this.store.db.transaction().execute(async (trx) => {
        if (this.store.dialect === 'sqlite') {
          // One parameter instead of 12 per row: SQLite unpacks the batch itself (json_each), which
          // skips building and preparing a statement with thousands of placeholders.
          const packed = JSON.stringify(all.map((r) => [r.message_id, r.from_agent, r.to_agent, r.message_type, r.priority, r.parent_message_id, r.body, r.status, r.attempts, r.error, r.created_at, r.updated_at]));
          await sql`INSERT INTO messages (message_id, from_agent, to_agent, message_type, priority, parent_message_id, body, status, attempts, error, created_at, updated_at)
            SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11
            FROM json_each(${packed}) WHERE true
            ON CONFLICT (message_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, error = excluded.error, updated_at = excluded.updated_at
            WHERE ${NEWER}`.execute(trx);
          return;
        }
        for (let i = 0; i < all.length; i += this.rowsPerStatement) {
          await trx.insertInto('messages').values(all.slice(i, i + this.rowsPerStatement))
            .onConflict((oc) => oc.column('message_id').doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              attempts: eb.ref('excluded.attempts'),
              error: eb.ref('excluded.error'),
              updated_at: eb.ref('excluded.updated_at'),
            })).where(NEWER))
            .execute();
        }
      });
    } catch (e) {
      // Nothing was committed: put back every record not re-touched meanwhile, oldest first.
      this.pending = batch.filter((r) => !r.dirty).map((r) => { r.dirty = true; return r; }).concat(this.pending);
      if (this.failures++ === 0) this.opts.log?.(`message log: cannot write to ${this.store.location}: ${errorMessage(e)} (will retry)`);
      throw new NovaError('UNAVAILABLE', `cannot write the message log to ${this.store.location}: ${errorMessage(e)}`, {
        hint: 'Check that the database is reachable and writable; the bus keeps the records and retries.',
        cause: e,
      });
    }
    if (this.failures) this.opts.log?.('message log: writing again');
    this.failures = 0;
    for (const r of batch) {
      if (!r.inserted) {
        r.inserted = true;
        r.body = undefined;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.pending = [];
    }
  }
}

/** The bus checked the message is serialisable when it accepted it; this guards a later mutation. */
function serialise(m: Message): string {
  try {
    return JSON.stringify(m);
  } catch (e) {
    return JSON.stringify({ message_id: m.message_id, unserialisable: errorMessage(e) });
  }
}

/** A row of the messages table as read here (without its sequence number). */
type MessageRow = Omit<MessagesTable, 'seq'>;
