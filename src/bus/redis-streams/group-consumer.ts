/**
 * One consumer in one Redis consumer group: reads the group's streams (critical priority first),
 * hands each message to the handler, and records the outcome atomically (ack, retry later, or
 * dead-letter). Messages left pending by a consumer that died are taken over with XAUTOCLAIM once
 * they have been idle longer than `claimIdleMs`; while a handler runs, its message's idle time is
 * reset periodically so a slow but live consumer is not robbed.
 */
import type { Redis } from 'ioredis';
import { ulid } from 'ulid';
import type { MessageHandler, RetryPolicy } from '../bus.js';
import { Message, PRIORITY_RANK } from '../../protocol/message.js';
import { zodIssues } from '../../protocol/validate.js';
import { errorMessage } from '../../errors.js';
import type { BusScripts, StreamKeys } from './scripts.js';
import type { DeliveryStatus } from '../comm-log.js';

export interface GroupConsumerOptions {
  redis: Redis;
  /** Dedicated connection: XREADGROUP BLOCK holds it. */
  blocking: Redis;
  scripts: BusScripts;
  keys: StreamKeys;
  /** Streams read by the group, highest priority first. */
  streams: string[];
  /** The group's own retry stream (always delete-on-ack). */
  retryStream: string;
  group: string;
  consumer: string;
  /** Delete entries once acknowledged (safe when the stream has a single group). */
  deleteOnAck: boolean;
  /** Where a new group starts: '0' = the backlog too (agents), '$' = only new entries (topics). */
  startId: '0' | '$';
  retry: RetryPolicy;
  claimIdleMs: number;
  blockMs: number;
  batch: number;
  deadMaxLen: number;
  handler: MessageHandler;
  log: (line: string) => void;
  /** Told when a retry was scheduled, so the promoter can wake up in time for it. */
  onRetryScheduled?: (dueMs: number) => void;
  /** Told each delivery status of a valid message (for the communication log). */
  onStatus?: (message: Message, status: DeliveryStatus, attempt: number, error: string | null) => void;
}

type Entry = { stream: string; id: string; fields: string[]; deliveries: number; rank: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempt - 1), policy.maxDelayMs);
}

export class GroupConsumer {
  private running = false;
  private loop?: Promise<void>;
  private lastClaim = 0;

  constructor(private readonly o: GroupConsumerOptions) {}

  async start(): Promise<void> {
    await this.ensureGroups();
    this.running = true;
    this.loop = this.run();
  }

  /** Stop after the message being handled; unhandled entries stay pending for others to claim. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.o.blocking.disconnect();
    await this.loop;
  }

  async ensureGroups(): Promise<void> {
    for (const s of this.o.streams) await this.createGroup(s, this.o.startId);
    await this.createGroup(this.o.retryStream, '0');
  }

  private async createGroup(stream: string, startId: string): Promise<void> {
    try {
      await this.o.redis.call('XGROUP', 'CREATE', stream, this.o.group, startId, 'MKSTREAM');
    } catch (e) {
      if (!/BUSYGROUP/.test(errorMessage(e))) throw e;
    }
  }

  private get allStreams(): string[] {
    return [...this.o.streams, this.o.retryStream];
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (Date.now() - this.lastClaim >= Math.max(50, this.o.claimIdleMs / 2)) {
          this.lastClaim = Date.now();
          await this.claimAbandoned();
        }
        const streams = this.allStreams;
        const res = (await this.o.blocking.call(
          'XREADGROUP', 'GROUP', this.o.group, this.o.consumer, 'COUNT', this.o.batch,
          'BLOCK', Math.min(this.o.blockMs, Math.max(50, this.o.claimIdleMs / 2)),
          'STREAMS', ...streams, ...streams.map(() => '>'),
        )) as [string, [string, string[]][]][] | null;
        failures = 0;
        if (!res) continue;
        const entries: Entry[] = [];
        for (const [stream, items] of res) for (const [id, fields] of items) entries.push({ stream, id, fields, deliveries: 1, rank: rankOf(fields) });
        entries.sort((a, b) => b.rank - a.rank);
        for (const e of entries) await this.process(e);
      } catch (e) {
        if (!this.running) break;
        const msg = errorMessage(e);
        if (/NOGROUP/.test(msg)) {
          // Streams vanished (Redis restarted without persistence, or someone deleted them): recreate.
          await this.ensureGroups().catch(() => {});
          continue;
        }
        failures++;
        this.o.log(`bus consumer ${this.o.group}/${this.o.consumer}: ${msg}; retrying`);
        await sleep(Math.min(100 * 2 ** failures, 5000));
      }
    }
  }

  /** Take over entries another consumer left pending for longer than claimIdleMs. */
  private async claimAbandoned(): Promise<void> {
    for (const stream of this.allStreams) {
      let cursor = '0-0';
      for (let page = 0; page < 10 && this.running; page++) {
        const [next, items] = (await this.o.redis.call('XAUTOCLAIM', stream, this.o.group, this.o.consumer, this.o.claimIdleMs, cursor, 'COUNT', 20)) as [string, ([string, string[] | null] | null)[]];
        const live = items.filter((i): i is [string, string[]] => !!i && !!i[1]);
        if (live.length > 0) {
          const pend = (await this.o.redis.call('XPENDING', stream, this.o.group, live[0][0], live[live.length - 1][0], live.length + 10, this.o.consumer)) as [string, string, number, number][];
          const deliveries = new Map(pend.map((p) => [p[0], Number(p[3])]));
          for (const [id, fields] of live) {
            // XAUTOCLAIM counted this claim as a delivery; the crashed one was the previous.
            await this.process({ stream, id, fields, deliveries: deliveries.get(id) ?? 2, rank: rankOf(fields) });
          }
        }
        if (next === '0-0') break;
        cursor = next;
      }
    }
  }

