/**
 * The embedded MessageBus: delivery in memory, the communication log written behind to the SQL
 * store (see comm-log.ts). Semantics follow bus.ts: at-least-once, ack = the handler returned,
 * retry with exponential backoff, dead-letter after maxAttempts, priorities per consumer.
 *
 * Hot path: send() validates with the Message schema and serialises once (size limit, JSON-safety,
 * log body); delivery re-validates by parsing the stored message, which also hands every handler
 * its own copy, as a real transport would. Synchronous handlers are acknowledged without a
 * promise round-trip; deliveries made in one tick are batched in one setImmediate so priorities
 * apply across everything sent meanwhile.
 */
import type { DeadLetter, MessageBus, MessageHandler, RequestOptions, RetryPolicy, Subscription } from '../bus.js';
import { Message, type MessageInput } from '../../protocol/message.js';
import { zodIssues } from '../../protocol/validate.js';
import { NovaError, ValidationError, errorMessage } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { Mailbox } from './mailbox.js';
import { jsonBytesUpperBound } from './json-size.js';
import { CommLog, type DeliveryStatus, type LogRecord } from '../comm-log.js';

export interface InProcessBusOptions {
  /** With a store, every message and its delivery status is logged to the `messages` table. */
  store?: Store;
  retry?: Partial<RetryPolicy>;
  /** Messages held for an agent nobody consumes expire after this long (default: held forever). */
  undeliveredTimeoutMs?: number;
  /** Default for request() (default 30 s). */
  requestTimeoutMs?: number;
  /** Largest accepted message, serialised as JSON (default 1 MiB). */
  maxMessageBytes?: number;
  /** Handlers of one consumer running at once (default 16). Start order always follows priority. */
  concurrency?: number;
  /** Write-behind delay of the communication log (default 4 ms). */
  flushDelayMs?: number;
  /** Dead letters kept in memory when there is no store (default 1000, newest kept). */
  deadLetterMemory?: number;
  log?: (line: string) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5000 };

/** Per-message state: the validated message, its log record, and how many deliveries remain. */
interface Tracked extends LogRecord {
  remaining: number;
  anyAcked: boolean;
  anyDead: boolean;
}

interface Delivery {
  t: Tracked;
  box: Mailbox<Delivery>;
  attempt: number;
  enqueuedAt: number;
  cancelled: boolean;
}

interface Waiter {
  resolve(m: Message): void;
  reject(e: unknown): void;
}

/** Deliveries made per setImmediate turn before yielding to I/O and timers. */
const DELIVERIES_PER_TURN = 2000;
/** Upper bound of everything but the content in a serialised message (ids ≤ 200 chars, escaped). */
const ENVELOPE_BYTES = 16 * 1024;
/** A sender yields to delivery after this many sends while deliveries are pending. */
const SENDS_PER_YIELD = 512;
/** When this many log records are unwritten, send() waits for a flush (bounded memory). */
const LOG_HIGH_WATER = 20_000;

