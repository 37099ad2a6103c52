/**
 * The Execution agent: runs a plan's steps in the sandbox with troubleshooting (capability
 * `install.execute`, the heart of workflows/install-repository.json).
 */
import { Agent, type AgentContext, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { Plan } from '../../protocol/plan.js';
import { parseOrThrow } from '../../protocol/validate.js';
import type { Config } from '../../config.js';
import { SandboxKind } from '../../config.js';
import { openStoreFromConfig, type Store } from '../../store/store.js';
import { installFromPlan } from '../../install/install.js';
import { InstallLimits } from '../../install/limits.js';
import type { StepEvent } from './run-step.js';
import { NovaError } from '../../errors.js';

export interface ExecutionAgentOptions {
  config: Config;
  /** Store for run records; opened from the config on first use when absent. */
  store?: Store;
  /** Live step events (the CLI's progress display). */
  onEvent?: (e: StepEvent) => void;
  log?: (line: string) => void;
}

const STAGES = ['system', 'install', 'build', 'test'] as const;

export class ExecutionAgent extends Agent {
  readonly id = 'executor';
  readonly type = 'Execution';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [
    {
      name: 'install.execute',
      description: 'Execute a plan in the sandbox, troubleshoot failures, record every command, and return the install result',
      parameters: [
        { name: 'plan', type: 'object', required: true, description: 'a Plan (nova schema plan)' },
        { name: 'runId', type: 'string', required: false },
        { name: 'sandbox', type: 'string', required: false, schema: { enum: ['bwrap', 'docker', 'none'] } },
        { name: 'allowSystem', type: 'boolean', required: false },
        { name: 'stepTimeoutMs', type: 'integer', required: false },
        { name: 'maxFixAttempts', type: 'integer', required: false },
        { name: 'keepWorkspace', type: 'boolean', required: false },
        { name: 'limits', type: 'object', required: false, description: 'memoryBytes, maxProcesses, maxFileBytes, maxDiskBytes, cpuSeconds' },
        { name: 'stages', type: 'array', required: false, schema: { items: { enum: [...STAGES] } } },
      ],
      required_permissions: ['sandbox.exec'],
    },
  ];
  private store?: Promise<Store>;

  constructor(private readonly opts: ExecutionAgentOptions) {
    super();
    if (opts.store) this.store = Promise.resolve(opts.store);
  }

  async handle(message: Message, _ctx: AgentContext): Promise<CapabilityResult> {
    if (message.message_type !== 'install.execute') throw new NovaError('BAD_INPUT', `the execution agent has no capability "${message.message_type}"`);
    const c = message.content;
    const plan = parseOrThrow(Plan, c.plan, 'the plan given to install.execute', 'Pass the output of plan.build (nova schema plan).');
    const sandbox = c.sandbox === undefined || c.sandbox === null ? undefined : parseOrThrow(SandboxKind, c.sandbox, 'install.execute sandbox');
    const limits = c.limits === undefined || c.limits === null ? undefined : parseOrThrow(InstallLimits, c.limits, 'install.execute limits', 'Give byte counts and counts as positive integers.');
    const stages = Array.isArray(c.stages) ? c.stages.filter((s): s is (typeof STAGES)[number] => (STAGES as readonly string[]).includes(String(s))) : undefined;
    this.store ??= openStoreFromConfig(this.opts.config);
    const store = await this.store;
    const out = await installFromPlan({
      config: this.opts.config, store, plan, sandbox,
      allowSystem: c.allowSystem === true,
      stepTimeoutMs: typeof c.stepTimeoutMs === 'number' ? c.stepTimeoutMs : undefined,
      maxFixAttempts: typeof c.maxFixAttempts === 'number' ? c.maxFixAttempts : undefined,
      keepWorkspace: typeof c.keepWorkspace === 'boolean' ? c.keepWorkspace : undefined,
      limits,
      stages,
      runId: typeof c.runId === 'string' ? c.runId : undefined,
      documents: plan.documents,
      onEvent: this.opts.onEvent,
      log: this.opts.log,
    });
    return { result: out.result, succeeded: out.execution?.succeeded.map((s) => ({ step: s.step, command: s.command })) ?? [] };
  }
}
