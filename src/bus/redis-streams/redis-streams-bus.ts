/**
 * MessageBus on Redis Streams, for several processes on several machines. Direct messages for an
 * agent go to one stream per priority level read by the consumer group "agents" (every process
 * consuming that agent id competes for the messages); each topic subscription is its own consumer
 * group, so every subscriber sees every message. Delivery is at-least-once: see group-consumer.ts
 * for acknowledgement, retries with backoff, dead-lettering and takeover from dead consumers.
 */
import type { Redis } from 'ioredis';
import { ulid } from 'ulid';
import type { DeadLetter, MessageBus, MessageHandler, RequestOptions, RetryPolicy, Subscription } from '../bus.js';
import { Message, type MessageInput } from '../../protocol/message.js';
import { Identifier, nowIso } from '../../protocol/common.js';
import { parseOrThrow } from '../../protocol/validate.js';
import { NovaError, errorMessage } from '../../errors.js';
import { connectRedis, duplicateConnection } from './redis-connection.js';
import { BusScripts, PRIORITIES_HIGH_FIRST, StreamKeys } from './scripts.js';
import { GroupConsumer } from './group-consumer.js';
import { CommLog, type DeliveryStatus } from '../comm-log.js';
import type { Store } from '../../store/store.js';

export interface RedisStreamsBusOptions {
  url: string;
  /** Key prefix; everything the bus stores lives under it. Default `nova:bus`. */
  prefix?: string;
  retry?: Partial<RetryPolicy>;
  /** A message pending this long with its consumer silent is redelivered to another consumer. */
  claimIdleMs?: number;
  /** Longest a blocking read waits before checking for abandoned messages / shutdown. */
  blockMs?: number;
  /** Approximate length topic streams are trimmed to (topics have many groups, so no per-ack delete). */
  topicMaxLen?: number;
  connectTimeoutMs?: number;
  log?: (line: string) => void;
  /**
   * With a store, every message and its delivery status is logged to its `messages` table, as on
   * the in-process bus. Give every process on the bus the same store (PostgreSQL): the sender
   * writes "queued", the consumer "delivered" and then "acked", "failed" or "dead".
   */
  store?: Store;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5000 };
const AGENT_GROUP = 'agents';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PendingRequest {
  resolve(m: Message): void;
  reject(e: Error): void;
}

export class RedisStreamsBus implements MessageBus {
  private readonly keys: StreamKeys;
  private readonly scripts: BusScripts;
  private readonly retry: RetryPolicy;
  private readonly instance = ulid();
  private readonly consumers = new Map<string, GroupConsumer>();
  private readonly topicGroups = new Map<GroupConsumer, { streams: string[]; group: string; retryStream: string }>();
  private readonly pending = new Map<string, PendingRequest>();
  /** Streams this instance wrote to, for drain(). */
  private readonly touched = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private inbox?: { conn: Redis; loop: Promise<void> };
  private promoter?: NodeJS.Timeout;
  private closed = false;
  private readonly log: (line: string) => void;
  private readonly commLog?: CommLog;

  private constructor(private readonly redis: Redis, private readonly o: RedisStreamsBusOptions) {
    this.keys = new StreamKeys(o.prefix ?? 'nova:bus');
    this.scripts = new BusScripts(redis);
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
    if (this.retry.maxAttempts < 1) throw new NovaError('BAD_INPUT', 'retry.maxAttempts must be at least 1');
    this.log = o.log ?? ((l) => process.stderr.write(l + '\n'));
    this.commLog = o.store ? new CommLog(o.store, { log: this.log }) : undefined;
  }

  /** One log record per status change; the log's upsert keeps the newest across processes. */
  private logStatus = (message: Message, status: DeliveryStatus, attempts: number, error: string | null, body?: string): void => {
    this.commLog?.touch({ message, body, status, attempts, error, acceptedAt: Date.now(), dirty: false, inserted: false });
  };

  /** Connect (throws NovaError UNAVAILABLE when Redis cannot be reached). */
  static async open(o: RedisStreamsBusOptions): Promise<RedisStreamsBus> {
    const redis = await connectRedis(o.url, { name: 'nova-bus', connectTimeoutMs: o.connectTimeoutMs, log: o.log });
    return new RedisStreamsBus(redis, o);
  }

  private get claimIdleMs(): number { return this.o.claimIdleMs ?? 30_000; }

  private validate(input: MessageInput): Message {
    this.assertOpen();
    const withDefaults = { ...input, message_id: input.message_id ?? ulid(), timestamp: input.timestamp ?? nowIso() };
    const { attempt: _ignored, ...m } = parseOrThrow(Message, withDefaults, 'message', 'See `nova schema message` for the message format.');
    return m;
  }

