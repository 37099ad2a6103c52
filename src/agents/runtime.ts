/**
 * The agent runtime binds agents to the bus: each registered agent consumes its own id, every
 * message it receives passes the registry's checks before agent.handle runs, and requests are
 * answered with { ok: true, result } or { ok: false, error: { code, message, hint } }.
 * call() is what the workflow engine and the CLI use to ask an agent (or whichever agent offers a
 * capability) for something and get the result or a NovaError back.
 */
import { ulid } from 'ulid';
import { z } from 'zod';
import type { MessageBus, Subscription } from '../bus/bus.js';
import type { Agent, AgentContext } from './agent.js';
import type { AgentRegistry } from './registry.js';
import type { Store } from '../store/store.js';
import type { Message, MessageInput, Priority } from '../protocol/message.js';
import { NovaError, errorMessage, isNovaError } from '../errors.js';

export interface CallOptions {
  /** Sender id; its permissions decide what it may call (default "runtime"). */
  from?: string;
  timeoutMs?: number;
  runId?: string;
  priority?: Priority;
  signal?: AbortSignal;
  tenant?: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  details?: unknown;
}

const ReplyContent = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.record(z.string(), z.unknown()) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional(), details: z.unknown().optional() }) }),
]);

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
const REPLY_TYPE = 'capability.result';
/** How long the aborted signal of an abandoned call waits for a handler that has not started yet. */
const ABANDONED_SIGNAL_TTL_MS = 10 * 60_000;

function errorBody(e: unknown, agentId: string, capability: string): ErrorBody {
  if (isNovaError(e)) return { code: e.code, message: e.message, hint: e.hint, details: e.details };
  return {
    code: 'INTERNAL',
    message: `agent "${agentId}" failed while handling ${capability}: ${errorMessage(e)}`,
    hint: 'This is a bug in the agent; run with NOVA_DEBUG=1 for details and report it.',
  };
}

export class AgentRuntime {
  readonly bus: MessageBus;
  readonly registry: AgentRegistry;
  private readonly store?: Store;
  private readonly log?: (line: string) => void;
  private readonly subs = new Map<string, Subscription>();
  /** Abort signals of calls made through this runtime, keyed by request id, for local handlers. */
  private readonly signals = new Map<string, AbortSignal>();
  private closed = false;

  constructor(opts: { bus: MessageBus; registry: AgentRegistry; store?: Store; log?: (line: string) => void }) {
    this.bus = opts.bus;
    this.registry = opts.registry;
    this.store = opts.store;
    this.log = opts.log;
  }

  async register(agent: Agent): Promise<void> {
    const { registration } = await this.registry.register(agent);
    const id = registration.agent_id;
    try {
      this.subs.set(id, await this.bus.consume(id, (m) => this.onMessage(m)));
    } catch (e) {
      await this.registry.unregister(id).catch(() => {}); // no half-registered agent
      throw e;
    }
  }

  private async onMessage(m: Message): Promise<void> {
    const signal = this.signals.get(m.message_id);
    // Taken once: a call that already gave up left its (aborted) signal here for this handler.
    if (signal?.aborted) this.signals.delete(m.message_id);
    const ctx: AgentContext = { runId: m.run_id, signal, log: this.log };
    if (!m.requires_response) {
      // Fire-and-forget: a failure is the bus's business (retry, then dead letter).
      await this.registry.dispatch(m, ctx);
      return;
    }
    let content: Record<string, unknown>;
    try {
      content = { ok: true, result: await this.registry.dispatch(m, ctx) };
    } catch (e) {
      const body = errorBody(e, m.to_agent, m.message_type);
      if (body.code === 'PERMISSION_DENIED') this.audit(m, body);
      content = { ok: false, error: body };
    }
    try {
      await this.bus.reply(m, this.replyOf(m, content));
    } catch (e) {
      // The result itself could not travel (too big, not JSON): say so instead of retrying the work.
      const body: ErrorBody = {
        code: isNovaError(e) ? e.code : 'INTERNAL',
        message: `the result of ${m.message_type} from "${m.to_agent}" could not be sent back: ${errorMessage(e)}`,
        hint: 'Return a small JSON object; store large data and return a reference to it.',
      };
      await this.bus.reply(m, this.replyOf(m, { ok: false, error: body }));
    }
  }

  private replyOf(m: Message, content: Record<string, unknown>): Omit<MessageInput, 'to_agent' | 'parent_message_id'> {
    return {
      message_id: ulid(),
      timestamp: new Date().toISOString(),
      from_agent: m.to_agent,
      message_type: REPLY_TYPE,
      content,
      priority: m.priority,
      ...(m.run_id ? { run_id: m.run_id } : {}),
      ...(m.tenant ? { tenant: m.tenant } : {}),
    };
  }

