/**
 * Starts the agent runtime of one process: an in-process bus with its communication log in the
 * store, the registry with the trusted principals (the CLI and the workflow engine), and the
 * built-in agents registered on it. The CLI's install and workflow commands start from here.
 */
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { InProcessBus } from '../bus/in-process/in-process-bus.js';
import { AgentRegistry } from './registry.js';
import { AgentRuntime } from './runtime.js';
import { builtinAgents, type BuiltinAgentDeps } from './builtin.js';
import type { Agent } from './agent.js';
import { WORKFLOW_ENGINE_ID } from '../workflow/invoker.js';

/** Senders that are not agents but act for the user: they hold every permission. */
export const TRUSTED_PRINCIPALS: Record<string, string[]> = { cli: ['*'], [WORKFLOW_ENGINE_ID]: ['*'] };

export interface RuntimeHandle {
  runtime: AgentRuntime;
  close(): Promise<void>;
}

export async function startRuntime(config: Config, store: Store, deps: Omit<BuiltinAgentDeps, 'store'> & { extraAgents?: Agent[] } = {}): Promise<RuntimeHandle> {
  const bus = new InProcessBus({ store, log: deps.log });
  const registry = new AgentRegistry({ principals: TRUSTED_PRINCIPALS });
  const runtime = new AgentRuntime({ bus, registry, store, log: deps.log });
  for (const agent of [...builtinAgents(config, { ...deps, store }), ...(deps.extraAgents ?? [])]) await runtime.register(agent);
  return {
    runtime,
    close: async () => {
      await runtime.close();
      await bus.close();
    },
  };
}
