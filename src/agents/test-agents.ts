/**
 * Small real agents for the registry and runtime tests (not a mock: they go through the same
 * registration, checks and bus as production agents).
 */
import { Agent, type AgentContext, type CapabilityResult } from './agent.js';
import type { Capability } from '../protocol/agent.js';
import type { Message } from '../protocol/message.js';

export class ReaderAgent extends Agent {
  readonly type = 'reader';
  readonly capabilities: Capability[] = [
    {
      name: 'file.read',
      description: 'read a file of the repository',
      parameters: [
        { name: 'path', type: 'string', required: true },
        { name: 'max_bytes', type: 'integer', required: false, schema: { minimum: 1, maximum: 1_000_000 } },
        { name: 'encoding', type: 'string', required: false, schema: { enum: ['utf8', 'base64'] } },
      ],
      required_permissions: ['repo.read'],
    },
    { name: 'echo', description: 'return the content', parameters: [], required_permissions: [] },
  ];
  override readonly permissions: string[];
  readonly seen: { message: Message; ctx: AgentContext }[] = [];

  constructor(readonly id = 'reader', readonly version = '1.0.0', permissions: string[] = []) {
    super();
    this.permissions = permissions;
  }

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    this.seen.push({ message, ctx });
    if (message.message_type === 'echo') {
      if (message.content.fail) throw new Error('echo was asked to fail');
      if (message.content.wait_for_abort) {
        await new Promise<void>((resolve) => ctx.signal?.addEventListener('abort', () => resolve(), { once: true }));
        return { aborted: ctx.signal?.aborted ?? false };
      }
      if (message.content.huge) return { blob: 'x'.repeat(2 * 1024 * 1024) };
      return { ...message.content, run: ctx.runId ?? null };
    }
    return { path: message.content.path, text: `contents of ${String(message.content.path)}` };
  }
}
