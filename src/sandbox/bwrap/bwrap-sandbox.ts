/**
 * Bubblewrap backend. Each command gets fresh PID/IPC/UTS/cgroup (and, unless the step needs it,
 * network) namespaces; the host is read-only and only the run's folders are writable.
 *
 * Limits: as root the command runs as a per-sandbox unprivileged uid (so RLIMIT_NPROC binds, and
 * nothing on the host is writable by ownership either); memory and process count go through a
 * per-command cgroup when the machine allows one, else a /proc memory watch and RLIMIT_NPROC
 * inside a user namespace; file size and CPU time through rlimits; disk through a watched budget.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, lchownSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomInt } from 'node:crypto';
import { NovaError } from '../../errors.js';
import type { ExecRequest, ExecResult, Sandbox } from '../sandbox.js';
import { createCommandCgroup, type CommandCgroup } from '../cgroup.js';
import { resolveCwd } from '../paths.js';
import { checkRequest } from '../request.js';
import { runProcess } from '../run-process.js';
import { buildBwrapArgs } from './bwrap-args.js';
import { attachSlirp, findSlirp } from './slirp.js';
import { sandboxEnv } from '../env.js';

export interface BwrapSandboxOptions {
  workspace: string;
  home: string;
  /** Host folder for TMPDIR (disk-backed, counted in the disk budget); /tmp itself is a tmpfs. */
  tmp?: string;
  /** Absolute path of bwrap (found by the factory). */
  bwrapPath: string;
  /** Size of the private /tmp tmpfs (default 512 MiB). */
  tmpfsBytes?: number;
  /** Output kept per command (default 1 MiB). */
  outputCap?: number;
  /** Extra host folders to hide from commands (real homes are always hidden). */
  hide?: string[];
  /** Use per-command cgroups when the machine allows (default true); false tests the fallbacks. */
  useCgroups?: boolean;
  /** slirp4netns for steps with network (default: found on PATH); false shares the host's network. */
  slirpPath?: string | false;
  /** Host variables passed through (proxy, CA bundle, registry mirror: Config.sandboxPassEnv). */
  passEnv?: Record<string, string>;
}

/**
 * Control sockets that would hand a command the host (a docker-group user can start a root
 * container through docker.sock even from inside a user namespace): replaced by /dev/null.
 */
const MASKED_SOCKETS = ['/run/docker.sock', '/var/run/docker.sock', '/run/containerd/containerd.sock', '/run/podman/podman.sock', '/run/dbus/system_bus_socket', '/run/systemd/private'];
/**
 * /run holds the local services' unix sockets (PostgreSQL and MySQL with local trust, the session
 * bus, podman…), reachable even without network: hidden, except the DNS configuration.
 */
const HIDDEN_RUNTIME = ['/run', '/var/run'];

function existingReal(paths: string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    try {
      out.add(realpathSync(p));
    } catch {
      // Not on this machine.
    }
  }
  return [...out];
}

const STANDARD_BWRAP_LOCATIONS = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];

/** Where bwrap is installed, if it is. */
export function findBwrap(extraDirs: string[] = []): string | undefined {
  for (const p of [...extraDirs.map((d) => join(d, 'bwrap')), ...STANDARD_BWRAP_LOCATIONS]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

function chownTree(root: string, uid: number): void {
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.uid !== uid || st.gid !== uid) {
      // lchown: a symlink in the repository must never redirect the chown to a host file.
      if (st.isSymbolicLink()) lchownSync(p, uid, uid);
      else chownSync(p, uid, uid);
    }
    if (st.isDirectory()) for (const n of readdirSync(p)) stack.push(join(p, n));
  }
}

function realDir(p: string, what: string): string {
  try {
    return realpathSync(p);
  } catch {
    throw new NovaError('NOT_FOUND', `the sandbox ${what} folder ${p} does not exist`, { hint: 'Prepare the run with prepareWorkspace() before creating the sandbox.' });
  }
}

let sandboxCounter = 0;

export class BwrapSandbox implements Sandbox {
  readonly kind = 'bwrap' as const;
  readonly workspace: string;
  readonly inside: { workspace: string; home: string; tmp: string };
  /**
   * How steps with network are connected: `slirp4netns` (own namespace, NAT, host loopback
   * unreachable) or `host` (the host's network namespace, loopback services included).
   */
  readonly networkIsolation: 'slirp4netns' | 'host';
  private readonly slirpPath?: string;
  private readonly resolvConf?: string;
  /** The unprivileged uid commands run as when NovaSystem runs as root. */
  readonly sandboxUid?: number;
  private readonly home: string;
  private readonly tmp?: string;
  private readonly hide: string[];
  private readonly maskFiles = existingReal(MASKED_SOCKETS).filter((f) => !f.startsWith('/run/'));
  /** resolv.conf is often a link into /run (systemd-resolved): keep it readable. */
  private readonly keep = existingReal(['/etc/resolv.conf', '/etc/hosts']).filter((f) => f.startsWith('/run/'));
  /** undefined: not made yet; null: this machine allows none. */
  private cgroup?: CommandCgroup | null;

