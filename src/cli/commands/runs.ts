import { InvalidArgumentError, Option } from 'commander';
import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { getRun, listRuns } from '../../store/runs.js';
import { printJson, printText } from '../output.js';
import { formatDuration, renderReport } from '../../install/report.js';
import { InstallResult } from '../../protocol/run.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  return n;
}

export const runsCommand: CommandModule = (program, ctx) => {
  const runs = program.command('runs').description('past runs and their records');

  runs.command('list')
    .description('list recent runs, newest first')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .addOption(new Option('--kind <kind>', 'only runs of this kind').choices(['install', 'plan', 'workflow']))
    .option('--status <status>', 'only runs with this status')
    .option('--json', 'JSON output')
    .action(async (opts: { limit: number; kind?: string; status?: string }, cmd) => {
      const rows = await listRuns(await ctx.store(), opts);
      if (wantsJson(cmd)) return printJson({ runs: rows });
      if (rows.length === 0) return printText('No runs yet. Start one with: nova install <path-or-git-url>');
      printText(rows.map((r) => `${r.runId}  ${r.kind.padEnd(8)} ${r.status.padEnd(8)} ${r.startedAt.replace('T', ' ').slice(0, 19)}  ${r.durationMs !== null ? formatDuration(r.durationMs).padStart(10) : ''.padStart(10)}  ${r.target}`).join('\n'));
    });

  runs.command('show <id>')
    .description('show one run: its steps, commands (with output), documents and diagnosis')
    .option('--output', 'print each command\'s stored output')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: { output?: boolean }, cmd) => {
      const run = await getRun(await ctx.store(), id);
      if (wantsJson(cmd)) return printJson(run);
      const summary = run.summary as { result?: unknown } | null;
      const parsed = InstallResult.safeParse(summary?.result);
      const lines: string[] = [];
      if (parsed.success) lines.push(renderReport(parsed.data));
      else lines.push(`run ${run.runId} · ${run.kind} · ${run.status} · ${run.target}`);
      lines.push('', 'Commands:');
      for (const c of run.commands) {
        lines.push(`  #${c.step_index + 1}.${c.attempt} [${c.stage}] ${c.command} → ${c.status}${c.exit_code !== null ? ` (exit ${c.exit_code})` : ''} ${formatDuration(c.duration_ms)}${c.output_truncated ? ' [output truncated]' : ''}`);
        if (opts.output && c.output) lines.push(c.output.split('\n').map((l) => `      ${l}`).join('\n'));
      }
      if (run.documents.length) {
        lines.push('', 'Documents used:');
        for (const d of run.documents) lines.push(`  ${d.kind.padEnd(10)} ${d.path} (${d.bytes} bytes)`);
      }
      printText(lines.join('\n'));
    });
};
