/**
 * `nova install`: plan the repository, execute the plan in a sandbox with troubleshooting, record
 * everything, and return the result in the contract shape (protocol/run.ts InstallResult).
 *
 * The phases are plain functions so the workflow engine (workflows/install-repository.json) can
 * run them as agent capabilities, and tests can call them directly.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ulid } from 'ulid';
import type { Config } from '../config.js';
import type { Plan } from '../protocol/plan.js';
import type { InstallResult } from '../protocol/run.js';
import type { SandboxKind } from '../config.js';
import type { Store } from '../store/store.js';
import { createRun, finishRun, recordDocuments } from '../store/runs.js';
import { executePlan, type PlanExecution } from '../agents/execution/execute-plan.js';
import { baseStepEnv, nodeStepEnv } from '../agents/execution/step-env.js';
import type { StepEvent } from '../agents/execution/run-step.js';
import { initValidator, validateCommand } from '../agents/command-validation/index.js';
import { createSandbox } from '../sandbox/factory.js';
import { prepareWorkspace } from '../sandbox/workspace.js';
import { provisionToolchain } from '../sandbox/toolchain.js';
import { basePath } from '../sandbox/env.js';
import { errorMessage, NovaError } from '../errors.js';
import { stepLimits, type InstallLimits } from './limits.js';
import { discardRunFolder } from './discard-run-folder.js';
import { boundedProvider, createLlmProvider } from '../llm/provider.js';

export interface InstallOptions {
  config: Config;
  store: Store;
  /** The plan to execute (from buildPlan). */
  plan: Plan;
  sandbox?: SandboxKind;
  allowSystem?: boolean;
  /** Per-step timeout. */
  stepTimeoutMs?: number;
  maxFixAttempts?: number;
  /** Memory, process, file-size, disk and CPU limits of each step (defaults in limits.ts). */
  limits?: InstallLimits;
  /** Stages to execute (default system, install, build, test). */
  stages?: ('system' | 'install' | 'build' | 'test')[];
  runId?: string;
  onEvent?: (e: StepEvent) => void;
  log?: (line: string) => void;
  /** Keep the run's workspace copy (default: only when the run did not succeed). */
  keepWorkspace?: boolean;
  /** Documents the plan used, recorded with the run. */
  documents?: { path: string; kind: string; sha256: string; bytes: number }[];
}

export interface InstallOutcome {
  result: InstallResult;
  execution?: PlanExecution;
  workspace?: string;
}

export const DEFAULT_STEP_TIMEOUT_MS = 15 * 60_000;
/** Failures the rules cannot explain that one run asks the LLM about (NOVA_LLM). */
export const MAX_LLM_CALLS_PER_RUN = 3;

/** Installs running in this process, so a Ctrl-C can stop their commands and clean up. */
const active = new Set<{ controller: AbortController; done: Promise<unknown> }>();

/**
 * Stop every install of this process: the running command is killed, no further step starts, and
 * each sandbox is disposed (its processes and control groups removed). Resolves when they have
 * ended, or after `timeoutMs`.
 */
export async function stopAllInstalls(timeoutMs = 8000): Promise<void> {
  const all = [...active];
  for (const a of all) a.controller.abort();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(all.map((a) => a.done)), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
}

export async function installFromPlan(o: InstallOptions): Promise<InstallOutcome> {
  const controller = new AbortController();
  const entry = { controller, done: Promise.resolve() as Promise<unknown> };
  const done = runInstall(o, controller.signal);
  entry.done = done.catch(() => {});
  active.add(entry);
  try {
    return await done;
  } finally {
    active.delete(entry);
  }
}

