import { Agent, type CapabilityResult } from '../agent.js';
import type { Capability } from '../../protocol/agent.js';
import type { Message } from '../../protocol/message.js';
import { diagnose } from './diagnose.js';
import { parseTestCounts } from './test-counts.js';

/** Explains failed steps and proposes fixes from the error-pattern library. */
export class TroubleshootingAgent extends Agent {
  readonly id = 'troubleshooter';
  readonly type = 'Troubleshooting';
  readonly version = '1.0.0';
  readonly capabilities: Capability[] = [
    {
      name: 'troubleshoot.diagnose',
      description: 'Categorise a failed step from its output, explain it and propose fixes',
      parameters: [
        { name: 'output', type: 'string', required: true },
        { name: 'command', type: 'string', required: true },
        { name: 'stage', type: 'string', required: true },
        { name: 'exitCode', type: 'integer', required: false },
        { name: 'timedOut', type: 'boolean', required: false },
      ],
      required_permissions: [],
    },
    {
      name: 'troubleshoot.test-counts',
      description: 'Read passed/failed/skipped counts from a test runner output',
      parameters: [{ name: 'output', type: 'string', required: true }],
      required_permissions: [],
    },
  ];

  async handle(message: Message): Promise<CapabilityResult> {
    const c = message.content as { output: string; command: string; stage: string; exitCode?: number; timedOut?: boolean };
    if (message.message_type === 'troubleshoot.test-counts') return { tests: parseTestCounts(c.output) ?? null };
    const r = diagnose(c.output, { command: c.command, stage: c.stage, exitCode: c.exitCode ?? null, timedOut: c.timedOut });
    return { findings: r.findings, tests: r.tests ?? null, testsFailed: r.testsFailed };
  }
}
