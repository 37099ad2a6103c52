/**
 * No isolation: commands run directly with `bash -c` in the workspace. Only used when the user
 * asks for it (`--sandbox none`); the factory warns. Timeout, output cap, memory/process watches
 * and the disk budget still apply, and rlimits where the host allows them.
 */
import { NovaError } from '../../errors.js';
import type { ExecRequest, ExecResult, Sandbox } from '../sandbox.js';
import { resolveCwd } from '../paths.js';
import { checkRequest } from '../request.js';
import { runProcess } from '../run-process.js';
import { sandboxEnv } from '../env.js';
import { prlimitArgs } from '../bwrap/bwrap-args.js';
import { realpathSync } from 'node:fs';

export interface NoneSandboxOptions {
  workspace: string;
  home: string;
  tmp?: string;
  outputCap?: number;
  passEnv?: Record<string, string>;
}

export class NoneSandbox implements Sandbox {
  readonly kind = 'none' as const;
  readonly workspace: string;
  readonly inside: { workspace: string; home: string; tmp: string };

  constructor(private readonly opts: NoneSandboxOptions) {
    try {
      this.workspace = realpathSync(opts.workspace);
    } catch {
      throw new NovaError('NOT_FOUND', `the workspace folder ${opts.workspace} does not exist`, { hint: 'Prepare the run with prepareWorkspace() first.' });
    }
    this.inside = { workspace: this.workspace, home: opts.home, tmp: opts.tmp ?? '/tmp' };
  }

  async exec(req: ExecRequest): Promise<ExecResult> {
    checkRequest(req);
    const cwd = resolveCwd(this.workspace, req.cwd);
    const env = sandboxEnv({ home: this.opts.home, tmp: this.opts.tmp ?? '/tmp', extra: req.env, pathPrepend: req.pathPrepend, pass: this.opts.passEnv });
    const l = req.limits;
    const rl = prlimitArgs({ fsize: l.maxFileBytes, cpu: l.cpuSeconds });
    return runProcess({
      file: rl[0],
      args: [...rl.slice(1), 'bash', '-c', req.command],
      env,
      cwd: cwd.host,
      limits: l,
      onOutput: req.onOutput,
      signal: req.signal,
      watchMemory: l.memoryBytes !== undefined,
      watchProcesses: l.maxProcesses !== undefined,
      diskPaths: [this.workspace, this.opts.home, ...(this.opts.tmp ? [this.opts.tmp] : [])],
      outputCap: this.opts.outputCap,
      killGroup: true,
    });
  }

  async dispose(): Promise<void> {}
}
