/**
 * The agent registry: who exists, what each one can do, and the gate every message passes before
 * an agent handles it (target known, capability declared, sender permitted, content valid).
 *
 * With a store, registrations are persisted to the `agents` table. Re-registering exactly the same
 * registration (a restart, or a second worker process running the same agents) adopts the stored
 * row; a different registration under a stored id is a CONFLICT — nothing is overwritten.
 */
import type { Agent, AgentContext, CapabilityResult } from './agent.js';
import { AgentRegistration, type Capability } from '../protocol/agent.js';
import type { Message } from '../protocol/message.js';
import { jsonPath, parseOrThrow } from '../protocol/validate.js';
import { NovaError, ValidationError } from '../errors.js';
import type { Store } from '../store/store.js';
import { compileCapability, type ContentChecker } from './capability-params.js';

export interface RegisteredAgent {
  agent: Agent;
  registration: AgentRegistration;
}

interface Entry extends RegisteredAgent {
  checkers: Map<string, { capability: Capability; check: ContentChecker }>;
}

export interface AgentRegistryOptions {
  store?: Store;
  /**
   * Permissions of senders that are not registered agents (e.g. "cli", "workflow-engine").
   * "*" grants every permission.
   */
  principals?: Record<string, string[]>;
}

const ALL = '*';

export class AgentRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Ids being registered right now (the store write is async): a second attempt is a CONFLICT. */
  private readonly pending = new Set<string>();
  private readonly principals: Map<string, string[]>;

  constructor(private readonly opts: AgentRegistryOptions = {}) {
    this.principals = new Map(Object.entries(opts.principals ?? {}));
  }

  async register(agent: Agent): Promise<RegisteredAgent> {
    const raw = agent.registration();
    const label = typeof raw?.agent_id === 'string' ? `registration of agent "${raw.agent_id}"` : 'agent registration';
    const registration = parseOrThrow(AgentRegistration, raw, label, 'Fix the fields named above; `nova schema agent-registration` prints the schema.');
    const id = registration.agent_id;
    if (this.entries.has(id) || this.pending.has(id)) {
      throw new NovaError('CONFLICT', `an agent with id "${id}" is already registered`, { hint: 'Agent ids are unique: unregister the existing agent first or choose another id.' });
    }
    const checkers = new Map<string, { capability: Capability; check: ContentChecker }>();
    registration.capabilities.forEach((capability, i) => {
      try {
        checkers.set(capability.name, { capability, check: compileCapability(capability) });
      } catch (e) {
        throw new ValidationError(label, [{ path: jsonPath(['capabilities', i, 'parameters']), message: (e as Error).message }], 'Use standard JSON Schema keywords (enum, minimum, pattern, items, …).');
      }
    });
    this.pending.add(id);
    try {
      if (this.opts.store) await this.persist(registration);
    } finally {
      this.pending.delete(id);
    }
    const entry: Entry = { agent, registration, checkers };
    this.entries.set(id, entry);
    return { agent, registration };
  }

  private async persist(registration: AgentRegistration): Promise<void> {
    const json = JSON.stringify(registration);
    const id = registration.agent_id;
    await this.opts.store!.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('agents').select(['registration', 'version']).where('agent_id', '=', id).executeTakeFirst();
      if (existing) {
        if (existing.registration === json) return;
        throw new NovaError('CONFLICT', `the store already holds a different registration for agent "${id}" (version ${existing.version}; registering version ${registration.version})`, {
          hint: `Unregister "${id}" first (it removes the stored row), or give the new agent another id.`,
        });
      }
      await trx.insertInto('agents').values({
        agent_id: id,
        agent_type: registration.agent_type,
        version: registration.version,
        registration: json,
        registered_at: new Date().toISOString(),
      }).execute();
    });
  }

  async unregister(id: string): Promise<void> {
    if (!this.entries.has(id)) throw this.notFound(id);
    if (this.opts.store) await this.opts.store.db.deleteFrom('agents').where('agent_id', '=', id).execute();
    this.entries.delete(id);
  }

  get(id: string): RegisteredAgent | undefined {
    const e = this.entries.get(id);
    return e && { agent: e.agent, registration: e.registration };
  }

  list(): RegisteredAgent[] {
    return [...this.entries.values()].map((e) => ({ agent: e.agent, registration: e.registration }));
  }

  /** Agents declaring the capability, in registration order. */
  findByCapability(name: string): RegisteredAgent[] {
    return this.list().filter((e) => e.registration.capabilities.some((c) => c.name === name));
  }

  /** Permissions a sender holds: its own registration's, or a trusted principal's; none otherwise. */
  permissionsOf(sender: string): string[] {
    return this.entries.get(sender)?.registration.permissions ?? this.principals.get(sender) ?? [];
  }

  /**
   * Every check a message must pass before its target handles it. Throws NOT_FOUND (unknown agent
   * or undeclared capability), PERMISSION_DENIED, or a ValidationError naming `$.content.…` paths.
   */
  check(message: Message): RegisteredAgent {
    const entry = this.entries.get(message.to_agent);
    if (!entry) throw this.notFound(message.to_agent);
    const cap = entry.checkers.get(message.message_type);
    if (!cap) {
      const declared = [...entry.checkers.keys()];
      throw new NovaError('NOT_FOUND', `agent "${message.to_agent}" has no capability "${message.message_type}"`, {
        hint: declared.length ? `It declares: ${declared.join(', ')}.` : 'It declares no capabilities.',
      });
    }
    const required = cap.capability.required_permissions;
    if (required.length > 0) {
      const held = this.permissionsOf(message.from_agent);
      if (!held.includes(ALL)) {
        const missing = required.filter((p) => !held.includes(p));
        if (missing.length > 0) {
          throw new NovaError('PERMISSION_DENIED', `"${message.from_agent}" may not use ${message.to_agent}.${message.message_type}: missing permission ${missing.map((p) => `"${p}"`).join(', ')}`, {
            hint: `Grant ${missing.join(', ')} in the sender's registration permissions (or the registry's trusted principals for "${message.from_agent}").`,
          });
        }
      }
    }
    const issues = cap.check(message.content);
    if (issues.length > 0) {
      throw new ValidationError(`content of ${message.message_type} for "${message.to_agent}"`, issues, `The capability's parameters: ${describeParams(cap.capability)}.`);
    }
    return { agent: entry.agent, registration: entry.registration };
  }

  /** Check the message, then let its target handle it. */
  async dispatch(message: Message, ctx: AgentContext = {}): Promise<CapabilityResult> {
    const { agent } = this.check(message);
    const result: unknown = await agent.handle(message, ctx);
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new NovaError('INTERNAL', `agent "${agent.id}" returned ${Array.isArray(result) ? 'an array' : String(result)} from ${message.message_type}, not an object`, {
        hint: 'An agent handler must resolve to a JSON object.',
      });
    }
    return result as CapabilityResult;
  }

  private notFound(id: string): NovaError {
    const ids = [...this.entries.keys()];
    return new NovaError('NOT_FOUND', `no agent "${id}" is registered`, {
      hint: ids.length ? `Registered agents: ${ids.join(', ')}.` : 'No agents are registered yet.',
    });
  }
}

function describeParams(cap: Capability): string {
  if (cap.parameters.length === 0) return 'none';
  return cap.parameters.map((p) => `${p.name}: ${p.type}${p.required ? ' (required)' : ''}`).join(', ');
}
