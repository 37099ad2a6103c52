import { InvalidArgumentError, Option } from 'commander';
import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { closeOrphanedRuns, deleteRunRecords, getRun, listRuns, prunableRuns, UNSUCCESSFUL_STATUSES } from '../../store/runs.js';
import { removeRunFolders } from '../../store/run-folders.js';
import { log, printJson, printText } from '../output.js';
import { formatDuration, renderReport } from '../../install/report.js';
import { InstallResult } from '../../protocol/run.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  return n;
}

/** Longest age `runs prune` takes: a century, so that "now minus the age" is always a valid date. */
const MAX_PRUNE_DAYS = 36_500;

function pruneDays(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_PRUNE_DAYS) throw new InvalidArgumentError(`must be a number of days greater than 0 and at most ${MAX_PRUNE_DAYS}, got "${v}"`);
  return n;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(1)} ${units[i]}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const runsCommand: CommandModule = (program, ctx) => {
  const runs = program.command('runs').description('past runs and their records');

  runs.command('list')
    .description('list recent runs, newest first')
    .option('--limit <n>', 'how many', positiveInt, 20)
    .addOption(new Option('--kind <kind>', 'only runs of this kind').choices(['install', 'plan', 'workflow']))
    .option('--status <status>', 'only runs with this status')
    .option('--json', 'JSON output')
    .action(async (opts: { limit: number; kind?: string; status?: string }, cmd) => {
      const store = await ctx.store();
      await closeOrphanedRuns(store);
      const rows = await listRuns(store, opts);
      if (wantsJson(cmd)) return printJson({ runs: rows });
      if (rows.length === 0) return printText('No runs yet. Start one with: nova install <path-or-git-url>');
      printText(rows.map((r) => `${r.runId}  ${r.kind.padEnd(8)} ${r.status.padEnd(8)} ${r.startedAt.replace('T', ' ').slice(0, 19)}  ${r.durationMs !== null ? formatDuration(r.durationMs).padStart(10) : ''.padStart(10)}  ${r.target}`).join('\n'));
    });

  runs.command('show <id>')
    .description('show one run: its steps, commands (with output), documents and diagnosis')
    .option('--output', 'print each command\'s stored output')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: { output?: boolean }, cmd) => {
      const store = await ctx.store();
      await closeOrphanedRuns(store);
      const run = await getRun(store, id);
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

  runs.command('prune')
    .description(`delete finished runs that started more than N days ago: their records (commands, documents, fix outcomes) and their folders under NOVA_HOME/runs; runs still going are kept (a run whose process was killed counts as finished, "interrupted")`)
    .requiredOption('--older-than <days>', 'age in days of the runs to delete (fractions allowed)', pruneDays)
    .option('--keep-failed', `keep runs that did not succeed (${UNSUCCESSFUL_STATUSES.join(', ')})`)
    .option('--json', 'JSON output')
    .action(async (opts: { olderThan: number; keepFailed?: boolean }, cmd) => {
      const store = await ctx.store();
      await closeOrphanedRuns(store); // runs whose process was killed are finished, hence prunable
      const startedBefore = new Date(Date.now() - opts.olderThan * 86_400_000).toISOString();
      const candidates = await prunableRuns(store, { startedBefore, keepFailed: !!opts.keepFailed });
      // Folders first: a run whose folder cannot be removed keeps its records, so a later prune retries it.
      const folders = removeRunFolders(ctx.config.home, candidates);
      const notRemoved = new Set(folders.failed.map((f) => f.runId));
      const runIds = candidates.filter((id) => !notRemoved.has(id));
      const deleted = await deleteRunRecords(store, runIds);
      if (folders.failed.length) process.exitCode = 1;
      if (wantsJson(cmd)) {
        return printJson({ startedBefore, keepFailed: !!opts.keepFailed, deleted, runIds, folders: { removed: folders.removed, bytesFreed: folders.bytesFreed }, kept: folders.failed });
      }
      for (const f of folders.failed) log(`run ${f.runId} kept: its folder could not be removed (${f.reason})`);
      printText(`removed ${plural(deleted.runs, 'run')} that started before ${startedBefore}${opts.keepFailed ? ' (unsuccessful runs kept)' : ''}: `
        + `${plural(deleted.commands, 'command record')}, ${plural(deleted.documents, 'document record')}, ${plural(deleted.fixOutcomes, 'fix outcome')}; `
        + `${plural(folders.removed, 'folder')}, ${formatBytes(folders.bytesFreed)} freed`);
    });
};