  private assertOpen(): void {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the message bus is closed', { hint: 'Open a new bus; this one was closed.' });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    return p.finally(() => this.inFlight.delete(p));
  }

  private streamFor(m: Message): string {
    if (m.to_agent.startsWith('topic:')) return this.keys.topic(m.to_agent.slice('topic:'.length), m.priority);
    return this.keys.agent(m.to_agent, m.priority);
  }

  async send(input: MessageInput): Promise<Message> {
    const m = this.validate(input);
    const isTopic = m.to_agent.startsWith('topic:');
    if (isTopic) parseOrThrow(Identifier, m.to_agent.slice(6), 'topic name');
    else parseOrThrow(Identifier, m.to_agent, 'to_agent', 'A direct message goes to an agent id; use `topic:<name>` for a topic.');
    const stream = this.streamFor(m);
    this.touched.add(stream);
    const trim = isTopic ? ['MAXLEN', '~', String(this.o.topicMaxLen ?? 10_000)] : [];
    const body = JSON.stringify(m);
    await this.track(this.redis.call('XADD', stream, ...trim, '*', 'm', body, 'a', '1'));
    this.logStatus(m, 'queued', 0, null, body);
    return m;
  }

  publish(topic: string, message: Omit<MessageInput, 'to_agent'>): Promise<Message> {
    return this.send({ ...message, to_agent: `topic:${topic}` } as MessageInput);
  }

  async consume(agentId: string, handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    parseOrThrow(Identifier, agentId, 'agent id');
    const key = `agent:${agentId}`;
    if (this.consumers.has(key)) throw new NovaError('CONFLICT', `agent "${agentId}" already has a consumer in this process`, { hint: 'Unsubscribe the existing consumer first; run more processes to consume in parallel.' });
    const streams = PRIORITIES_HIGH_FIRST.map((p) => this.keys.agent(agentId, p));
    const consumer = await this.startConsumer({ streams, group: AGENT_GROUP, retryStream: this.keys.retry(`a:${agentId}`, AGENT_GROUP), deleteOnAck: true, startId: '0', handler });
    this.consumers.set(key, consumer);
    return { unsubscribe: async () => { this.consumers.delete(key); await consumer.stop(); } };
  }

  async subscribe(topic: string, handler: MessageHandler): Promise<Subscription> {
    this.assertOpen();
    parseOrThrow(Identifier, topic, 'topic name');
    const group = `sub-${ulid()}`;
    const streams = PRIORITIES_HIGH_FIRST.map((p) => this.keys.topic(topic, p));
    const retryStream = this.keys.retry(`t:${topic}`, group);
    const consumer = await this.startConsumer({ streams, group, retryStream, deleteOnAck: false, startId: '$', handler });
    const key = `topic:${topic}:${group}`;
    this.consumers.set(key, consumer);
    this.topicGroups.set(consumer, { streams, group, retryStream });
    return { unsubscribe: async () => { this.consumers.delete(key); await this.dropTopicConsumer(consumer); } };
  }

  private async dropTopicConsumer(consumer: GroupConsumer): Promise<void> {
    await consumer.stop();
    const t = this.topicGroups.get(consumer);
    this.topicGroups.delete(consumer);
    if (!t) return;
    // A subscription is gone for good: its group would otherwise hold its backlog forever.
    for (const s of t.streams) await this.redis.call('XGROUP', 'DESTROY', s, t.group).catch(() => {});
    await this.redis.del(t.retryStream);
  }

  private async startConsumer(c: { streams: string[]; group: string; retryStream: string; deleteOnAck: boolean; startId: '0' | '$'; handler: MessageHandler }): Promise<GroupConsumer> {
    const blocking = await duplicateConnection(this.redis, this.o.url, { name: 'nova-bus-reader', connectTimeoutMs: this.o.connectTimeoutMs, log: this.o.log });
    const consumer = new GroupConsumer({
      redis: this.redis, blocking, scripts: this.scripts, keys: this.keys,
      streams: c.streams, retryStream: c.retryStream, group: c.group, consumer: `${this.instance}`,
      deleteOnAck: c.deleteOnAck, startId: c.startId, retry: this.retry,
      claimIdleMs: this.claimIdleMs, blockMs: this.o.blockMs ?? 1000, batch: 8, deadMaxLen: 100_000,
      handler: c.handler, log: this.log, onRetryScheduled: (due) => this.wakePromoterAt(due),
      ...(this.commLog ? { onStatus: this.logStatus } : {}),
    });
    try {
      await consumer.start();
    } catch (e) {
      blocking.disconnect();
      throw e;
    }
    this.startPromoter();
    return consumer;
  }

