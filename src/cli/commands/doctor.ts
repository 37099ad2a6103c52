/**
 * `nova doctor [--json]`: what is available on this machine and how to enable what is missing.
 * Missing optional parts (Redis, Docker, an LLM, toolchains) still exit 0; only a broken
 * configuration or an unusable SQL store exits 1, so scripts can use it as a health check.
 */
import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { printJson, printText } from '../output.js';
import { NovaError } from '../../errors.js';
import { DEFAULT_TIMEOUT_MS, runChecks, type CheckGroup, type DoctorCheck } from './doctor-checks.js';

const GROUP_TITLES: Record<CheckGroup, string> = {
  configuration: 'Configuration',
  store: 'SQL store',
  services: 'Services',
  sandbox: 'Sandboxes',
  llm: 'LLM',
  toolchains: 'Toolchains on PATH (needed only for repositories that use them)',
};

export interface DoctorSummary {
  ok: number;
  missing: number;
  error: number;
  /** No required check failed: NovaSystem can plan and record runs here. */
  ready: boolean;
  durationMs: number;
}

export function summarize(checks: DoctorCheck[], durationMs: number): DoctorSummary {
  const count = (s: DoctorCheck['status']) => checks.filter((c) => c.status === s).length;
  return { ok: count('ok'), missing: count('missing'), error: count('error'), ready: !checks.some((c) => c.required && c.status === 'error'), durationMs };
}

export function renderText(checks: DoctorCheck[], summary: DoctorSummary): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = ['NovaSystem doctor'];
  let group: CheckGroup | undefined;
  for (const c of checks) {
    if (c.group !== group) {
      group = c.group;
      lines.push('', GROUP_TITLES[group]);
    }
    const mark = c.status === 'ok' ? '✓' : '✗';
    const label = c.status === 'error' ? ' [error]' : '';
    lines.push(`  ${mark} ${c.name.padEnd(width)}  ${c.detail}${label}`);
    if (c.hint && c.status !== 'ok') lines.push(`    ${' '.repeat(width)}  → ${c.hint}`);
  }
  lines.push('', `${summary.ok} ok, ${summary.missing} missing, ${summary.error} errors (${(summary.durationMs / 1000).toFixed(1)} s)${summary.ready ? '' : ' — NovaSystem cannot run until the errors marked required are fixed'}`);
  return lines.join('\n');
}

export const doctorCommand: CommandModule = (program, ctx) => {
  program
    .command('doctor')
    .description('check what is available (store, Redis, sandboxes, LLM, toolchains) and how to enable what is missing')
    .option('--json', 'JSON output: { checks: [...], summary }')
    .option('--timeout <ms>', `how long each check may take (default ${DEFAULT_TIMEOUT_MS})`)
    .action(async (opts: { timeout?: string }, cmd) => {
      const timeoutMs = opts.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(opts.timeout);
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) {
        throw new NovaError('BAD_INPUT', `--timeout must be a whole number of milliseconds between 100 and 60000, got "${opts.timeout}"`, { hint: 'Example: nova doctor --timeout 5000' });
      }
      const started = Date.now();
      const checks = await runChecks(() => ctx.config, { timeoutMs });
      const summary = summarize(checks, Date.now() - started);
      if (wantsJson(cmd)) printJson({ checks, summary });
      else printText(renderText(checks, summary));
      if (!summary.ready) process.exitCode = 1;
    });
};
