/**
 * The bubblewrap command line for one command. Kept pure (paths and flags in, argv out) so the
 * mount layout can be read and tested on its own.
 *
 * Layout: the host is bound read-only at `/`; /dev and /proc are fresh; /tmp is a private, sized
 * tmpfs; the real home folders are hidden behind empty tmpfs mounts (tokens in ~/.npmrc or
 * ~/.ssh must not be readable by a repository's install scripts, least of all with network on);
 * the run's workspace, home and temp folders are bound writable at their own host paths, so
 * paths in output and tool caches mean the same inside and out.
 */
import { statSync } from 'node:fs';
import { dirname, sep } from 'node:path';

export interface RlimitArgs {
  nproc?: number;
  fsize?: number;
  cpu?: number;
  as?: number;
}

export interface BwrapArgsInput {
  /** Writable host folders bound at the same path. */
  writable: string[];
  /** Host folders hidden behind empty tmpfs mounts (when they exist). */
  hide: string[];
  /** Host files (control sockets) replaced by /dev/null. */
  maskFiles?: string[];
  /** Host paths inside hidden folders to bring back read-only (e.g. resolv.conf under /run). */
  keepReadOnly?: string[];
  cwd: string;
  network: boolean;
  env: Record<string, string>;
  /**
   * Network through slirp4netns (own namespace, host loopback unreachable): bwrap reports its pid
   * on fd 3, waits on fd 4, and reads a resolv.conf for `resolvConfPath` from fd 5.
   */
  slirp?: { resolvConfPath: string };
  /** Size of the private /tmp in bytes. */
  tmpfsBytes: number;
  /** Running as root: drop to this uid/gid with setpriv inside the sandbox. */
  dropToUid?: number;
  rlimits: RlimitArgs;
  command: string;
}

function ancestors(p: string): string[] {
  const out: string[] = [];
  let cur = dirname(p);
  while (cur !== dirname(cur)) {
    out.unshift(cur);
    cur = dirname(cur);
  }
  return out;
}

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : root + sep);
}

/** Whether `uid` (others, for a uid that owns nothing on the host) may traverse a host folder. */
function traversable(dir: string, uid: number | undefined): boolean {
  try {
    const st = statSync(dir);
    if (uid === undefined) return true;
    if (st.uid === uid) return (st.mode & 0o100) !== 0;
    return (st.mode & 0o001) !== 0;
  } catch {
    return false;
  }
}

export function prlimitArgs(r: RlimitArgs): string[] {
  const a: string[] = ['prlimit', '--core=0'];
  if (r.nproc !== undefined) a.push(`--nproc=${r.nproc}`);
  if (r.fsize !== undefined) a.push(`--fsize=${r.fsize}`);
  // Soft limit sends SIGXCPU (reported as a CPU limit); the hard one a few seconds later kills.
  if (r.cpu !== undefined) a.push(`--cpu=${r.cpu}:${r.cpu + 5}`);
  if (r.as !== undefined) a.push(`--as=${r.as}`);
  a.push('--');
  return a;
}

export function buildBwrapArgs(i: BwrapArgsInput): string[] {
  const a: string[] = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  const tmpfsRoots: string[] = [];
  a.push('--perms', '1777', '--size', String(i.tmpfsBytes), '--tmpfs', '/tmp');
  tmpfsRoots.push('/tmp');
  for (const h of i.hide) {
    if (h === '/' || h === '/tmp' || tmpfsRoots.some((t) => under(h, t))) continue;
    if (!traversable(h, undefined)) continue;
    a.push('--perms', '0755', '--tmpfs', h);
    tmpfsRoots.push(h);
  }
  for (const f of i.maskFiles ?? []) a.push('--ro-bind', '/dev/null', f);
  const made = new Set<string>();
  const binds: [string, '--bind' | '--ro-bind'][] = [
    ...(i.keepReadOnly ?? []).map((k): [string, '--ro-bind'] => [k, '--ro-bind']),
    ...i.writable.map((w): [string, '--bind'] => [w, '--bind']),
  ];
  for (const [w, how] of binds) {
    for (const anc of ancestors(w)) {
      if (made.has(anc)) continue;
      if (tmpfsRoots.some((t) => under(anc, t))) {
        // Inside one of our tmpfs mounts: create it ourselves so the sandbox user can pass through.
        if (!tmpfsRoots.includes(anc)) a.push('--perms', '0755', '--dir', anc);
      } else if (!traversable(anc, i.dropToUid)) {
        // A host folder the sandbox user may not enter (e.g. a 0700 temp folder): mask it.
        a.push('--perms', '0755', '--tmpfs', anc);
        tmpfsRoots.push(anc);
      }
      made.add(anc);
    }
    a.push(how, w, w);
  }
  const slirp = i.network && i.slirp;
  if (slirp) a.push('--perms', '0644', '--ro-bind-data', '5', slirp.resolvConfPath, '--info-fd', '3', '--block-fd', '4');
  a.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--hostname', 'nova-sandbox');
  if (!i.network || slirp) a.push('--unshare-net');
  a.push('--die-with-parent', '--new-session', '--clearenv');
  for (const [k, v] of Object.entries(i.env)) a.push('--setenv', k, v);
  a.push('--chdir', i.cwd);
  if (i.dropToUid !== undefined) {
    // Root stays root only long enough for setpriv to switch to the unprivileged sandbox user
    // (whose processes RLIMIT_NPROC does count); every other capability is dropped.
    a.push('--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID');
    a.push('--', 'setpriv', `--reuid=${i.dropToUid}`, `--regid=${i.dropToUid}`, '--clear-groups', '--inh-caps=-all', '--');
  } else {
    a.push('--unshare-user', '--disable-userns', '--');
  }
  a.push(...prlimitArgs(i.rlimits), 'bash', '-c', i.command);
  return a;
}
