import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { tempDir } from '../../testing/services.js';
import { prepareWorkspace } from '../workspace.js';
import { BwrapSandbox, findBwrap } from './bwrap-sandbox.js';
import type { SandboxLimits } from '../sandbox.js';

const bwrapPath = findBwrap();
const base: SandboxLimits = { timeoutMs: 15_000, killGraceMs: 300 };

/** Processes owned by a uid, read from /proc (the sandbox uid owns nothing else on the host). */
function processesOf(uid: number): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (statSync(`/proc/${d}`).uid === uid) n++;
    } catch {
      // Exited meanwhile.
    }
  }
  return n;
}

// bwrap is installed by the CI script; it is required here, so no skip.
describe('bwrap sandbox', () => {
  let dir: ReturnType<typeof tempDir>;
  let sb: BwrapSandbox;
  let canaryDir: string;

  beforeAll(() => {
    expect(bwrapPath, 'bubblewrap must be installed (apt-get install bubblewrap)').toBeDefined();
    dir = tempDir('nova-bwrap-');
    const repo = join(dir.path, 'repo');
    mkdirSync(join(repo, 'sub'), { recursive: true });
    writeFileSync(join(repo, 'hello.txt'), 'hi\n');
    symlinkSync('/etc', join(repo, 'etc-link'));
    const p = prepareWorkspace(repo, join(dir.path, 'run'));
    sb = new BwrapSandbox({ ...p, bwrapPath: bwrapPath! });
    canaryDir = join('/var/tmp', `nova-canary-${process.pid}`);
    mkdirSync(canaryDir, { recursive: true });
    writeFileSync(join(canaryDir, 'canary'), 'alive');
  });

  afterAll(() => {
    dir?.cleanup();
    rmSync(canaryDir, { recursive: true, force: true });
  });

  it('runs a command in the workspace with a private home and streams its output', async () => {
    const chunks: string[] = [];
    const r = await sb.exec({
      command: 'cat hello.txt; echo "$HOME"; echo made > out.txt; echo err >&2; exit 3',
      limits: base,
      onOutput: (c) => chunks.push(c),
    });
    expect(r.exitCode).toBe(3);
    expect(r.output).toContain('hi');
    expect(r.output).toContain(sb.inside.home);
    expect(r.output).toContain('err');
    expect(chunks.join('')).toContain('hi');
    expect(readFileSync(join(sb.workspace, 'out.txt'), 'utf8')).toBe('made\n');
    expect(r.limitHit).toBeUndefined();
  });

  it('cuts the network off unless the step asks for it; with it, host loopback stays out of reach', async () => {
    const server = net.createServer((c) => c.end('pong\n'));
    await new Promise<void>((res) => server.listen(0, '0.0.0.0', res));
    const port = (server.address() as net.AddressInfo).port;
    const connect = (host: string) => `exec 3<>/dev/tcp/${host}/${port} && cat <&3`;
    const host = new BwrapSandbox({ ...prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run-host')), bwrapPath: bwrapPath!, slirpPath: false });
    try {
      const off = await sb.exec({ command: connect('127.0.0.1'), limits: base });
      expect(off.exitCode).not.toBe(0);
      expect(off.output).not.toContain('pong');
      const dns = await sb.exec({ command: 'getent hosts registry.npmjs.org', limits: base });
      expect(dns.exitCode).not.toBe(0);
      // Sharing the host's network namespace (no slirp4netns): the loopback service answers.
      expect(host.networkIsolation).toBe('host');
      const shared = await host.exec({ command: connect('127.0.0.1'), limits: base, network: true });
      expect(shared.output).toContain('pong');
      if (sb.networkIsolation === 'slirp4netns') {
        // Own namespace behind NAT: the registry resolves, the host's loopback services do not answer.
        const on = await sb.exec({ command: `getent hosts registry.npmjs.org && (${connect('127.0.0.1')}) ; (${connect('10.0.2.2')}) ; echo done`, limits: base, network: true });
        expect(on.output).toMatch(/registry\.npmjs\.org/);
        expect(on.output).not.toContain('pong');
        expect(on.output).toContain('done');
      }
    } finally {
      server.close();
    }
  });

  it('denies writes outside the workspace and leaves the host unchanged', async () => {
    const bashrc = join(homedir(), '.bashrc');
    const before = existsSync(bashrc) ? readFileSync(bashrc, 'utf8') : undefined;
    const r = await sb.exec({
      command: `touch /etc/nova-x; echo pwned >> ${bashrc}; touch /work/nova-x; touch ${canaryDir}/new; echo end`,
      limits: base,
    });
    expect(r.output).toContain('end');
    expect(existsSync('/etc/nova-x')).toBe(false);
    expect(existsSync('/work/nova-x')).toBe(false);
    expect(existsSync(join(canaryDir, 'new'))).toBe(false);
    expect(existsSync(bashrc) ? readFileSync(bashrc, 'utf8') : undefined).toBe(before);
  });

  it('hides local service sockets (/run) and the real home from commands', async () => {
    const hostRun = readdirSync('/run');
    expect(hostRun.length).toBeGreaterThan(0);
    const r = await sb.exec({ command: 'ls -A /run; echo ---; ls -A ~root 2>&1 | head -5', limits: base });
    const [inside] = r.output.split('---');
    const kept = new Set(['systemd', 'resolvconf']); // parents of a kept /etc/resolv.conf target
    const visible = inside.split('\n').filter((n) => n && !kept.has(n));
    expect(visible).toEqual([]);
  });

  it('kills a step that hangs at its timeout', async () => {
    const r = await sb.exec({ command: 'sleep 600', limits: { ...base, timeoutMs: 800 } });
    expect(r.timedOut).toBe(true);
    expect(r.limitHit).toBe('timeout');
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('contains a fork bomb and leaves no process behind', async () => {
    const r = await sb.exec({ command: ':(){ :|:& };:; sleep 60', limits: { ...base, timeoutMs: 8000, maxProcesses: 64 } });
    expect(r.limitHit).toBe('processes');
    expect(r.durationMs).toBeLessThan(10_000);
    // The sandbox's cgroup goes with it (v1 pids hierarchy, where this machine has one).
    await sb.dispose();
    if (existsSync('/sys/fs/cgroup/pids/cgroup.procs')) {
      expect(readdirSync('/sys/fs/cgroup/pids').filter((n) => n.startsWith(`nova-${process.pid}-`))).toEqual([]);
    }
    if (sb.sandboxUid !== undefined) {
      await new Promise((res) => setTimeout(res, 300));
      expect(processesOf(sb.sandboxUid)).toBe(0);
    }
  });

  it('stops a command that fills memory', async () => {
    const r = await sb.exec({
      command: `node -e 'const a=[]; for(;;) a.push(Buffer.alloc(1<<20, 1))'`,
      limits: { ...base, memoryBytes: 96 * 1024 * 1024 },
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.limitHit).toBe('memory');
  });

  it('stops a file-size bomb at the file limit', async () => {
    const r = await sb.exec({ command: 'head -c 50000000 /dev/zero > big.bin', limits: { ...base, maxFileBytes: 1024 * 1024 } });
    expect(r.limitHit).toBe('file-size');
    expect(statSync(join(sb.workspace, 'big.bin')).size).toBeLessThanOrEqual(1024 * 1024);
  });

  it('stops a command that fills the disk with many files', async () => {
    const r = await sb.exec({
      command: 'mkdir fill; for i in $(seq 1 400); do head -c 1048576 /dev/urandom > fill/f$i; sleep 0.01; done',
      limits: { ...base, maxDiskBytes: 24 * 1024 * 1024 },
    });
    expect(r.limitHit).toBe('disk');
    expect(readdirSync(join(sb.workspace, 'fill')).length).toBeLessThan(400);
    rmSync(join(sb.workspace, 'fill'), { recursive: true, force: true });
  });

  it('stops a CPU-bound command at its CPU-time limit', async () => {
    const r = await sb.exec({ command: 'while :; do :; done', limits: { ...base, cpuSeconds: 1 } });
    expect(r.limitHit).toBe('cpu');
  });

  it('survives rm -rf / inside the sandbox: the host is intact', async () => {
    const r = await sb.exec({ command: 'rm -rf --no-preserve-root / 2>/dev/null; echo finished', limits: { ...base, timeoutMs: 20_000 } });
    expect(r.output).toContain('finished');
    expect(readFileSync(join(canaryDir, 'canary'), 'utf8')).toBe('alive');
    expect(existsSync('/usr/bin/bash') || existsSync('/bin/bash')).toBe(true);
    expect(existsSync('/etc/passwd')).toBe(true);
  }, 30_000);
});

describe('bwrap sandbox output and cwd', () => {
  let dir: ReturnType<typeof tempDir>;
  let sb: BwrapSandbox;
  beforeAll(() => {
    dir = tempDir('nova-bwrap-');
    const repo = join(dir.path, 'repo');
    mkdirSync(join(repo, 'pkg'), { recursive: true });
    symlinkSync('/etc', join(repo, 'out-link'));
    sb = new BwrapSandbox({ ...prepareWorkspace(repo, join(dir.path, 'run')), bwrapPath: bwrapPath!, outputCap: 4096 });
  });
  afterAll(() => dir?.cleanup());

  it('caps the captured output with a visible marker, keeping head and tail', async () => {
    const r = await sb.exec({ command: 'seq 1 100000', limits: base });
    expect(r.truncated).toBe(true);
    expect(r.output).toMatch(/\[… \d+ bytes truncated …\]/);
    expect(r.output.startsWith('1\n2\n')).toBe(true);
    expect(r.output.trimEnd().endsWith('100000')).toBe(true);
    expect(r.output.length).toBeLessThan(4096 + 100);
  });

  it('lets commands change files the host wrote after syncOwnership', async () => {
    writeFileSync(join(sb.workspace, 'host-fix.txt'), 'from host\n');
    await sb.syncOwnership();
    const r = await sb.exec({ command: 'echo changed >> host-fix.txt && cat host-fix.txt', limits: base });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(sb.workspace, 'host-fix.txt'), 'utf8')).toBe('from host\nchanged\n');
  });

  it('stops a command when its AbortSignal fires', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await sb.exec({ command: 'sleep 30', limits: { ...base, killGraceMs: 200 }, signal: ac.signal });
    expect(r.timedOut).toBe(false);
    expect(r.durationMs).toBeLessThan(3000);
  });

  it('runs in a sub-folder and refuses cwds that leave the workspace', async () => {
    const ok = await sb.exec({ command: 'pwd', cwd: 'pkg', limits: base });
    expect(ok.output.trim()).toBe(join(sb.workspace, 'pkg'));
    await expect(sb.exec({ command: 'pwd', cwd: '../..', limits: base })).rejects.toThrow(/leaves the workspace/);
    await expect(sb.exec({ command: 'pwd', cwd: '/etc', limits: base })).rejects.toThrow(/absolute/);
    await expect(sb.exec({ command: 'pwd', cwd: 'out-link', limits: base })).rejects.toThrow(/points outside the workspace/);
  });
});

describe('bwrap sandbox without cgroups (rlimits and the /proc memory watch)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sb: BwrapSandbox;
  beforeAll(() => {
    dir = tempDir('nova-bwrap-');
    mkdirSync(join(dir.path, 'repo'));
    sb = new BwrapSandbox({ ...prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run')), bwrapPath: bwrapPath!, useCgroups: false });
  });
  afterAll(() => dir?.cleanup());

  it('contains a fork bomb with RLIMIT_NPROC alone', async () => {
    const r = await sb.exec({ command: ':(){ :|:& };:; sleep 60', limits: { ...base, timeoutMs: 8000, maxProcesses: 64 } });
    expect(r.limitHit).toBe('processes');
    if (sb.sandboxUid !== undefined) {
      await new Promise((res) => setTimeout(res, 300));
      expect(processesOf(sb.sandboxUid)).toBe(0);
    }
  });

  it('stops memory filling with the /proc watch', async () => {
    const r = await sb.exec({
      command: `node -e 'const a=[]; for(;;) a.push(Buffer.alloc(1<<20, 1))'`,
      limits: { ...base, memoryBytes: 128 * 1024 * 1024 },
    });
    expect(r.limitHit).toBe('memory');
  });
});
