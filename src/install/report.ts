/**
 * The human-readable install report: what was detected, each step ✓/✗ with its time, the diagnosis
 * in plain words, and what to do next.
 */
import type { Plan } from '../protocol/plan.js';
import type { InstallResult, InstallStepResult } from '../protocol/run.js';

const ICON: Record<InstallStepResult['status'], string> = { success: '✓', failed: '✗', timeout: '⏱', blocked: '⛔', skipped: '–', pending: '…' };

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function testsText(s: InstallStepResult): string {
  if (!s.tests) return '';
  const t = s.tests;
  return `${t.failed} failed, ${t.passed} passed${t.skipped ? `, ${t.skipped} skipped` : ''} (${t.framework})`;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function nextSteps(result: InstallResult, plan?: Plan): string[] {
  const out: string[] = [];
  const skippedSystem = result.steps.filter((s) => s.status === 'skipped' && s.stage === 'system');
  if (skippedSystem.length) out.push(`System packages were not installed: rerun with --allow-system, or install them yourself: ${skippedSystem.map((s) => s.command).join('; ')}`);
  if (result.steps.some((s) => s.status === 'blocked')) out.push('Some steps were blocked as dangerous and not run: read them (nova plan shows why) and run them yourself only if you trust them.');
  for (const d of result.diagnosis) {
    const untried = d.fixes.filter((f) => !f.applied);
    const about = d.step !== undefined && result.steps[d.step] ? `For step ${d.step + 1} (${clip(result.steps[d.step].command, 50)}), try` : 'Try';
    if (untried.length && !d.fixes.some((f) => f.worked)) out.push(`${about} \`${untried[0].command}\` (${untried[0].description})`);
  }
  const input = result.steps.filter((s) => s.reasons?.some((r) => r.startsWith('needs values')));
  if (input.length) out.push('Some steps need values only you can supply (tokens, names): see the skipped steps.');
  // The plan checked the host; the sandbox may have provided the tool since (corepack, the npm
  // registry). After a successful run an unmet prerequisite blocked nothing: not a next step.
  if (result.status !== 'success') for (const p of plan?.prerequisites ?? []) if (p.satisfied === false) out.push(`Prerequisite not met here: ${p.kind === p.name ? p.name : `${p.kind} ${p.name}`}${p.detail ? ` (${p.detail})` : ''}`);
  if (out.length === 0 && result.status === 'success') out.push('Nothing to do: it installs, builds and tests here. Export what worked with --export setup.sh or --export Dockerfile.');
  return [...new Set(out)];
}

export function renderReport(result: InstallResult, plan?: Plan): string {
  const lines: string[] = [];
  const failedTests = result.steps.find((s) => s.tests && s.tests.failed > 0);
  const headline = result.status === 'success' ? 'SUCCESS' : result.status === 'failed' && failedTests ? `FAILED — the tests ran and ${failedTests.tests!.failed} failed` : result.status.toUpperCase();
  lines.push(`NovaSystem install: ${result.target ?? ''}`);
  lines.push(`run ${result.runId} · ${headline}${result.durationMs !== undefined ? ` · ${formatDuration(result.durationMs)}` : ''}${result.sandbox ? ` · sandbox ${result.sandbox}` : ''}`);
  if (plan?.ecosystems.length) {
    lines.push('', 'Detected:');
    for (const e of plan.ecosystems) lines.push(`  ${e.name} (${e.packageManager}${e.languageVersion ? `, ${e.languageVersion}` : ''}) at ${e.root}`);
  }
  lines.push('', 'Steps:');
  const width = Math.min(60, Math.max(10, ...result.steps.map((s) => s.command.length)));
  for (const s of result.steps) {
    const cmd = s.command.length > width ? s.command.slice(0, width - 1) + '…' : s.command.padEnd(width);
    const extra = s.status === 'skipped' || s.status === 'blocked' ? (s.reasons?.at(-1) ?? '') : [formatDuration(s.durationMs), s.attempts > 1 ? `${s.attempts} attempts` : '', testsText(s)].filter(Boolean).join('  ');
    lines.push(`  ${ICON[s.status]} ${s.stage.padEnd(7)} ${cmd}  ${extra}`);
  }
  if (result.diagnosis.length) {
    lines.push('', 'Diagnosis:');
    for (const d of result.diagnosis) {
      // Several steps may fail in one run: say which one each finding is about.
      const about = d.step !== undefined && result.steps[d.step] ? `step ${d.step + 1} (${result.steps[d.step].command}): ` : '';
      lines.push(`  • [${d.category}] ${about}${d.explanation}`);
      if (d.evidence) lines.push(`      evidence: ${d.evidence}`);
      for (const f of d.fixes.filter((x) => x.applied)) lines.push(`      fix tried: ${f.command} → ${f.worked ? 'worked' : 'did not work'}`);
    }
  }
  if (result.warnings?.length) {
    lines.push('', 'Warnings:');
    for (const w of result.warnings) lines.push(`  ! ${w}`);
  }
  if (result.workspace) lines.push('', `Workspace kept at ${result.workspace}`);
  const next = nextSteps(result, plan);
  if (next.length) {
    lines.push('', 'Next steps:');
    for (const n of next) lines.push(`  → ${n}`);
  }
  return lines.join('\n');
}