async function runInstall(o: InstallOptions, signal: AbortSignal): Promise<InstallOutcome> {
  const runId = o.runId ?? ulid();
  const started = Date.now();
  const plan = o.plan;
  if (!plan.root) throw new NovaError('BAD_INPUT', 'the plan has no repository root', { hint: 'Build the plan with `nova plan` from a folder or git URL.' });
  // Before the run is recorded: incomplete LLM settings are the user's to fix, not a failed run.
  const llm = createLlmProvider(o.config);
  await createRun(o.store, { runId, kind: 'install', target: plan.target, tenant: o.config.tenant });
  await recordDocuments(o.store, runId, o.documents ?? []);
  const warnings = [...plan.warnings];
  let sandboxKind: string | undefined;
  try {
    await initValidator();
    const runDir = join(o.config.home, 'runs', runId);
    mkdirSync(runDir, { recursive: true });
    let outcome: InstallOutcome | undefined;
    const ws = prepareWorkspace(plan.root, runDir);
    if (ws.skipped.length) warnings.push(`not copied into the sandbox (special files): ${ws.skipped.slice(0, 5).join(', ')}${ws.skipped.length > 5 ? ', …' : ''}`);
    // NOVA_HOME holds the store (every run's records and outputs) and other runs' workspaces: not
    // for the repository's commands to read, wherever it lives (only this run's folders show).
    const sandbox = await createSandbox(o.sandbox ?? o.config.sandbox, { workspace: ws.workspace, home: ws.home, tmp: ws.tmp, ecosystems: plan.ecosystems, warn: o.log, hide: [o.config.home] });
    sandboxKind = sandbox.kind;
    try {
      // Tool versions are kept between runs (keyed by the files the tools resolve to): probing
      // them starts a sandbox and `npm --version` on every run otherwise.
      const tool = await provisionToolchain({ sandbox, ecosystems: plan.ecosystems, probeCacheFile: join(o.config.home, 'cache', 'toolchain-probes.json') });
      warnings.push(...tool.notes);
      // `npm install -g` (CI and Dockerfiles use it for tools such as node-gyp) goes into the run's
      // home: the host's Node.js folder is read-only in the sandbox.
      const globalPrefix = sandbox.inside ? posix.join(sandbox.inside.home, '.npm-global') : undefined;
      const path = [...tool.pathPrepend, ...(globalPrefix ? [posix.join(globalPrefix, 'bin')] : [])];
      const nodeEnv = nodeStepEnv(tool.tools.find((t) => t.tool === 'node')?.found);
      const env = baseStepEnv({ ...nodeEnv, ...tool.env, ...(globalPrefix ? { npm_config_prefix: globalPrefix } : {}), ...(path.length ? { PATH: `${path.join(':')}:${basePath()}` } : {}) });
      const lockfiles = plan.ecosystems.flatMap((e) => e.lockfiles ?? []);
      o.onEvent?.({ type: 'begin', runId, total: plan.steps.length, sandbox: sandbox.kind });
      const execution = await executePlan(plan, {
        runId, store: o.store, sandbox, env,
        limits: stepLimits(o.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS, o.limits),
        allowSystem: !!o.allowSystem,
        allowNetwork: true,
        maxFixAttempts: o.maxFixAttempts ?? 2,
        vetFix: (command) => {
          const v = validateCommand(command, { workspace: ws.workspace, lockfiles });
          return v.verdict === 'block' ? `blocked by command validation (${v.reasons.join('; ')})` : undefined;
        },
        workspaceFiles: safeList(ws.workspace),
        onEvent: o.onEvent,
        stages: o.stages,
        signal,
        llm: llm ? boundedProvider(llm, MAX_LLM_CALLS_PER_RUN) : undefined,
        ecosystems: plan.ecosystems,
        onWarning: (m) => { warnings.push(m); o.log?.(m); },
      });
      const result: InstallResult = {
        runId, status: execution.status, steps: execution.steps, diagnosis: execution.diagnosis,
        target: plan.target, durationMs: Date.now() - started, sandbox: sandbox.kind, warnings,
      };
      // A successful run's copy is only disk space (its records are in the store); a failed one is
      // kept for a look inside, and the report says where.
      const keep = o.keepWorkspace ?? result.status !== 'success';
      if (keep) result.workspace = ws.workspace;
      await finishRun(o.store, runId, result.status, { result, plan: { ecosystems: plan.ecosystems, steps: plan.steps.length } , succeeded: execution.succeeded });
      outcome = { result, execution, workspace: keep ? ws.workspace : undefined };
      return outcome;
    } finally {
      await sandbox.dispose();
      // In the background: the user need not wait for tens of thousands of files to go.
      if (outcome && !outcome.workspace) discardRunFolder(o.config.home, runDir);
    }
  } catch (e) {
    // Bad input (no sandbox available, …) is the caller's to report; the run is still closed.
    const result: InstallResult = {
      runId, status: 'error', steps: [], diagnosis: [{ pattern: 'nova.error', category: 'configuration', explanation: errorMessage(e), fixes: [] }],
      target: plan.target, durationMs: Date.now() - started, sandbox: sandboxKind, warnings,
    };
    await finishRun(o.store, runId, 'error', { result }).catch(() => {});
    throw e;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
