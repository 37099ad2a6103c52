/**
 * What earlier runs say about a command: how often it succeeded, how long it took, and which fixes
 * made it work when it failed. `nova plan` shows this beside each step, so a person (and the
 * troubleshooter's ranking) benefits from every run recorded in this store.
 */
import type { Store } from './store.js';
import type { FixOutcomesTable } from '../agents/troubleshooting/fix-outcomes.js';

export interface CommandHistory {
  /** First attempts of this exact command in earlier runs of the same repository (target). */
  runs: number;
  succeeded: number;
  /** Median duration of those first attempts (0 when there were none). */
  medianMs: number;
  /**
   * Fixes that made it work after it failed, in any repository, most frequent first: whether a
   * command succeeds depends on its repository, but a fix that repaired it elsewhere is worth
   * knowing everywhere.
   */
  fixesThatWorked: { command: string; times: number }[];
}

const MAX_COMMANDS = 500;

/** What earlier runs of `target` (the repository, as recorded on its runs) say about each command. */
export async function commandHistory(store: Store, commands: string[], target: string): Promise<Map<string, CommandHistory>> {
  const wanted = [...new Set(commands)].slice(0, MAX_COMMANDS);
  const out = new Map<string, CommandHistory>();
  if (wanted.length === 0) return out;
  const firsts = await store.db.selectFrom('commands')
    .innerJoin('runs', 'runs.run_id', 'commands.run_id')
    .select(['commands.command', 'commands.status', 'commands.duration_ms', 'commands.run_id', 'commands.step_index', 'runs.target'])
    .where('commands.attempt', '=', 1).where('commands.command', 'in', wanted)
    .orderBy('commands.seq', 'desc').limit(20_000).execute();
  const byCommand = new Map<string, typeof firsts>();
  for (const r of firsts) byCommand.set(r.command, [...(byCommand.get(r.command) ?? []), r]);

  const failedRuns = [...new Set(firsts.filter((r) => r.status !== 'success').map((r) => r.run_id))].slice(0, 1000);
  const worked = failedRuns.length
    ? await store.db.withTables<{ fix_outcomes: FixOutcomesTable }>().selectFrom('fix_outcomes')
      .select(['run_id', 'step_index', 'command']).where('worked', '=', 1)
      .where('run_id', 'in', failedRuns).execute()
    : [];
  for (const [command, rows] of byCommand) {
    const here = rows.filter((r) => r.target === target);
    const durations = here.map((r) => r.duration_ms).sort((a, b) => a - b);
    const keys = new Set(rows.filter((r) => r.status !== 'success').map((r) => `${r.run_id}#${r.step_index}`));
    const fixes = new Map<string, number>();
    for (const w of worked) if (keys.has(`${w.run_id}#${w.step_index}`)) fixes.set(w.command, (fixes.get(w.command) ?? 0) + 1);
    if (here.length === 0 && fixes.size === 0) continue;
    out.set(command, {
      runs: here.length,
      succeeded: here.filter((r) => r.status === 'success').length,
      medianMs: durations[Math.floor((durations.length - 1) / 2)] ?? 0,
      fixesThatWorked: [...fixes].map(([c, times]) => ({ command: c, times })).sort((a, b) => b.times - a.times),
    });
  }
  return out;
}
