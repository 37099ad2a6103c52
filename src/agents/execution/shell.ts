/**
 * One shell command in the sandbox, for workflows (`util.shell`, `exec.shell`): the working
 * folder must be inside an allowed folder and becomes the sandbox's only writable place; the
 * command is validated first (a blocked command never runs); network is off unless asked for.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allowedRoots, inside } from '../utility/append-line.js';
import { tmpdir } from 'node:os';
import type { SandboxKind } from '../../config.js';
import { NovaError } from '../../errors.js';
import { createSandbox } from '../../sandbox/factory.js';
import { initValidator, validateCommand } from '../command-validation/index.js';
import { baseStepEnv } from './step-env.js';

export interface ShellRequest {
  command: string;
  /** Folder the command runs in (and may write to); must be inside one of allowedDirs. */
  cwd: string;
  allowedDirs: string[];
  network?: boolean;
  timeoutMs?: number;
  sandbox?: SandboxKind;
  signal?: AbortSignal;
}

export interface ShellResult {
  exitCode: number | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
  verdict: 'allow' | 'warn';
  reasons: string[];
}

const MAX_TIMEOUT_MS = 3_600_000;

export async function runShell(req: ShellRequest): Promise<ShellResult> {
  if (typeof req.command !== 'string' || !req.command.trim()) throw new NovaError('BAD_INPUT', 'a shell step needs input.command (a non-empty string)', { hint: 'Example: { "command": "ls -la", "cwd": "/home/me/.novasystem/files" }' });
  if (typeof req.cwd !== 'string' || !req.cwd) throw new NovaError('BAD_INPUT', 'a shell step needs input.cwd, the folder to run in', { hint: 'Use a folder inside $NOVA_HOME/files (or one allowed with --allow-dir).' });
  const timeoutMs = req.timeoutMs ?? 60_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) throw new NovaError('BAD_INPUT', `timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  // Judge the command first: a blocked command is refused whatever folder it names.
  await initValidator();
  const v = validateCommand(req.command, { workspace: resolve(req.cwd) });
  if (v.verdict === 'block') {
    throw new NovaError('PERMISSION_DENIED', `the command was blocked and not run: ${v.reasons.join('; ')}`, { hint: 'Command validation blocks destructive commands, writes outside the folder and downloaded scripts piped into a shell.' });
  }
  let cwd: string;
  try {
    cwd = realpathSync(resolve(req.cwd));
  } catch {
    throw new NovaError('NOT_FOUND', `the folder ${req.cwd} does not exist`, { hint: 'Create it first (inside an allowed folder).' });
  }
  const roots = allowedRoots(req.allowedDirs);
  if (!roots.some((r) => inside(r, cwd))) {
    throw new NovaError('PERMISSION_DENIED', `refusing to run a command in ${cwd}: it is outside the allowed folders (${roots.join(', ') || 'none'})`, { hint: 'Run inside $NOVA_HOME/files, or allow the folder with: nova workflow run --allow-dir <folder>.' });
  }
  // The sandbox's own home and temp live outside the folder, and go away afterwards.
  const scratch = mkdtempSync(join(tmpdir(), 'nova-shell-'));
  mkdirSync(join(scratch, 'home'));
  mkdirSync(join(scratch, 'tmp'));
  const sandbox = await createSandbox(req.sandbox, { workspace: cwd, home: join(scratch, 'home'), tmp: join(scratch, 'tmp') });
  try {
    const r = await sandbox.exec({ command: req.command, env: baseStepEnv(), network: !!req.network, limits: { timeoutMs, memoryBytes: 4 * 1024 ** 3, maxProcesses: 1024, maxFileBytes: 1024 ** 3 }, signal: req.signal });
    return { exitCode: r.exitCode, output: r.output, truncated: r.truncated, timedOut: r.timedOut, durationMs: r.durationMs, verdict: v.verdict, reasons: v.reasons };
  } finally {
    await sandbox.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}