  /** Moves retries whose backoff has elapsed into their group's retry stream (any instance may do it). */
  /** When the promoter's timer fires next; while a tick runs, the earliest wake-up asked for. */
  private promoterAt = 0;
  private promoterTicking = false;

  private wakePromoterAt(due: number): void {
    if (this.closed || !this.promoter || due >= this.promoterAt) return;
    this.promoterAt = due;
    if (this.promoterTicking) return; // the running tick schedules the next one, honouring promoterAt
    clearTimeout(this.promoter);
    this.promoter = setTimeout(this.promoterTick, Math.max(0, due - Date.now()));
  }

  private startPromoter(): void {
    if (this.promoter || this.closed) return;
    this.promoterAt = Date.now();
    this.promoter = setTimeout(this.promoterTick, 0);
  }

  private readonly promoterTick = async (): Promise<void> => {
    this.promoterTicking = true;
    this.promoterAt = Number.POSITIVE_INFINITY;
    let wait = 200;
    try {
      const next = Number(await this.scripts.run('promote', [this.keys.delayed], [Date.now(), 100]));
      if (next >= 0) wait = Math.max(0, Math.min(200, next - Date.now()));
    } catch (e) {
      if (!this.closed) this.log(`bus retry promoter: ${errorMessage(e)}`);
      wait = 1000;
    }
    this.promoterTicking = false;
    if (!this.closed && this.consumers.size > 0) {
      wait = Math.max(0, Math.min(wait, this.promoterAt - Date.now()));
      this.promoterAt = Date.now() + wait;
      this.promoter = setTimeout(this.promoterTick, wait);
    } else this.promoter = undefined;
  };


