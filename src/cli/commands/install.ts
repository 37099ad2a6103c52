/**
 * `nova install <target>`: runs the built-in workflow install-repository (plan → execute with
 * troubleshooting) on the local durable engine, shows live progress on stderr, prints the report
 * (or the JSON contract), optionally exports what worked, and exits 0 success / 1 the repository
 * failed to install or test / 2 bad usage or input.
 */
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { NovaError } from '../../errors.js';
import { SandboxKind } from '../../config.js';
import { Plan } from '../../protocol/plan.js';
import { InstallResult } from '../../protocol/run.js';
import { startRuntime } from '../../agents/bootstrap.js';
import { LocalWorkflowExecutor } from '../../workflow/local-executor.js';
import { runtimeInvoker } from '../../workflow/invoker.js';
import { loadDefinitionFile } from '../../workflow/definition.js';
import { Progress } from '../progress.js';
import { parseByteSize, type InstallLimits } from '../../install/limits.js';
import { printJson, printText, log } from '../output.js';
import { renderReport } from '../../install/report.js';
import { finishRun } from '../../store/runs.js';
import { stopAllInstalls } from '../../install/install.js';
import { exportDockerfile, exportSetupScript, type WorkedStep } from '../../install/export.js';
import { ulid } from 'ulid';
import { isGitUrl, resolveTarget } from '../../repo/target.js';
import { z } from 'zod';

/** The built-in definition only: a repository's own ./workflows folder must not replace it. */
const BUILTIN_WORKFLOWS = fileURLToPath(new URL('../../../workflows/', import.meta.url));

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 24 * 3600) throw new InvalidArgumentError('must be a number of seconds between 1 and 86400');
  return Math.round(n * 1000);
}

function fixCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 10) throw new InvalidArgumentError('must be a whole number from 0 to 10');
  return n;
}

function byteSize(flag: string) {
  return (v: string): number => {
    try {
      return parseByteSize(v, flag);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  };
}

function processCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 8 || n > 1_000_000) throw new InvalidArgumentError('must be a whole number from 8 to 1000000');
  return n;
}

function sandboxKind(v: string): z.infer<typeof SandboxKind> {
  const r = SandboxKind.safeParse(v);
  if (!r.success) throw new InvalidArgumentError(`must be one of ${SandboxKind.options.join(', ')}`);
  return r.data;
}

export function exportFormat(file: string): 'script' | 'dockerfile' {
  const name = basename(file);
  if (/^Dockerfile(\..+)?$/i.test(name) || name.endsWith('.Dockerfile') || name.endsWith('.dockerfile')) return 'dockerfile';
  if (name.endsWith('.sh')) return 'script';
  throw new NovaError('BAD_INPUT', `--export ${file}: cannot tell the format from the name`, { hint: 'Use a name ending in .sh (a bash script) or named Dockerfile.' });
}

const WorkflowOutput = z.object({
  plan: Plan,
  execute: z.object({ result: InstallResult, succeeded: z.array(z.object({ step: z.unknown(), command: z.string() })) }),
});