export class InProcessBus implements MessageBus {
  private readonly retry: RetryPolicy;
  private readonly maxBytes: number;
  private readonly concurrency: number;
  private readonly requestTimeoutMs: number;
  private readonly agents = new Map<string, Mailbox<Delivery>>();
  private readonly topics = new Map<string, Set<Mailbox<Delivery>>>();
  private readonly live = new Map<string, Tracked>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly ready = new Set<Mailbox<Delivery>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly dead: DeadLetter[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly log: CommLog | undefined;
  private pumpScheduled = false;
  private sentSinceYield = 0;
  /** Deliveries not yet acknowledged, dead-lettered or dropped (queued, in flight, awaiting retry). */
  private unsettled = 0;
  private topicSeq = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: InProcessBusOptions = {}) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    if (!(this.retry.maxAttempts >= 1)) throw new NovaError('BAD_INPUT', `retry.maxAttempts must be at least 1, got ${this.retry.maxAttempts}`, { hint: 'Use 1 for no retries.' });
    this.maxBytes = opts.maxMessageBytes ?? 1024 * 1024;
    this.concurrency = Math.max(1, opts.concurrency ?? 16);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.log = opts.store ? new CommLog(opts.store, { flushDelayMs: opts.flushDelayMs, log: opts.log }) : undefined;
    if (opts.undeliveredTimeoutMs !== undefined) {
      const every = Math.max(10, Math.min(1000, Math.floor(opts.undeliveredTimeoutMs / 2)));
      this.sweeper = setInterval(() => this.expireHeld(opts.undeliveredTimeoutMs!), every);
      this.sweeper.unref();
    }
  }

  // ---- sending -------------------------------------------------------------------------------

  async send(input: MessageInput): Promise<Message> {
    const t = this.accept(input);
    this.route(t);
    // Backpressure: a sender that never yields would otherwise queue without bound; yielding
    // lets delivery run, keeps memory flat and objects short-lived (most of the cost was GC).
    if (this.pumpScheduled && ++this.sentSinceYield >= SENDS_PER_YIELD) {
      this.sentSinceYield = 0;
      await new Promise<void>((r) => setImmediate(r));
    }
    if (this.log && this.log.backlog > LOG_HIGH_WATER) await this.log.flush();
    return t.message;
  }

  async publish(topic: string, message: Omit<MessageInput, 'to_agent'>): Promise<Message> {
    return this.send({ ...message, to_agent: `topic:${topic}` } as MessageInput);
  }

  async request(input: MessageInput, opts: RequestOptions = {}): Promise<Message> {
    const t = this.accept({ ...input, requires_response: true });
    const ms = opts.timeoutMs ?? this.requestTimeoutMs;
    const m = t.message;
    const reply = new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(m.message_id);
        this.cancelUndelivered(m.message_id);
        reject(new NovaError('TIMEOUT', `no reply from "${m.to_agent}" to ${m.message_type} message ${m.message_id} within ${ms} ms`, {
          hint: `Check that agent "${m.to_agent}" is running and answers ${m.message_type}; raise the timeout if the work takes longer.`,
        }));
      }, ms);
      this.waiters.set(m.message_id, {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
    this.route(t);
    return reply;
  }

  async reply(request: Message, reply: Omit<MessageInput, 'to_agent' | 'parent_message_id'>): Promise<Message> {
    return this.send({ ...reply, to_agent: request.from_agent, parent_message_id: request.message_id } as MessageInput);
  }

  /** Validate, serialise, size-check and start tracking one message. Throws before any side effect. */
  private accept(input: MessageInput): Tracked {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the message bus is closed', { hint: 'Send before close(), or open a new bus.' });
    const r = Message.safeParse(input);
    if (!r.success) throw new ValidationError('message', zodIssues(r.error), 'Fix the fields named above; `nova schema message` prints the full schema.');
    const m = r.data;
    if (m.to_agent.startsWith('topic:') && m.to_agent.length === 6) throw new ValidationError('message', [{ path: '$.to_agent', message: 'names no topic after "topic:"' }]);
    // Ordinary messages are provably under the limit without serialising them; the rest are
    // serialised once, which also finds what JSON cannot carry (cycles, BigInt).
    let body: string | undefined;
    const bound = jsonBytesUpperBound(m.content, this.maxBytes - ENVELOPE_BYTES);
    if (bound < 0 || bound + ENVELOPE_BYTES > this.maxBytes) {
      try {
        body = JSON.stringify(m);
      } catch (e) {
        throw new ValidationError('message', [{ path: '$.content', message: `is not JSON-serialisable (${errorMessage(e)})` }], 'Send plain JSON data: no cycles, BigInt or class instances.');
      }
      // UTF-8 takes at most 3 bytes per UTF-16 unit: only measure exactly when it could matter.
      if (body.length * 3 > this.maxBytes) {
        const bytes = Buffer.byteLength(body, 'utf8');
        if (bytes > this.maxBytes) {
          throw new ValidationError('message', [{ path: '$.content', message: `makes the message ${bytes} bytes, more than the limit of ${this.maxBytes}` }], 'Send a reference (a path, an id) instead of the data itself, or raise maxMessageBytes.');
        }
      }
      if (!this.log) body = undefined; // only the log needs it
    }
    if (this.live.has(m.message_id)) {
      throw new NovaError('CONFLICT', `message id ${m.message_id} is already in flight`, { hint: 'Give every message a new id (a ULID).' });
    }
    return { message: m, body, status: 'queued', attempts: 0, error: null, acceptedAt: Date.now(), dirty: false, inserted: false, remaining: 0, anyAcked: false, anyDead: false };
  }

  private route(t: Tracked): void {
    const m = t.message;
    if (m.parent_message_id) {
      const w = this.waiters.get(m.parent_message_id);
      if (w) {
        this.waiters.delete(m.parent_message_id);
        t.status = 'acked';
        t.attempts = 1;
        this.log?.touch(t);
        w.resolve(this.receive(t, 1) ?? m);
        return;
      }
    }
    if (m.to_agent.startsWith('topic:')) {
      const subs = this.topics.get(m.to_agent.slice(6));
      if (!subs || subs.size === 0) return this.finishWithout(t, 'expired', `no subscriber to ${m.to_agent}`);
      this.track(t, subs.size);
      for (const box of subs) this.enqueue({ t, box, attempt: 1, enqueuedAt: t.acceptedAt, cancelled: false });
      return;
    }
    let box = this.agents.get(m.to_agent);
    if (!box) {
      // A late reply nobody waits for and nobody consumes would be held forever: drop it.
      if (m.parent_message_id) return this.finishWithout(t, 'expired', `the requester "${m.to_agent}" no longer waits for this reply`);
      box = new Mailbox<Delivery>(m.to_agent, this.concurrency);
      this.agents.set(m.to_agent, box);
    }
    this.track(t, 1);
    this.enqueue({ t, box, attempt: t.attempts + 1, enqueuedAt: t.acceptedAt, cancelled: false });
  }

  /**
   * After a crash or restart: take back the direct messages the log shows unfinished (queued,
   * failed, or delivered without an acknowledgement) and deliver them again, continuing their
   * attempt count (at-least-once). Call it once at start-up, and only when no other live bus uses
   * the same store, or both would deliver them. Returns how many were taken back.
   */
  async recover(): Promise<number> {
    const store = this.opts.store;
    if (!store || !this.log) return 0;
    await this.log.flush();
    const rows = await store.db.selectFrom('messages')
      .select(['message_id', 'from_agent', 'to_agent', 'message_type', 'priority', 'parent_message_id', 'body', 'attempts', 'created_at'])
      .where('status', 'in', ['queued', 'failed', 'delivered']).where('to_agent', 'not like', 'topic:%')
      .orderBy('seq').execute();
    let taken = 0;
    for (const row of rows) {
      if (this.live.has(row.message_id)) continue;
      let parsed: unknown;
      try { parsed = JSON.parse(row.body); } catch { parsed = undefined; }
      const r = Message.safeParse(parsed);
      const t: Tracked = {
        // An unreadable body still gets its row updated, from the row's own columns.
        message: r.success ? r.data : ({ ...row, timestamp: row.created_at, content: {} } as unknown as Message),
        body: undefined, status: 'queued', attempts: row.attempts, error: null, acceptedAt: Date.parse(row.created_at) || Date.now(),
        dirty: false, inserted: true, remaining: 0, anyAcked: false, anyDead: false,
      };
      if (!r.success) {
        this.finishWithout(t, 'dead', 'the logged message could not be read back after a restart');
        continue;
      }
      if (t.attempts >= this.retry.maxAttempts) {
        this.finishWithout(t, 'dead', `interrupted after ${t.attempts} attempts (the process stopped while delivering)`);
        continue;
      }
      this.route(t);
      taken++;
    }
    return taken;
  }

  private track(t: Tracked, deliveries: number): void {
    t.remaining = deliveries;
    this.unsettled += deliveries;
    this.live.set(t.message.message_id, t);
    this.log?.touch(t);
  }

  private finishWithout(t: Tracked, status: DeliveryStatus, why: string): void {
    t.status = status;
    t.error = why;
    this.log?.touch(t);
  }

  // ---- delivering ----------------------------------------------------------------------------

  private enqueue(d: Delivery): void {
    d.box.push(d, d.t.message.priority);
    if (d.box.handler) this.markReady(d.box);
  }

  private markReady(box: Mailbox<Delivery>): void {
    this.ready.add(box);
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(() => this.pump());
    }
  }

  private pump(): void {
    this.pumpScheduled = false;
    let budget = DELIVERIES_PER_TURN;
    for (const box of this.ready) {
      while (box.handler && box.inFlight < box.concurrency && box.size > 0 && budget > 0) {
        const d = box.shift()!;
        if (d.cancelled) continue;
        budget--;
        this.deliver(d, box.handler);
      }
      if (!box.handler || box.size === 0 || box.inFlight >= box.concurrency) this.ready.delete(box);
      if (budget === 0) break;
    }
    if (this.ready.size > 0 && !this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(() => this.pump());
    }
  }

  /** Receive-side validation: parse the stored message into a fresh copy with the attempt set. */
  private receive(t: Tracked, attempt: number): Message | undefined {
    const r = Message.safeParse(t.message);
    if (!r.success) return undefined;
    r.data.attempt = attempt;
    return r.data;
  }

  private deliver(d: Delivery, handler: MessageHandler): void {
    const t = d.t;
    const box = d.box;
    t.status = 'delivered';
    if (d.attempt > t.attempts) t.attempts = d.attempt;
    this.log?.touch(t);
    const m = this.receive(t, d.attempt);
    if (!m) {
      // Cannot happen unless someone mutated a sent message; retrying would not help.
      this.settle(d, 'dead', 'the message no longer matches the Message schema at delivery');
      return;
    }
    box.inFlight++;
    let result: Promise<void> | void;
    try {
      result = handler(m);
    } catch (e) {
      box.inFlight--;
      this.failed(d, e);
      return;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => { box.inFlight--; this.settle(d, 'acked'); this.resume(box); },
        (e: unknown) => { box.inFlight--; this.failed(d, e); this.resume(box); },
      );
    } else {
      box.inFlight--;
      this.settle(d, 'acked');
    }
  }

  private resume(box: Mailbox<Delivery>): void {
    if (box.handler && box.size > 0) this.markReady(box);
  }

  private failed(d: Delivery, e: unknown): void {
    const t = d.t;
    t.error = errorMessage(e);
    if (d.attempt >= this.retry.maxAttempts || this.closed) {
      this.settle(d, 'dead', t.error);
      return;
    }
    t.status = 'failed';
    this.log?.touch(t);
    const delay = Math.min(this.retry.baseDelayMs * 2 ** (d.attempt - 1), this.retry.maxDelayMs);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      d.attempt++;
      d.enqueuedAt = Date.now();
      this.enqueue(d);
    }, delay);
    this.retryTimers.add(timer);
  }

  /** One delivery is finished; the message is finished when all of its deliveries are. */
  private settle(d: Delivery, outcome: 'acked' | 'dead' | 'dropped', error?: string): void {
    const t = d.t;
    this.unsettled--;
    if (outcome === 'acked') t.anyAcked = true;
    if (outcome === 'dead') {
      t.anyDead = true;
      this.addDeadLetter({ message: t.message, error: error ?? t.error ?? 'unknown error', attempts: d.attempt, at: new Date().toISOString() });
      const w = t.message.requires_response ? this.waiters.get(t.message.message_id) : undefined;
      if (w) {
        this.waiters.delete(t.message.message_id);
        w.reject(new NovaError('UNAVAILABLE', `request ${t.message.message_id} to "${t.message.to_agent}" failed ${d.attempt} times and was dead-lettered: ${error ?? t.error}`, { hint: 'See the dead-letter queue and the handler\'s error.' }));
      }
    }
    if (--t.remaining === 0) {
      this.live.delete(t.message.message_id);
      t.status = t.anyDead ? 'dead' : t.anyAcked ? 'acked' : 'expired';
      if (t.status !== 'acked' && !t.error) t.error = error ?? null;
      if (t.status === 'acked' && !t.anyDead) t.error = null;
      this.log?.touch(t);
    }
    if (this.idleWaiters.length > 0) this.checkIdle();
  }

  private addDeadLetter(dl: DeadLetter): void {
    this.dead.push(dl);
    const keep = this.opts.deadLetterMemory ?? 1000;
    if (this.dead.length > keep) this.dead.splice(0, this.dead.length - keep);
  }

  // ---- consuming -----------------------------------------------------------------------------

  async consume(agentId: string, handler: MessageHandler): Promise<Subscription> {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the message bus is closed', { hint: 'Consume before close(), or open a new bus.' });
    if (agentId.startsWith('topic:')) throw new NovaError('BAD_INPUT', `"${agentId}" is a topic, not an agent id`, { hint: 'Use subscribe() for topics.' });
    let box = this.agents.get(agentId);
    if (box?.handler) throw new NovaError('CONFLICT', `agent "${agentId}" already has a consumer on this bus`, { hint: 'One consumer per agent id per process: unsubscribe the first one.' });
    if (!box) {
      box = new Mailbox<Delivery>(agentId, this.concurrency);
      this.agents.set(agentId, box);
    }
    box.handler = handler;
    if (box.size > 0) this.markReady(box);
    const b = box;
    return {
      unsubscribe: async () => {
        if (b.handler !== handler) return;
        b.handler = undefined; // pending messages stay held for the next consumer
        this.ready.delete(b);
        if (this.idleWaiters.length > 0) this.checkIdle();
      },
    };
  }

  async subscribe(topic: string, handler: MessageHandler): Promise<Subscription> {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the message bus is closed', { hint: 'Subscribe before close(), or open a new bus.' });
    if (!topic) throw new NovaError('BAD_INPUT', 'the topic name is empty', { hint: 'Name the topic, e.g. "run.events".' });
    const box = new Mailbox<Delivery>(`topic:${topic}#${++this.topicSeq}`, this.concurrency);
    box.handler = handler;
    let subs = this.topics.get(topic);
    if (!subs) this.topics.set(topic, (subs = new Set()));
    subs.add(box);
    return {
      unsubscribe: async () => {
        const set = this.topics.get(topic);
        if (!set?.delete(box)) return;
        if (set.size === 0) this.topics.delete(topic);
        box.handler = undefined;
        this.ready.delete(box);
        // A subscription that is gone receives nothing more, including what was queued for it.
        for (const d of box.removeWhere(() => true)) if (!d.cancelled) this.settle(d, 'dropped', 'the subscription ended before delivery');
      },
    };
  }

  // ---- expiry, cancellation, drain, close ----------------------------------------------------

  /** A request that timed out should not run later: drop it if it has not been delivered yet. */
  private cancelUndelivered(messageId: string): void {
    const t = this.live.get(messageId);
    if (!t || t.status !== 'queued') return;
    const box = this.agents.get(t.message.to_agent);
    for (const d of box?.removeWhere((x) => x.t === t) ?? []) this.settle(d, 'dropped', 'the request timed out before delivery');
  }

  private expireHeld(timeoutMs: number): void {
    const cutoff = Date.now() - timeoutMs;
    for (const box of this.agents.values()) {
      if (box.handler || box.size === 0) continue;
      for (const d of box.removeWhere((x) => x.enqueuedAt < cutoff)) {
        this.settle(d, 'dropped', `no consumer for "${box.name}" within ${timeoutMs} ms`);
      }
    }
  }

  /** Deliveries held for agents nobody consumes: drain() cannot wait for those. */
  private heldCount(): number {
    let n = 0;
    for (const box of this.agents.values()) if (!box.handler) n += box.size;
    return n;
  }

  private checkIdle(): void {
    if (this.unsettled - this.heldCount() > 0) return;
    const ws = this.idleWaiters.splice(0);
    for (const w of ws) w();
  }

  async drain(): Promise<void> {
    if (this.unsettled - this.heldCount() > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    await this.log?.flush();
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    if (!this.opts.store || !this.log) return this.dead.slice(-limit).reverse();
    await this.log.flush();
    const rows = await this.opts.store.db.selectFrom('messages').select(['body', 'error', 'attempts', 'updated_at'])
      .where('status', '=', 'dead').orderBy('seq', 'desc').limit(limit).execute();
    const out: DeadLetter[] = [];
    for (const row of rows) {
      let parsed: unknown;
      try { parsed = JSON.parse(row.body); } catch { continue; }
      const r = Message.safeParse(parsed);
      if (r.success) out.push({ message: r.data, error: row.error ?? '', attempts: row.attempts, at: row.updated_at });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const [id, w] of this.waiters) w.reject(new NovaError('UNAVAILABLE', `the message bus closed while request ${id} waited for a reply`, { hint: 'Close the bus only after pending requests finish.' }));
    this.waiters.clear();
    for (const box of this.agents.values()) box.handler = undefined;
    for (const subs of this.topics.values()) for (const box of subs) box.handler = undefined;
    this.ready.clear();
    const ws = this.idleWaiters.splice(0);
    for (const w of ws) w();
    await this.log?.close();
  }
}