  async request(input: MessageInput, opts: RequestOptions = {}): Promise<Message> {
    const m = this.validate({ ...input, requires_response: true });
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const inboxKey = await this.ensureInbox();
    const waitKey = this.keys.wait(m.message_id);
    await this.redis.set(waitKey, inboxKey, 'PX', timeoutMs + 5000);
    const reply = new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(m.message_id);
        reject(new NovaError('TIMEOUT', `no reply to ${m.message_type} request ${m.message_id} from "${m.to_agent}" within ${timeoutMs} ms`, {
          hint: `Check that a consumer for "${m.to_agent}" is running and replies with bus.reply(); or raise timeoutMs.`,
        }));
      }, timeoutMs);
      this.pending.set(m.message_id, {
        resolve: (r) => { clearTimeout(timer); this.pending.delete(m.message_id); resolve(r); },
        reject: (e) => { clearTimeout(timer); this.pending.delete(m.message_id); reject(e); },
      });
    });
    reply.catch(() => {}); // observed below; this only keeps an early failure from being "unhandled"
    try {
      await this.send(m);
      return await reply;
    } catch (e) {
      this.pending.get(m.message_id)?.reject(e as Error);
      throw e;
    } finally {
      await this.redis.del(waitKey).catch(() => {});
    }
  }

  async reply(request: Message, reply: Omit<MessageInput, 'to_agent' | 'parent_message_id'>): Promise<Message> {
    const m = this.validate({ ...reply, to_agent: request.from_agent, parent_message_id: request.message_id } as MessageInput);
    const fallback = this.keys.agent(request.from_agent, m.priority);
    this.touched.add(fallback);
    const body = JSON.stringify(m);
    await this.track(this.scripts.run('reply', [this.keys.wait(request.message_id), fallback], [body]));
    this.logStatus(m, 'queued', 0, null, body);
    return m;
  }

  /** Start (once) the reader of this instance's reply inbox. */
  private async ensureInbox(): Promise<string> {
    const key = this.keys.inbox(this.instance);
    if (this.inbox) return key;
    const conn = await duplicateConnection(this.redis, this.o.url, { name: 'nova-bus-inbox', connectTimeoutMs: this.o.connectTimeoutMs, log: this.o.log });
    if (this.inbox) { conn.disconnect(); return key; }
    const loop = (async () => {
      let last = '0-0';
      while (!this.closed) {
        try {
          const res = (await conn.call('XREAD', 'COUNT', 100, 'BLOCK', this.o.blockMs ?? 1000, 'STREAMS', key, last)) as [string, [string, string[]][]][] | null;
          for (const [, items] of res ?? []) {
            for (const [id, fields] of items) {
              last = id;
              const parsed = Message.safeParse(safeJson(fields[fields.indexOf('m') + 1]));
              if (parsed.success && parsed.data.parent_message_id) {
                this.pending.get(parsed.data.parent_message_id)?.resolve(parsed.data);
                this.logStatus(parsed.data, 'acked', 1, null);
              }
              else if (!parsed.success) this.log(`bus inbox: dropped an invalid reply ${id}`);
              await this.redis.call('XDEL', key, id);
            }
          }
        } catch (e) {
          if (this.closed) break;
          this.log(`bus inbox: ${errorMessage(e)}; retrying`);
          await sleep(200);
        }
      }
    })();
    this.inbox = { conn, loop };
    return key;
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const rows = (await this.redis.call('XRANGE', this.keys.dead, '-', '+', 'COUNT', Math.max(1, Math.min(limit, 10_000)))) as [string, string[]][];
    const out: DeadLetter[] = [];
    for (const [, f] of rows) {
      const get = (n: string) => f[f.indexOf(n) + 1];
      const parsed = Message.safeParse(safeJson(get('m')));
      if (!parsed.success) continue; // unparseable bodies are kept in the stream for inspection with redis-cli
      out.push({ message: parsed.data, error: get('e'), attempts: Number(get('n')), at: get('t') });
    }
    return out;
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    for (;;) {
      if (await this.settled()) return;
      await sleep(25);
    }
  }

  /** Every stream this instance wrote to has been read and acknowledged by each of its groups, and no retry waits. */
  private async settled(): Promise<boolean> {
    // A retry moves stream → delayed set → stream atomically, but not in step with these reads:
    // the move counter must be unchanged across the whole check for its answer to hold.
    const moves = await this.redis.get(`${this.keys.delayed}:moves`);
    if (!(await this.settledOnce())) return false;
    return (await this.redis.get(`${this.keys.delayed}:moves`)) === moves;
  }

  private async settledOnce(): Promise<boolean> {
    if ((await this.redis.zcard(this.keys.delayed)) > 0) return false;
    for (const stream of this.touched) {
      const isTopic = stream.startsWith(`${this.keys.prefix}:t:`);
      const groups = await this.groupsOf(stream);
      if (groups === undefined) continue; // stream does not exist
      const last = await this.lastId(stream);
      if (groups.length === 0) {
        if (!isTopic && (await this.redis.xlen(stream)) > 0) return false; // nobody consumes this agent yet
        continue;
      }
      for (const g of groups) {
        if (g.pending > 0 || compareIds(g.lastDelivered, last) < 0) return false;
        const base = isTopic ? `t:${stream.slice(this.keys.prefix.length + 3).replace(/:[a-z]+$/, '')}` : `a:${stream.slice(this.keys.prefix.length + 3).replace(/:[a-z]+$/, '')}`;
        const retryStream = this.keys.retry(base, g.name);
        const rg = await this.groupsOf(retryStream);
        if (rg && rg.length > 0) {
          const rlast = await this.lastId(retryStream);
          if (rg.some((x) => x.pending > 0 || compareIds(x.lastDelivered, rlast) < 0)) return false;
        }
      }
    }
    return true;
  }

  private async groupsOf(stream: string): Promise<{ name: string; pending: number; lastDelivered: string }[] | undefined> {
    try {
      const rows = (await this.redis.call('XINFO', 'GROUPS', stream)) as (string | number)[][];
      return rows.map((r) => {
        const o: Record<string, string | number> = {};
        for (let i = 0; i + 1 < r.length; i += 2) o[String(r[i])] = r[i + 1];
        return { name: String(o.name), pending: Number(o.pending), lastDelivered: String(o['last-delivered-id']) };
      });
    } catch (e) {
      if (/no such key/i.test(errorMessage(e))) return undefined;
      throw e;
    }
  }

  private async lastId(stream: string): Promise<string> {
    const info = (await this.redis.call('XINFO', 'STREAM', stream)) as (string | number)[];
    return String(info[info.indexOf('last-generated-id') + 1]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.promoter) clearTimeout(this.promoter);
    for (const [key, c] of [...this.consumers]) {
      this.consumers.delete(key);
      if (this.topicGroups.has(c)) await this.dropTopicConsumer(c).catch(() => {});
      else await c.stop();
    }
    for (const p of [...this.pending.values()]) p.reject(new NovaError('UNAVAILABLE', 'the message bus was closed while waiting for a reply'));
    if (this.inbox) {
      this.inbox.conn.disconnect();
      await this.inbox.loop;
      await this.redis.del(this.keys.inbox(this.instance)).catch(() => {});
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.commLog?.close();
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

/** Compare two stream ids `ms-seq`. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return (as ?? 0n) < (bs ?? 0n) ? -1 : 1;
  return 0;
}

