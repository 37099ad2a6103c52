/**
 * Network for a step that needs it, without the host's loopback: the command keeps its own network
 * namespace and slirp4netns gives it user-mode NAT to the outside with `--disable-host-loopback`,
 * so an install script can reach the package registry but not the services listening on the
 * host's 127.0.0.1 (a trust-auth PostgreSQL, Redis, a dev server). Without slirp4netns the
 * step shares the host's network namespace instead (and the report says so).
 *
 * Hand-off: bwrap writes the sandbox's pid to --info-fd and waits on --block-fd; slirp4netns is
 * attached to that pid's namespace, and once it reports ready the block is released.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export const SLIRP_FDS = { info: 3, block: 4, resolv: 5 } as const;
/** slirp4netns's built-in DNS forwarder address. */
export const SLIRP_RESOLV_CONF = 'nameserver 10.0.2.3\n';

export function findSlirp(): string | undefined {
  for (const p of ['/usr/bin/slirp4netns', '/usr/local/bin/slirp4netns', '/bin/slirp4netns']) if (existsSync(p)) return p;
  return undefined;
}

function readChildPid(info: Readable, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const t = setTimeout(() => reject(new Error('bwrap did not report its sandbox pid')), timeoutMs);
    info.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const m = text.match(/"child-pid"\s*:\s*(\d+)/);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    info.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    info.once('end', () => {
      clearTimeout(t);
      reject(new Error('bwrap ended before reporting its sandbox pid'));
    });
  });
}

/**
 * bwrap brings up the namespace's loopback itself after reporting its pid; configuring the tap
 * device at the same moment races with it (bwrap then fails with "loopback: Failed RTM_NEWADDR").
 * So wait until 127.0.0.1 is in the namespace's routing table.
 */
async function loopbackReady(pid: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if (readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8').includes('127.0.0.1')) return;
    } catch {
      return; // Gone or unreadable: let slirp4netns report what is wrong.
    }
    await new Promise((r) => setTimeout(r, 3));
  }
}

export interface SlirpHandle {
  stop(): void;
}

/**
 * Attach slirp4netns to a starting bwrap (spawned with the SLIRP_FDS pipes) and release it.
 * Calls `onProblem` with a sentence when the network could not be set up; the command then
 * runs with loopback only, and fails its downloads visibly.
 */
export async function attachSlirp(child: ChildProcess, slirpPath: string, userns: boolean, onProblem: (msg: string) => void): Promise<SlirpHandle> {
  const stdio = child.stdio as unknown as (Readable & Writable)[];
  const info = stdio[SLIRP_FDS.info];
  const block = stdio[SLIRP_FDS.block];
  const resolvConf = stdio[SLIRP_FDS.resolv];
  // These pipes break when bwrap exits early; that is reported through its exit status.
  for (const s of [info, block, resolvConf]) s?.on('error', () => undefined);
  resolvConf.end(SLIRP_RESOLV_CONF);
  let slirp: ChildProcess | undefined;
  const release = () => {
    if (!block.destroyed) block.end('1');
  };
  try {
    const pid = await readChildPid(info, 10_000);
    await loopbackReady(pid, 3000);
    slirp = spawn(
      slirpPath,
      ['--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=3', '--exit-fd=4', ...(userns ? [`--userns-path=/proc/${pid}/ns/user`] : []), String(pid), 'tap0'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const s = slirp;
    for (const io of s.stdio) (io as unknown as Readable | null)?.on('error', () => undefined);
    let err = '';
    s.stderr?.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-2000)));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('slirp4netns did not become ready in 10 s')), 10_000);
      (s.stdio[3] as unknown as Readable).once('data', () => {
        clearTimeout(t);
        resolve();
      });
      s.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`slirp4netns exited (${code}): ${err.trim()}`));
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  } catch (e) {
    onProblem(`network setup failed (${(e as Error).message}); the step runs without network`);
  } finally {
    release();
    info.resume();
  }
  return {
    stop() {
      if (!slirp) return;
      (slirp.stdio[4] as unknown as Writable | null)?.end();
      slirp.kill('SIGTERM');
    },
  };
}
