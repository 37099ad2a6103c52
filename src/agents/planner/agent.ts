/** The Planner agent: answers `plan.build` with a validated install/build/test plan. */
import { Agent, type AgentContext, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import type { Config } from '../../config.js';
import { NovaError } from '../../errors.js';
import { buildPlan } from './build-plan.js';

export class PlannerAgent extends Agent {
  readonly id = 'planner';
  readonly type = 'planner';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [{
    name: 'plan.build',
    description: 'Resolve a repository (folder or git URL) and synthesise its install/build/test plan from CI, docs and manifests, with a safety verdict per command',
    parameters: [
      { name: 'target', type: 'string', required: true, description: 'folder path or git URL' },
      { name: 'probe', type: 'boolean', required: false, description: 'check prerequisites against this machine (default true)' },
    ],
    required_permissions: [],
  }];

  constructor(private readonly config: Config) {
    super();
  }

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    const { target, probe } = message.content;
    if (typeof target !== 'string' || !target) throw new NovaError('BAD_INPUT', 'plan.build needs content.target (a folder or git URL)', { hint: 'Send { target: "./repo" }.' });
    const plan = await buildPlan(target, this.config, { probe: typeof probe === 'boolean' ? probe : undefined });
    ctx.log?.(`planned ${target}: ${plan.steps.length} steps, ${plan.warnings.length} warnings`);
    return { plan };
  }
}
