import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { builtinAgents } from '../../agents/builtin.js';
import { AgentRegistry } from '../../agents/registry.js';
import type { AgentRegistration } from '../../protocol/agent.js';
import { printJson, printText } from '../output.js';

/** The built-in agents, each registered (so validated) in a throw-away registry. */
export async function builtinRegistrations(config: Parameters<typeof builtinAgents>[0]): Promise<AgentRegistration[]> {
  const registry = new AgentRegistry();
  for (const agent of builtinAgents(config)) await registry.register(agent);
  return registry.list().map((e) => e.registration);
}

/** Split "a, b, c" into lines of at most `width` characters (one item may exceed it). */
function wrapList(items: string[], width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const item of items) {
    const next = cur ? `${cur}, ${item}` : item;
    if (cur && next.length > width) {
      lines.push(cur + ',');
      cur = item;
    } else cur = next;
  }
  return cur ? [...lines, cur] : lines.length ? lines : [''];
}

const PARAM_WIDTH = 56;

export function renderTable(regs: AgentRegistration[]): string {
  if (regs.length === 0) return 'No built-in agents.';
  const rows: string[][] = [];
  for (const r of regs) {
    const caps = r.capabilities.length ? r.capabilities : [undefined];
    caps.forEach((c, i) => {
      const params = c ? wrapList(c.parameters.map((p) => `${p.name}${p.required ? '' : '?'}: ${p.type}`), PARAM_WIDTH) : [''];
      params.forEach((line, j) => rows.push([
        i === 0 && j === 0 ? r.agent_id : '',
        i === 0 && j === 0 ? r.version : '',
        j > 0 ? '' : c ? c.name : '(no capabilities)',
        line,
        j > 0 ? '' : c?.required_permissions.join(', ') ?? '',
      ]));
    });
  }
  const header = ['AGENT', 'VERSION', 'CAPABILITY', 'PARAMETERS', 'PERMISSIONS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export const agentsCommand: CommandModule = (program, ctx) => {
  const agents = program.command('agents').description('the agents NovaSystem runs and what they can do');

  agents.command('list')
    .description('list the built-in agents with their capabilities')
    .option('--json', 'JSON output (an array of agent registrations)')
    .action(async (_opts, cmd) => {
      const regs = await builtinRegistrations(ctx.config);
      if (wantsJson(cmd)) return printJson(regs);
      printText(renderTable(regs));
    });
};
