/**
 * The built-in utility agent: small capabilities for demos, tests and glue in workflows.
 *   util.echo         returns its input
 *   util.sleep        waits `ms` (abortable by the step's timeout/cancel signal)
 *   util.append-line  appends a line to a file inside an allowed folder (`unique` = idempotent)
 *   util.shell        runs a validated command in the execution agent's sandbox (bubblewrap),
 *                     in an allowed folder, network off unless asked for; never on the host.
 */
import { join } from 'node:path';
import { Agent, type AgentContext, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { NovaError } from '../../errors.js';
import { appendLine } from './append-line.js';
import { runShell } from '../execution/shell.js';

export const UTILITY_AGENT_ID = 'utility';
const MAX_SLEEP_MS = 24 * 3600 * 1000;

export const utilityCapabilities: Capability[] = [
  { name: 'util.echo', description: 'Return the input unchanged (as output.echo).', parameters: [], required_permissions: [] },
  {
    name: 'util.sleep', description: 'Wait for a number of milliseconds.', required_permissions: [],
    parameters: [{ name: 'ms', type: 'integer', required: true, description: 'milliseconds to wait (0 to 86400000)' }],
  },
  {
    name: 'util.append-line', description: 'Append one line to a file inside an allowed folder.', required_permissions: ['fs.write'],
    parameters: [
      { name: 'file', type: 'string', required: true, description: 'path of the file (its folder must exist and be allowed)' },
      { name: 'line', type: 'string', required: true, description: 'the line, without a line break' },
      { name: 'unique', type: 'boolean', required: false, description: 'skip the append when the file already has this exact line (idempotent)' },
    ],
  },
  {
    name: 'util.shell', description: 'Run a shell command in the sandbox of the execution agent.', required_permissions: ['sandbox.exec'],
    parameters: [
      { name: 'command', type: 'string', required: true },
      { name: 'cwd', type: 'string', required: false, description: 'folder inside an allowed folder (default: the first allowed folder)' },
      { name: 'network', type: 'boolean', required: false },
      { name: 'timeoutMs', type: 'integer', required: false },
    ],
  },
];

export interface UtilityAgentOptions {
  /** Folders util.append-line may write in. */
  allowedDirs: string[];
}

/** Default allowed folder for util.append-line: `<NOVA_HOME>/files`. */
export function defaultUtilityDirs(home: string): string[] {
  return [join(home, 'files')];
}

export class UtilityAgent extends Agent {
  readonly id = UTILITY_AGENT_ID;
  readonly type = 'utility';
  readonly version = '1.0.0';
  readonly capabilities = utilityCapabilities;

  private readonly allowedDirs: string[];

  constructor(opts: UtilityAgentOptions) {
    super();
    this.allowedDirs = [...opts.allowedDirs];
  }

  /** Allow util.append-line to write in one more folder (`nova workflow run --allow-dir`). */
  allowDir(dir: string): void {
    this.allowedDirs.push(dir);
  }

  async handle(message: Message, ctx: AgentContext): Promise<CapabilityResult> {
    const input = message.content;
    switch (message.message_type) {
      case 'util.echo':
        return { echo: input };
      case 'util.sleep': {
        const ms = input.ms;
        if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_SLEEP_MS) {
          throw new NovaError('BAD_INPUT', `util.sleep needs input.ms, an integer from 0 to ${MAX_SLEEP_MS}; got ${JSON.stringify(ms)}`, { hint: 'Example: { "ms": 500 }' });
        }
        await sleep(ms, ctx.signal);
        return { slept: ms };
      }
      case 'util.append-line': {
        if (typeof input.file !== 'string') throw new NovaError('BAD_INPUT', 'util.append-line needs input.file (a string path)', { hint: 'Example: { "file": "/tmp/x/log.txt", "line": "hello" }' });
        return appendLine(input.file, input.line as string, { allowedDirs: this.allowedDirs, unique: input.unique === true });
      }
      case 'util.shell':
        // Never on the host: the execution agent's sandbox, in a folder util.append-line may also use.
        return { ...(await runShell({
          command: input.command as string,
          cwd: (input.cwd as string | undefined) ?? this.allowedDirs[0],
          allowedDirs: this.allowedDirs,
          network: input.network === true,
          timeoutMs: typeof input.timeoutMs === 'number' ? input.timeoutMs : undefined,
          signal: ctx.signal,
        })) };
      default:
        throw new NovaError('BAD_INPUT', `the utility agent has no capability "${message.message_type}"`, { hint: `It has: ${utilityCapabilities.map((c) => c.name).join(', ')}` });
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