export const installCommand: CommandModule = (program, ctx) => {
  program
    .command('install <target>')
    .description('plan, then install, build and test a repository (folder or git URL) in a sandbox, troubleshooting failures')
    .option('--sandbox <kind>', 'bwrap (default on Linux) | docker | none (no isolation: only if you trust the repository)', sandboxKind)
    .option('--allow-system', 'run system-package steps (apt-get …); otherwise they are listed, not run')
    .option('--step-timeout <seconds>', 'time limit of each step', seconds)
    .option('--memory <size>', 'memory limit of each step, e.g. 2g (default 8g)', byteSize('--memory'))
    .option('--max-processes <n>', 'process-count limit of each step (default 4096)', processCount)
    .option('--max-file-size <size>', 'largest file a step may write (default 4g)', byteSize('--max-file-size'))
    .option('--max-disk <size>', 'most the run\'s workspace, home and temp may hold (default 20g)', byteSize('--max-disk'))
    .option('--max-fixes <n>', 'fix attempts per failed step (default 2)', fixCount)
    .option('--no-test', 'stop after install and build')
    .option('--keep-workspace', 'keep the run\'s workspace copy after a successful run (failed runs keep it anyway)')
    .option('--export <file...>', 'write what worked as a script (*.sh) or a Dockerfile')
    .option('--verbose', 'stream every command\'s output to stderr')
    .option('--json', 'print the result as JSON (the install contract)')
    .action(async (target: string, opts: { sandbox?: z.infer<typeof SandboxKind>; allowSystem?: boolean; stepTimeout?: number; memory?: number; maxProcesses?: number; maxFileSize?: number; maxDisk?: number; maxFixes?: number; test: boolean; keepWorkspace?: boolean; export?: string[]; verbose?: boolean }, cmd) => {
      const json = wantsJson(cmd);
      for (const f of opts.export ?? []) exportFormat(f); // refuse a bad name before any work
      // A missing folder, a file or an option-like target is refused before a run is recorded.
      if (!isGitUrl(target)) await resolveTarget(target, ctx.config);
      const config = ctx.config;
      const store = await ctx.store();
      const progress = new Progress(0, !!opts.verbose);
      const handle = await startRuntime(config, store, { onInstallEvent: progress.handle, log: (l) => log(l) });
      ctx.onClose(() => handle.close());
      const executor = new LocalWorkflowExecutor({ store, invoker: runtimeInvoker(handle.runtime, { tenant: config.tenant }), log: config.debug ? (l) => log(l) : undefined });
      ctx.onClose(() => executor.close());
      const { definition } = loadDefinitionFile('install-repository', [BUILTIN_WORKFLOWS]);
      const installRunId = ulid();
      const input: Record<string, unknown> = { target, installRunId };
      if (opts.sandbox) input.sandbox = opts.sandbox;
      if (opts.allowSystem) input.allowSystem = true;
      if (opts.stepTimeout) input.stepTimeoutMs = opts.stepTimeout;
      const limits: InstallLimits = { memoryBytes: opts.memory, maxProcesses: opts.maxProcesses, maxFileBytes: opts.maxFileSize, maxDiskBytes: opts.maxDisk };
      if (Object.values(limits).some((v) => v !== undefined)) input.limits = JSON.parse(JSON.stringify(limits)) as InstallLimits;
      if (opts.maxFixes !== undefined) input.maxFixAttempts = opts.maxFixes;
      if (!opts.test) input.stages = ['system', 'install', 'build'];
      if (opts.keepWorkspace) input.keepWorkspace = true;
      if (!json) log(`planning ${target} …`);
      // Ctrl-C / kill: the sandbox dies with us (--die-with-parent); close the run record so it
      // does not stay "running" forever, and say so.
      const onSignal = (sig: NodeJS.Signals) => {
        progress.stop();
        log(`interrupted (${sig}): stopping install run ${installRunId} …`);
        const code = sig === 'SIGINT' ? 130 : 143;
        // A second Ctrl-C while cleaning up: leave at once.
        process.once(sig, () => process.exit(code));
        void stopAllInstalls()
          .then(() => finishRun(store, installRunId, 'error', { interrupted: sig }))
          .catch(() => {})
          .finally(() => {
            log(`interrupted (${sig}): install run ${installRunId} stopped`);
            process.exit(code);
          });
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      ctx.onClose(async () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      });
      const runId = await executor.start(definition, input, { tenant: config.tenant });
      const outcome = await executor.wait(runId);
      progress.stop();
      if (outcome.status !== 'succeeded') {
        const err = outcome.error;
        // The plan or the sandbox refused the input (missing folder, nothing to plan, no sandbox): bad input.
        const badInput = err && ['BAD_INPUT', 'NOT_FOUND', 'NOTHING_TO_PLAN', 'VALIDATION', 'UNAVAILABLE', 'CLONE_FAILED'].includes(err.code);
        throw new NovaError(err?.code ?? 'INTERNAL', err?.message ?? `the install workflow ended ${outcome.status}`, { hint: err?.hint, exitCode: badInput ? 2 : 1 });
      }
      const out = WorkflowOutput.parse(outcome.output);
      const result = out.execute.result;
      for (const f of opts.export ?? []) {
        const worked = out.execute.succeeded.map((s) => ({ step: s.step, command: s.command })) as WorkedStep[];
        const text = exportFormat(f) === 'dockerfile'
          ? exportDockerfile(target, result.runId, out.plan.ecosystems, worked)
          : exportSetupScript(target, result.runId, worked);
        writeFileSync(resolve(f), text, { mode: exportFormat(f) === 'script' ? 0o755 : 0o644 });
        // A failed run still exports what worked (a start to finish by hand), but says so.
        if (!json) log(`wrote ${f} (${worked.length} steps)${result.status === 'success' ? '' : ` — only the steps that worked: the run ended ${result.status}`}`);
      }
      if (json) printJson(result);
      else printText(renderReport(result, out.plan));
      process.exitCode = result.status === 'success' ? 0 : 1;
    });
};
