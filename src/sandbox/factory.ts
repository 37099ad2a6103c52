/**
 * Chooses and builds the execution backend. With no explicit choice, bubblewrap is used on Linux
 * when it is installed and can actually create a sandbox; otherwise NovaSystem refuses rather
 * than run untrusted commands unprotected — `none` is only ever used when asked for by name.
 */
import { NovaError } from '../errors.js';
import type { Ecosystem } from '../protocol/plan.js';
import type { Sandbox, SandboxInfo } from './sandbox.js';
import { BwrapSandbox, checkBwrapWorks, findBwrap } from './bwrap/bwrap-sandbox.js';
import { findSlirp } from './bwrap/slirp.js';
// dockerode (with its gRPC and SSH stacks) is loaded only when Docker is asked for or probed.
const docker = () => import('./docker/docker-sandbox.js');
import { imageFor } from './docker/docker-images.js';
import { NoneSandbox } from './none/none-sandbox.js';
import { probeCgroups } from './cgroup.js';
import { loadConfig } from '../config.js';

export type SandboxKind = 'bwrap' | 'docker' | 'none';

export interface CreateSandboxOptions {
  workspace: string;
  home: string;
  tmp?: string;
  /** Docker image; by default chosen from `ecosystems`. */
  image?: string;
  ecosystems?: Pick<Ecosystem, 'name' | 'languageVersion'>[];
  dockerSocket?: string;
  outputCap?: number;
  /** Host variables passed into commands (default: Config.sandboxPassEnv: proxy, CA bundle). */
  passEnv?: Record<string, string>;
  /** Where warnings go (default: stderr). */
  warn?: (message: string) => void;
  /** Host folders commands must not see, e.g. NovaSystem's own home (the store, other runs). */
  hide?: string[];
}

const INSTALL_BWRAP = 'Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`; Arch: `sudo pacman -S bubblewrap`)';

let bwrapCheck: { path?: string; ok: boolean; version?: string; reason?: string } | undefined;

function bwrapStatus(): { path?: string; ok: boolean; version?: string; reason?: string } {
  if (bwrapCheck) return bwrapCheck;
  if (process.platform !== 'linux') {
    bwrapCheck = { ok: false, reason: `bubblewrap needs Linux (this is ${process.platform})` };
    return bwrapCheck;
  }
  const path = findBwrap();
  if (!path) {
    bwrapCheck = { ok: false, reason: 'bubblewrap (bwrap) is not installed' };
    return bwrapCheck;
  }
  bwrapCheck = { path, ...checkBwrapWorks(path) };
  return bwrapCheck;
}

export async function createSandbox(kind: SandboxKind | undefined, opts: CreateSandboxOptions): Promise<Sandbox> {
  opts = { ...opts, passEnv: opts.passEnv ?? loadConfig().sandboxPassEnv };
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  if (kind === 'none') {
    warn('running without a sandbox (--sandbox none): the repository\'s commands can read and change everything this user can.');
    return new NoneSandbox(opts);
  }
  if (kind === 'docker') {
    const { DockerSandbox, probeDocker, DEFAULT_DOCKER_SOCKET } = await docker();
    const socket = opts.dockerSocket ?? DEFAULT_DOCKER_SOCKET;
    const info = await probeDocker(socket);
    if (!info.available) {
      throw new NovaError('UNAVAILABLE', info.reason ?? `no Docker engine reachable at ${socket}`, {
        hint: 'Start Docker (`sudo systemctl start docker`), or use the bubblewrap sandbox (`--sandbox bwrap`), or — knowingly — `--sandbox none`.',
      });
    }
    return new DockerSandbox({ ...opts, image: opts.image ?? imageFor(opts.ecosystems ?? []), socketPath: socket });
  }
  const s = bwrapStatus();
  if (!s.ok || !s.path) {
    const asked = kind === 'bwrap' ? 'the bubblewrap sandbox was asked for, but ' : 'no sandbox is available: ';
    throw new NovaError('UNAVAILABLE', `${asked}${s.reason}`, {
      hint: `${INSTALL_BWRAP}; or use Docker (\`--sandbox docker\` with a running engine); or — knowingly, without isolation — \`--sandbox none\`.`,
    });
  }
  return new BwrapSandbox({ workspace: opts.workspace, home: opts.home, tmp: opts.tmp, bwrapPath: s.path, outputCap: opts.outputCap, passEnv: opts.passEnv, hide: opts.hide });
}

/** What each backend can do on this machine, for `nova doctor`. */
export async function probeSandboxes(opts: { dockerSocket?: string } = {}): Promise<SandboxInfo[]> {
  const b = bwrapStatus();
  const cg = b.ok ? probeCgroups() : undefined;
  const limits = cg ? (cg.memory || cg.pids ? `; limits via cgroup v${cg.version} (${[cg.memory && 'memory', cg.pids && 'processes'].filter(Boolean).join(', ')})` : '; limits via rlimits and a /proc memory watch (no writable cgroup)') : '';
  const net = findSlirp()
    ? '; steps with network: own namespace via slirp4netns (host loopback services unreachable)'
    : '; steps with network share the host network, loopback services included (install slirp4netns to isolate them)';
  const bwrap: SandboxInfo = b.ok
    ? { kind: 'bwrap', available: true, version: b.version, reason: `bubblewrap at ${b.path}${limits}${net}` }
    : { kind: 'bwrap', available: false, version: b.version, reason: `${b.reason}. ${INSTALL_BWRAP}.` };
  const { probeDocker, DEFAULT_DOCKER_SOCKET } = await docker();
  const dockerInfo = await probeDocker(opts.dockerSocket ?? DEFAULT_DOCKER_SOCKET);
  const none: SandboxInfo = { kind: 'none', available: true, reason: 'no isolation; used only with an explicit --sandbox none' };
  return [bwrap, dockerInfo, none];
}