  private async process(e: Entry): Promise<void> {
    const o = this.o;
    const del = e.stream === o.retryStream || o.deleteOnAck ? '1' : '0';
    const raw = field(e.fields, 'm') ?? '';
    const attempt = Number(field(e.fields, 'a') ?? 1) + e.deliveries - 1;
    let message: Message;
    try {
      const r = Message.safeParse(JSON.parse(raw));
      if (!r.success) throw new Error(zodIssues(r.error).map((i) => `${i.path}: ${i.message}`).join('; '));
      message = { ...r.data, attempt };
    } catch (err) {
      await this.dead(e.stream, e.id, del, raw, `invalid message received: ${errorMessage(err)}`, attempt);
      return;
    }
    if (attempt > o.retry.maxAttempts) {
      const why = `delivery attempted ${attempt - 1} times; the consumer stopped or died each time`;
      await this.dead(e.stream, e.id, del, raw, why, attempt - 1);
      o.onStatus?.(message, 'dead', attempt - 1, why);
      return;
    }
    o.onStatus?.(message, 'delivered', attempt, null);
    // Reset the entry's idle time while the handler runs so XAUTOCLAIM elsewhere leaves it alone.
    const heartbeat = setInterval(() => {
      o.redis.call('XCLAIM', e.stream, o.group, o.consumer, 0, e.id, 'JUSTID').catch(() => {});
    }, Math.max(20, o.claimIdleMs / 3));
    let failure: unknown;
    let failed = false;
    try {
      await o.handler(message);
    } catch (err) {
      failed = true;
      failure = err;
    } finally {
      clearInterval(heartbeat);
    }
    if (!failed) {
      await o.scripts.run('ack', [e.stream], [o.group, e.id, del]);
      o.onStatus?.(message, 'acked', attempt, null);
    } else if (attempt >= o.retry.maxAttempts) {
      await this.dead(e.stream, e.id, del, raw, errorMessage(failure), attempt);
      o.onStatus?.(message, 'dead', attempt, errorMessage(failure));
    } else {
      o.onStatus?.(message, 'failed', attempt, errorMessage(failure));
      const due = Date.now() + backoffMs(o.retry, attempt);
      const payload = JSON.stringify({ t: o.retryStream, m: raw, a: attempt + 1, u: ulid() });
      await o.scripts.run('retry', [e.stream, o.keys.delayed], [o.group, e.id, del, due, payload]);
      o.onRetryScheduled?.(due);
    }
  }

  private async dead(stream: string, id: string, del: string, raw: string, error: string, attempts: number): Promise<void> {
    await this.o.scripts.run('dead', [stream, this.o.keys.dead], [this.o.group, id, del, raw, error, attempts, new Date().toISOString(), this.o.deadMaxLen]);
  }
}

function rankOf(fields: string[]): number {
  const m = /"priority":"(low|normal|high|critical)"/.exec(field(fields, 'm') ?? '');
  return m ? PRIORITY_RANK[m[1] as keyof typeof PRIORITY_RANK] : 1;
}
