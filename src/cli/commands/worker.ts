/**
 * `nova worker [--concurrency N] [--capabilities a,b] [--agents-module file]`: runs workflow steps
 * from the BullMQ queues on Redis (NOVA_REDIS_URL), recording results in the store (use PostgreSQL,
 * NOVA_DATABASE_URL, when workers run on several machines). Stops gracefully on SIGTERM/SIGINT:
 * takes no new job and finishes the ones it holds.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../../config.js';
import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { NovaError, errorMessage } from '../../errors.js';
import { log, printText } from '../output.js';
import type { Store } from '../../store/store.js';
import type { Agent } from '../../agents/agent.js';
import { builtinAgents } from '../../agents/builtin.js';

/** A long-running command's --json output: one compact JSON document per line. */
const jsonLine = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');

/** What an `--agents-module` file's `agents(ctx)` export receives. */
export interface AgentsModuleContext {
  config: Config;
  store: Store;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new NovaError('BAD_INPUT', `${flag} must be a whole number from 1 to 10000, got "${value}"`, { hint: `Example: ${flag} 8` });
  return n;
}

async function loadAgentsModule(file: string, ctx: AgentsModuleContext): Promise<Agent[]> {
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  let mod: { agents?: (c: AgentsModuleContext) => Agent[] | Promise<Agent[]> };
  try {
    mod = (await import(pathToFileURL(path).href)) as typeof mod;
  } catch (e) {
    throw new NovaError('BAD_INPUT', `cannot load agents module ${path}: ${errorMessage(e)}`, { hint: 'Give a .ts/.js file that exports `agents(ctx)` returning Agent instances.' });
  }
  if (typeof mod.agents !== 'function') throw new NovaError('BAD_INPUT', `agents module ${path} does not export a function "agents"`, { hint: 'export async function agents(ctx) { return [new MyAgent()]; }' });
  return mod.agents(ctx);
}

export const workerCommand: CommandModule = (program, ctx) => {
  program
    .command('worker')
    .description('run workflow steps from the queues on Redis (NOVA_REDIS_URL); start one per machine or core')
    .option('--concurrency <n>', 'jobs processed at once per queue', '4')
    .option('--capabilities <list>', 'only these capabilities (comma-separated; default: all of this worker\'s agents)')
    .option('--agents-module <file>', 'also register the agents exported by this module (`export function agents(ctx)`)')
    .option('--prefix <prefix>', 'BullMQ key prefix shared by the executor and its workers', 'nova')
    .option('--lock-ms <ms>', 'a job is handed to another worker when its worker is silent this long', '10000')
    .option('--json', 'JSON lines on stdout (ready, stopped)')
    .action(async (opts: { concurrency: string; capabilities?: string; agentsModule?: string; prefix: string; lockMs: string }, cmd) => {
      const json = wantsJson(cmd);
      const config = ctx.config;
      const concurrency = positiveInt(opts.concurrency, '--concurrency');
      const lockMs = positiveInt(opts.lockMs, '--lock-ms');
      if (lockMs < 500) throw new NovaError('BAD_INPUT', '--lock-ms must be at least 500', { hint: 'Locks are renewed every half lock; too short a lock hands live jobs away.' });
      if (!/^[A-Za-z0-9_.-]{1,60}$/.test(opts.prefix)) throw new NovaError('BAD_INPUT', `--prefix "${opts.prefix}" may only contain letters, digits, _ . - (1 to 60 of them)`, { hint: 'Example: --prefix nova (the same on the executor and every worker).' });
      // Flags are checked before the environment, so a typo is reported even where Redis is not set up.
      if (!config.redisUrl) {
        throw new NovaError('BAD_INPUT', 'nova worker needs Redis, and NOVA_REDIS_URL is not set', { hint: 'Set NOVA_REDIS_URL=redis://host:6379 (and NOVA_DATABASE_URL=postgres://… shared by all workers); see docs/several-machines.md.' });
      }
      const capabilities = opts.capabilities?.split(',').map((c) => c.trim()).filter(Boolean);

      const store = await ctx.store();
      if (store.dialect === 'sqlite') log('nova worker: the store is a local SQLite file, so only workers on this machine share runs; set NOVA_DATABASE_URL for several machines.');
      // Loaded here, not at start-up: Redis and BullMQ are hundreds of modules other commands never need.
      const [{ connectRedis }, { TenantQuotas }, { WorkflowWorker }] = await Promise.all([
        import('../../bus/redis-streams/redis-connection.js'),
        import('../../quota/tenant-quotas.js'),
        import('../../workflow/bullmq/workflow-worker.js'),
      ]);
      const connection = await connectRedis(config.redisUrl, { name: 'nova-worker', log });
      ctx.onClose(async () => { await connection.quit().catch(() => connection.disconnect()); });
      const agents = [...builtinAgents(config), ...(opts.agentsModule ? await loadAgentsModule(opts.agentsModule, { config, store }) : [])];
      if (agents.length === 0) throw new NovaError('BAD_INPUT', 'this worker has no agents to run steps with', { hint: 'Pass --agents-module <file> with your agents.' });

      const worker = await WorkflowWorker.start({
        store, connection, prefix: opts.prefix, agents, capabilities, concurrency, lockMs,
        quotas: new TenantQuotas(connection), log,
      });
      await worker.ready();
      const cpuAtReady = process.cpuUsage();
      const ready = { event: 'ready', worker: worker.name, queues: worker.queues, concurrency, store: store.location, cpuMs: Math.round((cpuAtReady.user + cpuAtReady.system) / 1000) };
      if (json) jsonLine(ready);
      else log(`nova worker ${worker.name} ready: ${worker.queues.join(', ')} (concurrency ${concurrency} per queue)`);

      const signal = await new Promise<string>((resolveSignal) => {
        const on = (s: string) => () => resolveSignal(s);
        process.once('SIGTERM', on('SIGTERM'));
        process.once('SIGINT', on('SIGINT'));
      });
      log(`nova worker ${worker.name}: ${signal}, finishing the jobs in hand`);
      await worker.close();
      const cpu = process.cpuUsage();
      const stopped = { event: 'stopped', worker: worker.name, signal, processed: worker.processed, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
      if (json) jsonLine(stopped);
      else printText(`worker ${worker.name} stopped after ${worker.processed} steps`);
    });
};
