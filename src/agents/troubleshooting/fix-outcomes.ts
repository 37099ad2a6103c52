/**
 * Records of fixes tried, and their ranking by how often they worked. The troubleshooter orders
 * candidate fixes for a pattern by this record (Laplace-smoothed success rate, so an untried fix
 * keeps a fair chance against one that worked once).
 */
import type { Store } from '../../store/store.js';

export interface FixOutcomesTable {
  seq: import('kysely').Generated<number>;
  run_id: string;
  step_index: number;
  pattern_id: string;
  fix_template: string;
  command: string;
  worked: number;
  at: string;
}

export interface FixStat {
  patternId: string;
  fixTemplate: string;
  tried: number;
  worked: number;
  /** (worked + 1) / (tried + 2) */
  score: number;
}

function db(store: Store) {
  return store.db.withTables<{ fix_outcomes: FixOutcomesTable }>();
}

export async function recordFixOutcome(store: Store, o: { runId: string; stepIndex: number; patternId: string; fixTemplate: string; command: string; worked: boolean }): Promise<void> {
  await db(store).insertInto('fix_outcomes').values({
    run_id: o.runId, step_index: o.stepIndex, pattern_id: o.patternId, fix_template: o.fixTemplate, command: o.command, worked: o.worked ? 1 : 0, at: new Date().toISOString(),
  }).execute();
}

export async function fixStats(store: Store, patternIds?: string[]): Promise<FixStat[]> {
  let q = db(store).selectFrom('fix_outcomes')
    .select((eb) => ['pattern_id', 'fix_template', eb.fn.countAll<number>().as('tried'), eb.fn.sum<number>('worked').as('worked')])
    .groupBy(['pattern_id', 'fix_template']);
  if (patternIds?.length) q = q.where('pattern_id', 'in', patternIds);
  const rows = await q.execute();
  return rows.map((r) => {
    const tried = Number(r.tried);
    const worked = Number(r.worked ?? 0);
    return { patternId: r.pattern_id, fixTemplate: r.fix_template, tried, worked, score: (worked + 1) / (tried + 2) };
  }).sort((a, b) => b.score - a.score);
}

/** Order fixes by their recorded effectiveness; stable for fixes never tried (library order). */
export function rankFixes<T extends { template: string }>(patternId: string, fixes: T[], stats: FixStat[]): T[] {
  const score = (f: T) => stats.find((s) => s.patternId === patternId && s.fixTemplate === f.template)?.score ?? 0.5;
  return fixes.map((f, i) => ({ f, i, s: score(f) })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.f);
}
