/**
 * The Command Validation agent: answers `command.validate` with a verdict for one command or an
 * analysis for each of a list of steps judged in order.
 */
import { Agent, type AgentContext, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { NovaError } from '../../errors.js';
import { initParser } from './parser.js';
import { validateSteps } from './steps.js';
import type { StepLike, ValidationContext } from './types.js';
import { validateCommand } from './validate.js';

export class CommandValidationAgent extends Agent {
  readonly id = 'command-validation';
  readonly type = 'command-validation';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [{
    name: 'command.validate',
    description: 'Parse shell commands with a real shell parser and judge them allow/warn/block with reasons, suggestions, network needs and dependencies between steps',
    parameters: [
      { name: 'command', type: 'string', required: false, description: 'one shell command to judge' },
      { name: 'steps', type: 'array', required: false, description: 'steps ({ command, cwd?, env? }) judged in order as one shell session' },
      { name: 'context', type: 'object', required: true, description: 'ValidationContext: { workspace, lockfiles?, os?, toolVersions?, constraints? }' },
    ],
    required_permissions: [],
  }];

  async handle(message: Message, _ctx: AgentContext): Promise<CapabilityResult> {
    const { command, steps, context } = message.content as { command?: unknown; steps?: unknown; context?: unknown };
    if (!context || typeof context !== 'object' || typeof (context as { workspace?: unknown }).workspace !== 'string') {
      throw new NovaError('BAD_INPUT', 'command.validate needs content.context.workspace (absolute path of the checkout)', { hint: 'send { command: "npm ci", context: { workspace: "/path/to/repo" } }' });
    }
    initParser();
    const vctx = context as ValidationContext;
    if (typeof command === 'string') return { ...validateCommand(command, vctx) };
    if (Array.isArray(steps)) return { steps: validateSteps(steps as StepLike[], vctx) };
    throw new NovaError('BAD_INPUT', 'command.validate needs content.command (a string) or content.steps (an array)', { hint: 'send { command: "npm ci", context: {…} }' });
  }
}
