/**
 * A small real agent for workflow tests: it goes through the same invoker path as production
 * agents and records what it was asked, so tests can assert on attempts, concurrency and aborts.
 */
import { Agent, type AgentContext, type CapabilityResult } from '../../agents/agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { NovaError } from '../../errors.js';

export class ProbeAgent extends Agent {
  readonly id = 'probe';
  readonly type = 'probe';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [
    { name: 'probe.flaky', description: 'fail the first `failures` calls per key, then succeed', parameters: [
      { name: 'key', type: 'string', required: true }, { name: 'failures', type: 'integer', required: true },
    ], required_permissions: [] },
    { name: 'probe.fail', description: 'always fail with `code`', parameters: [{ name: 'code', type: 'string', required: false }], required_permissions: [] },
    { name: 'probe.wait', description: 'wait `ms` (or forever when absent) honouring the abort signal', parameters: [
      { name: 'ms', type: 'integer', required: false }, { name: 'tag', type: 'string', required: false },
    ], required_permissions: [] },
    { name: 'probe.record', description: 'record the call and return its input', parameters: [], required_permissions: [] },
  ];
  readonly calls: { capability: string; content: Record<string, unknown> }[] = [];
  readonly aborted: string[] = [];
  private readonly failuresSeen = new Map<string, number>();
  active = 0;
  maxActive = 0;

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    const c = message.content;
    this.calls.push({ capability: message.message_type, content: c });
    switch (message.message_type) {
      case 'probe.flaky': {
        const key = String(c.key);
        const n = this.failuresSeen.get(key) ?? 0;
        if (n < Number(c.failures)) {
          this.failuresSeen.set(key, n + 1);
          throw new NovaError('UNAVAILABLE', `flaky failure ${n + 1} for ${key}`, { hint: 'retry' });
        }
        return { key, failedBefore: n };
      }
      case 'probe.fail':
        throw new NovaError(typeof c.code === 'string' ? c.code : 'UNAVAILABLE', 'probe failure', { hint: 'expected in tests' });
      case 'probe.wait': {
        this.active++;
        this.maxActive = Math.max(this.maxActive, this.active);
        try {
          await new Promise<void>((resolve, reject) => {
            const t = typeof c.ms === 'number' ? setTimeout(resolve, c.ms) : undefined;
            ctx.signal?.addEventListener('abort', () => {
              clearTimeout(t);
              this.aborted.push(String(c.tag ?? ''));
              reject(ctx.signal!.reason);
            }, { once: true });
          });
        } finally {
          this.active--;
        }
        return { waited: c.ms ?? null, tag: c.tag ?? null };
      }
      default:
        return { got: c };
    }
  }
}
