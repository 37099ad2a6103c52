import { describe, expect, it } from 'vitest';
import { buildBwrapArgs, prlimitArgs, type BwrapArgsInput } from './bwrap-args.js';

const base: BwrapArgsInput = {
  writable: ['/root/.novasystem/runs/r1/workspace', '/root/.novasystem/runs/r1/home'],
  hide: ['/root', '/run'],
  cwd: '/root/.novasystem/runs/r1/workspace',
  network: false,
  env: { PATH: '/usr/bin:/bin', HOME: '/root/.novasystem/runs/r1/home' },
  tmpfsBytes: 1024,
  rlimits: { nproc: 64, fsize: 1000, cpu: 10 },
  command: 'echo hi',
};

/** Index of a flag followed by its arguments. */
function at(args: string[], ...seq: string[]): number {
  for (let i = 0; i <= args.length - seq.length; i++) if (seq.every((s, j) => args[i + j] === s)) return i;
  return -1;
}

describe('buildBwrapArgs', () => {
  it('mounts the host read-only, hides homes and /run, and rebuilds the path to the run folders', () => {
    const a = buildBwrapArgs(base);
    expect(a.slice(0, 3)).toEqual(['--ro-bind', '/', '/']);
    expect(at(a, '--perms', '1777', '--size', '1024', '--tmpfs', '/tmp')).toBeGreaterThan(0);
    const hideRoot = at(a, '--tmpfs', '/root');
    expect(hideRoot).toBeGreaterThan(0);
    expect(at(a, '--tmpfs', '/run')).toBeGreaterThan(0);
    // Inside the hidden /root the run's ancestors are created traversable, then bound writable.
    const dir = at(a, '--perms', '0755', '--dir', '/root/.novasystem/runs/r1');
    const bind = at(a, '--bind', base.writable[0], base.writable[0]);
    expect(dir).toBeGreaterThan(hideRoot);
    expect(bind).toBeGreaterThan(dir);
    expect(at(a, '--bind', base.writable[1], base.writable[1])).toBeGreaterThan(bind);
    expect(a).toContain('--unshare-net');
    expect(a).toContain('--die-with-parent');
    expect(a).toContain('--clearenv');
    expect(at(a, '--setenv', 'HOME', base.env.HOME)).toBeGreaterThan(0);
    expect(a.slice(-3)).toEqual(['bash', '-c', 'echo hi']);
  });

  it('drops root to the sandbox uid with setpriv and keeps only the capabilities that needs', () => {
    const a = buildBwrapArgs({ ...base, dropToUid: 234567 });
    expect(at(a, '--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID')).toBeGreaterThan(0);
    expect(at(a, 'setpriv', '--reuid=234567', '--regid=234567', '--clear-groups')).toBeGreaterThan(0);
    expect(a).not.toContain('--unshare-user');
    const b = buildBwrapArgs(base);
    expect(b).toContain('--unshare-user');
    expect(b).not.toContain('setpriv');
  });

  it('shares the host network only when asked and no slirp4netns is used', () => {
    expect(buildBwrapArgs({ ...base, network: true })).not.toContain('--unshare-net');
    const s = buildBwrapArgs({ ...base, network: true, slirp: { resolvConfPath: '/etc/resolv.conf' } });
    expect(s).toContain('--unshare-net');
    expect(at(s, '--perms', '0644', '--ro-bind-data', '5', '/etc/resolv.conf', '--info-fd', '3', '--block-fd', '4')).toBeGreaterThan(0);
  });

  it('turns limits into prlimit flags (CPU: soft, then hard a little later)', () => {
    expect(prlimitArgs({ nproc: 5, fsize: 10, cpu: 3, as: 99 })).toEqual(['prlimit', '--core=0', '--nproc=5', '--fsize=10', '--cpu=3:8', '--as=99', '--']);
  });
});
