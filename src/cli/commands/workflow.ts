/**
 * `nova workflow validate|run|status|resume|list|cancel`: JSON workflow definitions run by the
 * durable engine (local in this process, or on BullMQ workers when NOVA_REDIS_URL is set).
 * Exit codes: 0 the run succeeded (or the command did its job), 1 the run failed or was cancelled,
 * 2 bad usage or an invalid definition/input.
 */
import { statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { ulid } from 'ulid';
import type { CliContext, CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { log, printJson, printText } from '../output.js';
import { NovaError, ValidationError } from '../../errors.js';
import { RunStatus as WorkflowRunStatus } from '../../protocol/workflow.js';
import type { WorkflowEvent } from '../../protocol/workflow.js';
import { builtinAgents } from '../../agents/builtin.js';
import { startRuntime } from '../../agents/bootstrap.js';
import { UTILITY_AGENT_ID, UtilityAgent } from '../../agents/utility/utility-agent.js';
import { loadDefinitionFile, readDefinitionJson } from '../../workflow/definition.js';
import { checkDefinition, type CapabilityCatalog, type Issue } from '../../workflow/validate.js';
import { parseInputPairs } from '../../workflow/run-input.js';
import { busEventPublisher, describeEvent } from '../../workflow/events.js';
import { runtimeInvoker } from '../../workflow/invoker.js';
import { WorkflowStore } from '../../workflow/persistence.js';
import type { RunOutcome, StepInvoker } from '../../workflow/executor.js';
import type { AgentRegistration } from '../../protocol/agent.js';
import { parseJsonText } from '../../protocol/validate.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** --allow-dir: an existing folder (a typo would otherwise only surface when a step is refused). */
const collectDir = (v: string, prev: string[]) => {
  let isDir = false;
  try { isDir = statSync(v).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new InvalidArgumentError(`${v} is not an existing folder`);
  return [...prev, v];
};

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return n;
}

function catalogOf(registrations: AgentRegistration[]): CapabilityCatalog {
  return { agents: registrations.map((r) => ({ agentId: r.agent_id, capabilities: r.capabilities })) };
}

/** Built-in agents, plus agents registered in the store (e.g. by workers), as a validation catalog. */
async function knownCatalog(ctx: CliContext): Promise<CapabilityCatalog> {
  const regs = builtinAgents(ctx.config).map((a) => a.registration());
  const store = await ctx.store();
  const stored = await store.db.selectFrom('agents').select(['registration']).execute();
  for (const row of stored) {
    try {
      const r = JSON.parse(row.registration) as AgentRegistration;
      if (!regs.some((x) => x.agent_id === r.agent_id)) regs.push(r);
    } catch { /* a corrupt row is not a reason to refuse validation */ }
  }
  return catalogOf(regs);
}

function renderIssues(file: string, issues: Issue[]): string {
  return [`${file} is invalid:`, ...issues.map((i) => `  at ${i.path}: ${i.message}`)].join('\n');
}

/** Agents, executor and event output for commands that drive runs; closed with the CLI context. */
async function engine(ctx: CliContext, cmd: Command, opts: { allowDir?: string[]; quiet?: boolean } = {}) {
  const store = await ctx.store();
  const json = wantsJson(cmd);
  const handle = await startRuntime(ctx.config, store, { log: (l) => log(l) });
  ctx.onClose(() => handle.close());
  const utility = handle.runtime.registry.get(UTILITY_AGENT_ID)?.agent;
  for (const d of opts.allowDir ?? []) if (utility instanceof UtilityAgent) utility.allowDir(d);
  const publish = busEventPublisher(handle.runtime.bus, (l) => log(l));
  const onEvent = (e: WorkflowEvent) => {
    publish(e);
    if (!json && !opts.quiet) log(describeEvent(e));
  };
  const { selectExecutor } = await import('../../workflow/bullmq/select-executor.js'); // BullMQ only when configured
  const selected = await selectExecutor(ctx.config, { store, invoker: runtimeInvoker(handle.runtime, { tenant: ctx.config.tenant }), onEvent, log: (l) => log(l) });
  ctx.onClose(() => selected.close());
  return { executor: selected.executor, kind: selected.kind, registrations: handle.runtime.registry.list().map((e) => e.registration) };
}

function report(cmd: Command, outcomes: RunOutcome[]): void {
  if (wantsJson(cmd)) printJson(outcomes.length === 1 ? outcomes[0] : { runs: outcomes });
  else for (const o of outcomes) {
    printText(`run ${o.runId}: ${o.status}${o.error ? ` — ${o.error.code}: ${o.error.message}` : ''}`);
    if (o.status === 'succeeded' && o.output !== null && o.output !== undefined) printText(JSON.stringify(o.output, null, 2));
  }
  if (outcomes.some((o) => o.status !== 'succeeded')) process.exitCode = 1;
}

export const workflowCommand: CommandModule = (program, ctx) => {
  const wf = program.command('workflow').description('run JSON workflow definitions on the durable engine');

  wf.command('validate <file>')
    .description('check a workflow definition: schema, step references, reachability, cycles, capabilities, input types')
    .option('--no-capabilities', 'skip the checks against known agents and capabilities')
    .option('--json', 'JSON output')
    .action(async (file: string, opts: { capabilities: boolean }, cmd) => {
      // Schema problems come back as issues with paths (not thrown), like the semantic ones.
      const raw = readDefinitionJson(file);
      const catalog = opts.capabilities ? await knownCatalog(ctx) : undefined;
      const { definition, issues } = checkDefinition(raw.raw, catalog);
      if (wantsJson(cmd)) printJson({ file: raw.file, valid: issues.length === 0, name: definition?.name ?? null, steps: definition?.steps.length ?? null, issues });
      else if (issues.length) printText(renderIssues(raw.file, issues));
      else printText(`${raw.file}: valid (workflow "${definition!.name}", ${definition!.steps.length} steps)`);
      if (issues.length) process.exitCode = 2;
    });

  wf.command('run <fileOrName>')
    .description('start a run and drive it to the end (a file path, or a name from ./workflows or the bundled ones)')
    .option('-i, --input <key=value>', 'run input (repeatable; typed by the declared inputs)', collect, [])
    .option('--input-json <json>', 'the whole run input as a JSON object')
    .option('--allow-dir <folder>', 'let util.append-line write in this folder (repeatable)', collectDir, [])
    .option('--run-id <id>', 'use this run id')
    .option('--quiet', 'no progress lines on stderr')
    .option('--json', 'JSON output')
    .action(async (fileOrName: string, opts: { input: string[]; inputJson?: string; allowDir: string[]; runId?: string; quiet?: boolean }, cmd) => {
      const { definition, file } = loadDefinitionFile(fileOrName);
      // Spread (not Object.assign): a "__proto__" key stays a key, refused below as an unknown input.
      const input: Record<string, unknown> = { ...(opts.inputJson ? objectInput(opts.inputJson) : {}), ...parseInputPairs(definition, opts.input) };
      const e = await engine(ctx, cmd, { allowDir: opts.allowDir, quiet: opts.quiet });
      const { issues } = checkDefinition(definition, catalogOf(e.registrations));
      if (issues.length) throw new ValidationError(`workflow file ${file}`, issues, 'Check it with: nova workflow validate <file>');
      const id = opts.runId ?? ulid();
      if (!wantsJson(cmd)) log(`workflow ${definition.name}: run ${id} (${e.kind} executor)`);
      const runId = await e.executor.start(definition, input, { runId: id, tenant: ctx.config.tenant });
      report(cmd, [await e.executor.wait(runId)]);
    });

  wf.command('resume [runId]')
    .description('finish an unfinished run after a crash (or every one with --all)')
    .option('--all', 'resume every unfinished run whose driver is gone')
    .option('--force', 'take the run over even if its lease has not expired')
    .option('--allow-dir <folder>', 'let util.append-line write in this folder (repeatable)', collectDir, [])
    .option('--quiet', 'no progress lines on stderr')
    .option('--json', 'JSON output')
    .action(async (runId: string | undefined, opts: { all?: boolean; force?: boolean; allowDir: string[]; quiet?: boolean }, cmd) => {
      if (!runId && !opts.all) throw new NovaError('BAD_INPUT', 'give a run id or --all', { hint: 'List unfinished runs with: nova workflow list --status running' });
      if (runId && opts.all) throw new NovaError('BAD_INPUT', 'give either a run id or --all, not both', { hint: 'nova workflow resume <runId> | nova workflow resume --all' });
      const e = await engine(ctx, cmd, { allowDir: opts.allowDir, quiet: opts.quiet });
      const ids = opts.all ? await e.executor.resumeAll() : [runId!];
      if (!opts.all) await e.executor.resume(runId!, { force: opts.force });
      if (opts.all && ids.length === 0) {
        if (wantsJson(cmd)) printJson({ runs: [] });
        else printText('No unfinished runs to resume.');
        return;
      }
      const outcomes: RunOutcome[] = [];
      for (const id of ids) outcomes.push(await e.executor.wait(id));
      report(cmd, outcomes);
    });

  wf.command('status <runId>')
    .description('show a run: status, every step instance with its attempts and errors')
    .option('--events', 'also print the event log')
    .option('--json', 'JSON output')
    .action(async (runId: string, opts: { events?: boolean }, cmd) => {
      const store = new WorkflowStore(await ctx.store());
      const { run, steps, threads } = await store.load(runId);
      const events = opts.events ? (await store.events(runId, { limit: 100_000 })).map((x) => x.event) : undefined;
      const { definition: _d, ...runView } = run;
      // Steps entered in one transition share a start time; the order they finished in breaks the tie.
      const orderedSteps = [...steps].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || (a.doneSeq ?? Infinity) - (b.doneSeq ?? Infinity) || (a.stepKey < b.stepKey ? -1 : 1));
      if (wantsJson(cmd)) return printJson({ run: runView, steps: orderedSteps, threads, ...(events ? { events } : {}) });
      const lines = [
        `run ${run.runId} · workflow ${run.workflow} · ${run.status}${run.owner ? ` · driven by ${run.owner}` : ''}`,
        `started ${run.createdAt}${run.finishedAt ? ` · finished ${run.finishedAt}` : ''}`,
      ];
      if (run.error) lines.push(`error: ${run.error.code}: ${run.error.message}${run.error.hint ? `\nhint: ${run.error.hint}` : ''}`);
      lines.push('', 'steps:');
      for (const s of orderedSteps) {
        lines.push(`  ${s.status.padEnd(12)} ${s.stepKey}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}${s.error ? ` — ${s.error.code}: ${s.error.message}` : ''}`);
      }
      if (events) lines.push('', 'events:', ...events.map((e) => `  ${e.at} ${describeEvent(e)}`));
      printText(lines.join('\n'));
    });

  wf.command('list')
    .description('recent workflow runs, newest first')
    .option('--status <status>', `only runs with this status (${WorkflowRunStatus.options.join(', ')})`)
    .option('--limit <n>', 'how many', positiveInt, 20)
    .option('--json', 'JSON output')
    .action(async (opts: { status?: string; limit: number }, cmd) => {
      const status = opts.status === undefined ? undefined : WorkflowRunStatus.safeParse(opts.status);
      if (status && !status.success) throw new NovaError('BAD_INPUT', `--status ${opts.status} is not one of ${WorkflowRunStatus.options.join(', ')}`, { hint: 'Example: --status running' });
      const rows = await new WorkflowStore(await ctx.store()).listRuns({ status: status?.data, limit: opts.limit });
      if (wantsJson(cmd)) return printJson({ runs: rows });
      if (!rows.length) return printText('No workflow runs yet. Start one with: nova workflow run <file|name>');
      printText(rows.map((r) => `${r.runId}  ${r.status.padEnd(9)} ${r.createdAt.replace('T', ' ').slice(0, 19)}  ${r.workflow}${r.error ? `  (${r.error.code})` : ''}`).join('\n'));
    });

  wf.command('prune')
    .description('delete finished runs older than N days (steps, events, inputs); unfinished runs are kept')
    .requiredOption('--older-than <days>', 'age in days of the runs to delete', (v) => {
      const n = Number(v);
      // Bounded so that "now minus the age" stays a valid date (1e300 days is not one).
      if (!Number.isFinite(n) || n < 0 || n > 1_000_000) throw new InvalidArgumentError('must be a number of days from 0 to 1000000');
      return n;
    })
    .option('--json', 'JSON output')
    .action(async (opts: { olderThan: number }, cmd) => {
      const before = new Date(Date.now() - opts.olderThan * 86_400_000).toISOString();
      const deleted = await new WorkflowStore(await ctx.store()).prune(before);
      if (wantsJson(cmd)) return printJson({ deleted, finishedBefore: before });
      printText(`deleted ${deleted} finished workflow run${deleted === 1 ? '' : 's'} that ended before ${before}`);
    });

  wf.command('cancel <runId>')
    .description('cancel a run: in-flight steps are aborted, nothing further starts')
    .option('--reason <text>', 'recorded as the run error', 'cancelled by the user')
    .option('--json', 'JSON output')
    .action(async (runId: string, opts: { reason: string }, cmd) => {
      const store = await ctx.store();
      const noAgents: StepInvoker = () => Promise.reject(new NovaError('UNAVAILABLE', 'this command runs no steps', { hint: 'Use nova workflow resume to drive a run.' }));
      const { selectExecutor } = await import('../../workflow/bullmq/select-executor.js');
      const selected = await selectExecutor(ctx.config, { store, invoker: noAgents, log: (l) => log(l) });
      ctx.onClose(() => selected.close());
      await selected.executor.cancel(runId, opts.reason);
      const run = await new WorkflowStore(store).loadRun(runId);
      if (wantsJson(cmd)) return printJson({ runId, status: run?.status ?? null });
      printText(`run ${runId}: ${run?.status}`);
    });
};

function objectInput(text: string): Record<string, unknown> {
  const v = parseJsonText(text, '--input-json', 1024 * 1024);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NovaError('BAD_INPUT', '--input-json must be a JSON object', { hint: 'Example: --input-json \'{"file": "/tmp/x.txt"}\'' });
  return v as Record<string, unknown>;
}