  constructor(private readonly opts: BwrapSandboxOptions) {
    this.workspace = realDir(opts.workspace, 'workspace');
    this.home = realDir(opts.home, 'home');
    this.tmp = opts.tmp ? realDir(opts.tmp, 'temp') : undefined;
    this.inside = { workspace: this.workspace, home: this.home, tmp: this.tmp ?? '/tmp' };
    this.slirpPath = opts.slirpPath === false ? undefined : (opts.slirpPath ?? findSlirp());
    this.resolvConf = existingReal(['/etc/resolv.conf'])[0];
    this.networkIsolation = this.slirpPath && this.resolvConf ? 'slirp4netns' : 'host';
    const hide = new Set(existingReal(['/root', homedir(), ...HIDDEN_RUNTIME, ...(opts.hide ?? [])]));
    // Never hide what must stay reachable: the node running the tools, or bwrap itself.
    for (const keep of [process.execPath, opts.bwrapPath]) for (const h of [...hide]) if (keep.startsWith(h + '/')) hide.delete(h);
    this.hide = [...hide];
    if (process.getuid?.() === 0) {
      // A uid no host file belongs to, different per sandbox, so per-uid process limits are per run.
      this.sandboxUid = 200_000 + randomInt(0, 800_000);
      for (const d of [this.workspace, this.home, this.tmp]) if (d) chownTree(d, this.sandboxUid);
    }
  }

  async exec(req: ExecRequest): Promise<ExecResult> {
    checkRequest(req);
    const cwd = resolveCwd(this.workspace, req.cwd);
    const l = req.limits;
    const cgroup = this.commandCgroup(l.memoryBytes !== undefined || l.maxProcesses !== undefined);
    cgroup?.update({ memoryBytes: l.memoryBytes, maxProcesses: l.maxProcesses });
    const useSlirp = !!req.network && this.networkIsolation === 'slirp4netns';
    const env = sandboxEnv({ home: this.home, tmp: this.tmp ?? '/tmp', extra: req.env, pathPrepend: req.pathPrepend, pass: this.opts.passEnv });
    const args = buildBwrapArgs({
      writable: [this.workspace, this.home, ...(this.tmp ? [this.tmp] : [])],
      hide: this.hide,
      maskFiles: this.maskFiles,
      keepReadOnly: this.keep,
      cwd: cwd.host,
      network: !!req.network,
      slirp: useSlirp ? { resolvConfPath: this.resolvConf! } : undefined,
      env,
      tmpfsBytes: this.opts.tmpfsBytes ?? 512 * 1024 * 1024,
      dropToUid: this.sandboxUid,
      rlimits: {
        nproc: l.maxProcesses,
        fsize: l.maxFileBytes,
        cpu: l.cpuSeconds,
        // Generous: V8 and WebAssembly reserve far more address space than they use, so the real
        // memory bound is the cgroup (or the /proc watch); this only stops runaway mappings.
        as: l.memoryBytes !== undefined ? l.memoryBytes + 16 * 1024 ** 3 : undefined,
      },
      command: req.command,
    });
    // Join the cgroup before bwrap starts, so every process of the command is born inside it.
    const file = cgroup ? '/bin/sh' : this.opts.bwrapPath;
    const argv = cgroup
      ? ['-c', 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"', 'nova-cgroup-join', ...cgroup.procsFiles, '--', this.opts.bwrapPath, ...args]
      : args;
    return runProcess({
        file,
        args: argv,
        env: { PATH: env.PATH },
        cwd: dirname(this.workspace),
        limits: l,
        onOutput: req.onOutput,
        signal: req.signal,
        cgroup,
        watchMemory: l.memoryBytes !== undefined && !cgroup?.controls.memory,
        diskPaths: [this.workspace, this.home, ...(this.tmp ? [this.tmp] : [])],
        outputCap: this.opts.outputCap,
        pidNamespace: true,
        ...(useSlirp
          ? {
              extraPipes: 3,
              onSpawn: (child: ChildProcess, note: (m: string) => void) => attachSlirp(child, this.slirpPath!, this.sandboxUid === undefined, note),
            }
          : {}),
      });
  }

  async syncOwnership(): Promise<void> {
    if (this.sandboxUid === undefined) return;
    for (const d of [this.workspace, this.home, this.tmp]) if (d) chownTree(d, this.sandboxUid);
  }

  /** One cgroup per sandbox, made on the first command that has memory or process limits. */
  private commandCgroup(needed: boolean): CommandCgroup | undefined {
    if (this.opts.useCgroups === false) return undefined;
    if (this.cgroup === undefined && needed) this.cgroup = createCommandCgroup(`nova-${process.pid}-${++sandboxCounter}`) ?? null;
    return this.cgroup ?? undefined;
  }

  async dispose(): Promise<void> {
    // Namespaces die with each command; the cgroup lives as long as the sandbox.
    const cg = this.cgroup;
    this.cgroup = undefined;
    await cg?.destroy();
  }
}

/** Whether bwrap can actually create a sandbox here (it may be installed but blocked). */
export function checkBwrapWorks(bwrapPath: string): { ok: boolean; version?: string; reason?: string } {
  const v = spawnSync(bwrapPath, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const version = v.stdout?.trim().replace(/^bubblewrap\s*/, '');
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(
    bwrapPath,
    ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--unshare-net', '--die-with-parent', ...(asRoot ? [] : ['--unshare-user']), '--', 'true'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (r.status === 0) return { ok: true, version };
  const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim();
  return {
    ok: false,
    version,
    reason: `bwrap is installed but cannot create a sandbox here: ${why}. Unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1, or the AppArmor restriction on Ubuntu 24.04+), or the machine is a container without namespace rights.`,
  };
}
