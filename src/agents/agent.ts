/**
 * An agent: an id, a type, a semantic version, the capabilities it declares, and a handler.
 * Message types an agent accepts are exactly its capability names; the registry refuses others.
 */
import type { AgentRegistration, Capability } from '../protocol/agent.js';
import type { Message } from '../protocol/message.js';

export interface AgentContext {
  /** The run the message belongs to, if any (workflow run id). */
  runId?: string;
  /** Aborted when the step times out or the run is cancelled. */
  signal?: AbortSignal;
  /** Progress/log lines for the user (stderr in the CLI). */
  log?: (line: string) => void;
  /**
   * Same for every delivery and retry of one workflow step instance (`<runId>:<stepKey>`): an agent
   * whose effect must happen once records it under this key (workflow/bullmq/step-effects.ts).
   */
  idempotencyKey?: string;
}

export type CapabilityResult = Record<string, unknown>;

export abstract class Agent {
  abstract readonly id: string;
  abstract readonly type: string;
  abstract readonly version: string;
  abstract readonly capabilities: Capability[];
  /** Permissions this agent holds when it sends messages to others. */
  readonly permissions: string[] = [];
  readonly models: string[] = [];

  /** Handle one message whose message_type is one of this agent's capabilities. */
  abstract handle(message: Message, ctx: AgentContext): Promise<CapabilityResult>;

  registration(): AgentRegistration {
    return {
      agent_id: this.id,
      agent_type: this.type,
      version: this.version,
      capabilities: this.capabilities,
      models: this.models,
      permissions: this.permissions,
    };
  }
}