  private audit(m: Message, body: ErrorBody): void {
    if (!this.store) return;
    this.store.db.insertInto('audit_events').values({
      at: new Date().toISOString(),
      actor: m.from_agent,
      action: `call ${m.message_type}`,
      subject: m.to_agent,
      outcome: 'denied',
      detail: JSON.stringify({ message_id: m.message_id, run_id: m.run_id ?? null, reason: body.message }),
    }).execute().catch((e: unknown) => this.log?.(`audit: cannot record a denied call: ${errorMessage(e)}`));
  }

  /** The agent that will answer: the one named, or the first registered with the capability. */
  private resolve(target: { agentId?: string; capability: string }): string {
    if (target.agentId) {
      const entry = this.registry.get(target.agentId);
      if (!entry) {
        const ids = this.registry.list().map((e) => e.registration.agent_id);
        throw new NovaError('NOT_FOUND', `no agent "${target.agentId}" is registered`, { hint: ids.length ? `Registered agents: ${ids.join(', ')}.` : 'No agents are registered yet.' });
      }
      return target.agentId;
    }
    const offering = this.registry.findByCapability(target.capability);
    if (offering.length === 0) {
      const known = [...new Set(this.registry.list().flatMap((e) => e.registration.capabilities.map((c) => c.name)))].sort();
      throw new NovaError('NOT_FOUND', `no registered agent offers the capability "${target.capability}"`, {
        hint: known.length ? `Capabilities on offer: ${known.join(', ')}.` : 'No agents are registered yet.',
      });
    }
    return offering[0].registration.agent_id;
  }

  async call(target: { agentId?: string; capability: string }, content: Record<string, unknown>, opts: CallOptions = {}): Promise<Record<string, unknown>> {
    if (this.closed) throw new NovaError('UNAVAILABLE', 'the agent runtime is closed', { hint: 'Call agents before close().' });
    const agentId = this.resolve(target);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const cancelled = () => new NovaError('CANCELLED', `the call of ${target.capability} on "${agentId}" was cancelled`, { hint: 'The run was cancelled or its step timed out.', exitCode: 1 });
    if (opts.signal?.aborted) throw cancelled();
    const id = ulid();
    // One controller for "the caller gave up" (its own signal or the timeout): it rejects the call
    // and is the signal a local handler sees, so the work stops too.
    const controller = new AbortController();
    const gaveUp = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    gaveUp.catch(() => {});
    const timer = setTimeout(() => controller.abort(new NovaError('TIMEOUT', `no reply from "${agentId}" to ${target.capability} within ${timeoutMs} ms`, {
      hint: `Check that agent "${agentId}" is running; raise timeoutMs if the work takes longer.`,
    })), timeoutMs);
    const onAbort = () => controller.abort(cancelled());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.signals.set(id, controller.signal);
    try {
      const request = this.bus.request({
        message_id: id,
        timestamp: new Date().toISOString(),
        from_agent: opts.from ?? 'runtime',
        to_agent: agentId,
        message_type: target.capability,
        content,
        priority: opts.priority ?? 'normal',
        requires_response: true,
        ...(opts.runId ? { run_id: opts.runId } : {}),
        ...(opts.tenant ? { tenant: opts.tenant } : {}),
      }, { timeoutMs: timeoutMs + 1000 }); // the runtime's own timer decides; the bus's is a backstop
      request.catch(() => {}); // when the caller gave up first, the request's later failure is moot
      const reply = await Promise.race([request, gaveUp]);
      return this.unwrap(reply, agentId, target.capability);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (!controller.signal.aborted) this.signals.delete(id);
      // The caller gave up, but under load the handler may not have started yet: it must still find
      // the aborted signal (or a 60 s sleep would run on after a cancel). onMessage takes it; the
      // timer only bounds the entry when the message never reaches a local handler.
      else setTimeout(() => this.signals.delete(id), ABANDONED_SIGNAL_TTL_MS).unref();
    }
  }

  private unwrap(reply: Message, agentId: string, capability: string): Record<string, unknown> {
    const r = ReplyContent.safeParse(reply.content);
    if (!r.success) {
      throw new NovaError('INTERNAL', `the reply of "${agentId}" to ${capability} is malformed`, { hint: 'Replies carry { ok: true, result } or { ok: false, error: { code, message, hint } }.' });
    }
    if (r.data.ok) return r.data.result;
    const { code, message, hint, details } = r.data.error;
    throw new NovaError(code, message, { hint, details });
  }

  /** Stop every agent's consumer, then close the bus (closing a bus twice is harmless). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) await sub.unsubscribe().catch(() => {});
    this.subs.clear();
    await this.bus.close();
  }
}
