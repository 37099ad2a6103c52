/**
 * `nova quota [--json]`: per-tenant quotas and usage, shared by every worker through Redis.
 * `nova quota set <tenant> [--max-runs N|none] [--steps-per-sec R|none] [--burst B|none]`.
 */
import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { NovaError } from '../../errors.js';
import { printJson, printText } from '../output.js';
import type { TenantQuotas, QuotaSettings, TenantUsage } from '../../quota/tenant-quotas.js';

function limit(value: string | undefined, flag: string, integer: boolean): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none' || value === 'unlimited') return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new NovaError('BAD_INPUT', `${flag} must be ${integer ? 'a whole number' : 'a number'} >= 0 or "none", got "${value}"`, { hint: `Example: ${flag} ${integer ? '4' : '2.5'}` });
  }
  return n;
}

function table(rows: TenantUsage[]): string {
  if (rows.length === 0) return 'no tenant has a quota or usage yet (set one: nova quota set <tenant> --max-runs N --steps-per-sec R)';
  const show = (n: number | null) => (n === null ? 'unlimited' : String(n));
  const lines = [['tenant', 'runs active/max', 'steps/s', 'steps started', 'throttled', 'runs denied']];
  for (const r of rows) lines.push([r.tenant, `${r.activeRuns}/${show(r.maxRuns)}`, show(r.stepsPerSec), String(r.stepsStarted), String(r.stepsThrottled), String(r.runsDenied)]);
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export const quotaCommand: CommandModule = (program, ctx) => {
  const open = async (): Promise<TenantQuotas> => {
    const url = ctx.config.redisUrl;
    if (!url) {
      throw new NovaError('BAD_INPUT', 'tenant quotas live in Redis, and NOVA_REDIS_URL is not set', { hint: 'Set NOVA_REDIS_URL=redis://host:6379 (the same Redis the workers use); see docs/several-machines.md.' });
    }
    const { TenantQuotas } = await import('../../quota/tenant-quotas.js'); // Redis: loaded only when used
    const q = await TenantQuotas.open(url);
    ctx.onClose(() => q.close());
    return q;
  };

  const quota = program
    .command('quota')
    .description('show per-tenant quotas and usage (enforced across all workers through Redis)')
    .option('--json', 'JSON output')
    .action(async (_opts, cmd) => {
      const rows = await (await open()).usage();
      if (wantsJson(cmd)) printJson({ tenants: rows });
      else printText(table(rows));
    });

  quota
    .command('set <tenant>')
    .description('set the quota of a tenant ("none" removes a limit)')
    .option('--max-runs <n>', 'most runs of the tenant active at once')
    .option('--steps-per-sec <r>', 'most steps of the tenant started per second')
    .option('--burst <b>', 'steps allowed at once after an idle spell (default: one second worth)')
    .option('--json', 'JSON output')
    .action(async (tenant: string, opts: { maxRuns?: string; stepsPerSec?: string; burst?: string }, cmd) => {
      const settings: QuotaSettings = {
        maxRuns: limit(opts.maxRuns, '--max-runs', true),
        stepsPerSec: limit(opts.stepsPerSec, '--steps-per-sec', false),
        burst: limit(opts.burst, '--burst', false),
      };
      if (Object.values(settings).every((v) => v === undefined)) {
        throw new NovaError('BAD_INPUT', 'nothing to set', { hint: 'Give --max-runs, --steps-per-sec and/or --burst.' });
      }
      const usage = await (await open()).setQuota(tenant, settings);
      if (wantsJson(cmd)) printJson(usage);
      else printText(table([usage]));
    });
};
