/**
 * `nova plan <target>`: the install/build/test plan of a repository, each step with its source,
 * confidence and safety verdict. `--json` prints the Plan contract (see DESIGN.md).
 */
import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import type { Plan, PlanStep, Provenance } from '../../protocol/plan.js';
import { log, printJson, printText } from '../output.js';
import { commandHistory } from '../../store/command-history.js';
import { formatDuration } from '../../install/report.js';

function where(p: Provenance): string {
  if (!p.file) return p.detail ? `${p.kind} (${p.detail})` : p.kind;
  return `${p.kind} ${p.file}${p.line ? `:${p.line}` : ''}`;
}

function clip(s: string, n: number): string {
  const flat = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

function stepRows(steps: PlanStep[]): string[][] {
  const rows = [['STAGE', 'COMMAND', 'SOURCE', 'CONF', 'VERDICT']];
  for (const s of steps) {
    const envCount = s.env ? Object.keys(s.env).length : 0;
    const cmd = `${s.cwd ? `(in ${s.cwd}) ` : ''}${s.command}${envCount ? ` [+${envCount} env]` : ''}`;
    rows.push([s.stage, clip(cmd, 70), clip(where(s.source), 40), s.confidence.toFixed(2), s.verdict]);
  }
  return rows;
}

function notes(steps: PlanStep[]): string[] {
  const out: string[] = [];
  steps.forEach((s, i) => {
    const bits = s.reasons.map((r) => clip(r, 160));
    if (s.suggestion) bits.push(`suggest: ${clip(s.suggestion, 120)}`);
    if (s.needsInput?.length) bits.push(`needs input: ${s.needsInput.join(', ')}`);
    if (s.history) {
      const fix = s.history.fixesThatWorked[0];
      const here = s.history.runs ? `earlier runs here: ${s.history.succeeded}/${s.history.runs} succeeded, ~${formatDuration(s.history.medianMs)}` : '';
      const elsewhere = fix ? `when it failed${s.history.runs ? '' : ' (in other repositories)'}, \`${clip(fix.command, 60)}\` worked (${fix.times}×)` : '';
      bits.push([here, elsewhere].filter(Boolean).join('; '));
    }
    if (bits.length) out.push(`  ${i + 1}. ${clip(s.command, 50)} — ${bits.join('; ')}`);
  });
  return out;
}

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Plan for ${plan.target}${plan.root && plan.root !== plan.target ? ` (${plan.root})` : ''}`);
  lines.push(plan.ecosystems.length
    ? `Ecosystems: ${plan.ecosystems.map((e) => `${e.name}${e.root === '.' ? '' : ` in ${e.root}`} [${e.packageManager}${e.languageVersion ? `, ${e.languageVersion}` : ''}]`).join('; ')}`
    : 'Ecosystems: none recognised');
  lines.push('');
  lines.push(plan.steps.length ? table(stepRows(plan.steps)) : 'No steps could be planned for Linux.');
  const n = notes(plan.steps);
  if (n.length) lines.push('', 'Verdicts and reasons:', ...n);
  if (plan.otherPlatformSteps?.length) {
    lines.push('', 'For other systems (not run here):');
    for (const s of plan.otherPlatformSteps) lines.push(`  - ${clip(s.command, 70)}  (${where(s.source)})`);
  }
  if (plan.prerequisites?.length) {
    lines.push('', 'Prerequisites:');
    for (const p of plan.prerequisites) {
      const mark = p.satisfied === true ? 'ok ' : p.satisfied === false ? 'MISSING' : '?  ';
      lines.push(`  [${mark}] ${p.kind}: ${p.name}${p.detail ? ` — ${clip(p.detail, 140)}` : ''}`);
    }
  }
  if (plan.warnings.length) {
    lines.push('', 'Warnings:');
    for (const w of plan.warnings) lines.push(`  - ${clip(w, 240)}`);
  }
  return lines.join('\n');
}

export const planCommand: CommandModule = (program, ctx) => {
  program
    .command('plan <target>')
    .description('work out how to install, build and test a repository (a folder or a git URL), without running anything')
    .option('--json', 'print the plan as JSON')
    .option('--no-probe', 'do not check tools, services and packages on this machine')
    .action(async (target: string, opts: { probe: boolean }, cmd) => {
      const json = wantsJson(cmd);
      if (!json) log(`planning ${target} …`);
      // Loaded on use: planning pulls in parsers that other commands do not need at start-up.
      const { buildPlan } = await import('../../agents/planner/build-plan.js');
      const plan = await buildPlan(target, ctx.config, { probe: opts.probe });
      // Memory: what earlier runs in this store say about each command.
      const history = await commandHistory(await ctx.store(), plan.steps.map((s) => s.command), plan.target);
      for (const s of plan.steps) {
        const h = history.get(s.command);
        if (h) s.history = h;
      }
      if (json) printJson(plan);
      else printText(renderPlan(plan));
    });
};
