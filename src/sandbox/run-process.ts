/**
 * Runs one prepared process (bwrap or plain bash) and enforces what rlimits cannot: the wall-clock
 * timeout, memory and process-count guards when no cgroup is available, and the disk budget. A
 * stop is SIGTERM to every process of the command, then after a grace SIGKILL to the whole tree
 * (for bwrap, killing bwrap tears down its PID namespace). Output is streamed and capped.
 */
import { spawn, type ChildProcess, type StdioPipe } from 'node:child_process';
import { statfsSync } from 'node:fs';
import type { ExecResult, SandboxLimits } from './sandbox.js';
import type { CommandCgroup } from './cgroup.js';
import { OutputCapture, DEFAULT_OUTPUT_CAP } from './output-capture.js';
import { descendants, signalAll, treeRssBytes } from './process-tree.js';
import { diskUsage } from './disk-usage.js';

type LimitHit = NonNullable<ExecResult['limitHit']>;

export interface RunProcessOptions {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  limits: SandboxLimits;
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  cgroup?: CommandCgroup;
  /** Watch the process tree's resident memory (used when no cgroup limits memory). */
  watchMemory?: boolean;
  /** Count the process tree (used when neither a cgroup nor RLIMIT_NPROC binds). */
  watchProcesses?: boolean;
  /** Host folders whose total size `limits.maxDiskBytes` bounds. */
  diskPaths?: string[];
  outputCap?: number;
  /** The command runs in its own PID namespace (bwrap): when its first process ends, all do. */
  pidNamespace?: boolean;
  /** Extra pipes after stdin/stdout/stderr (fds 3…), for hand-offs such as bwrap's info/block fds. */
  extraPipes?: number;
  /** Runs right after spawn (e.g. attaching slirp4netns); `note` adds a line to the output. */
  onSpawn?: (child: ChildProcess, note: (msg: string) => void) => Promise<{ stop(): void }>;
  /** Kill the whole process group as well as the tree (plain processes, not bwrap). */
  killGroup?: boolean;
}

const POLL_MS = 250;
const DEFAULT_GRACE_MS = 2000;
/** Disk is re-measured after the filesystem grows by this much (statfs is cheap, a walk is not). */
const DISK_RECHECK_BYTES = 256 * 1024 * 1024;
/** Stop a command that pushes the filesystem below this much free space. */
const MIN_FREE_BYTES = 256 * 1024 * 1024;

const FORK_REFUSED = /fork: (retry: )?Resource temporarily unavailable|Cannot fork|fork failed/i;
const FORK_REFUSED_G = new RegExp(FORK_REFUSED.source, 'gi');

export async function runProcess(o: RunProcessOptions): Promise<ExecResult> {
  const started = Date.now();
  const capture = new OutputCapture(o.outputCap ?? DEFAULT_OUTPUT_CAP, o.onOutput);
  const usage0 = o.cgroup?.usage() ?? { oomKills: 0, pidsMaxHits: 0 };
  const extra: StdioPipe[] = Array.from({ length: o.extraPipes ?? 0 }, () => 'pipe');
  const spawned = spawn(o.file, o.args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe', ...extra], detached: true });
  const child = spawned as typeof spawned & { stdout: NonNullable<typeof spawned.stdout>; stderr: NonNullable<typeof spawned.stderr> };
  const attached = o.onSpawn && child.pid !== undefined
    ? o.onSpawn(child, (msg) => capture.push(Buffer.from(`[nova: ${msg}]\n`), 'stderr')).catch(() => undefined)
    : undefined;
  // Refused forks show up in the output before any counter (RLIMIT_NPROC leaves no other trace).
  let forkRefusals = 0;
  const onData = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    capture.push(d, stream);
    if (FORK_REFUSED_G.test(d.toString('latin1'))) forkRefusals++;
    FORK_REFUSED_G.lastIndex = 0;
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));

  let killReason: LimitHit | 'aborted' | undefined;
  let stopping = false;
  let exited = false;
  let pidsHitsSeen = 0;
  let firstPidsHitAt: number | undefined;
  const timers: NodeJS.Timeout[] = [];

  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, spawnError: err }));
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });

  const treePids = (): number[] => {
    const pid = child.pid;
    if (pid === undefined) return [];
    const pids = descendants(pid).map((p) => p.pid);
    if (o.cgroup) for (const p of o.cgroup.pids()) if (!pids.includes(p)) pids.push(p);
    return pids;
  };

  const hardKill = () => {
    const pid = child.pid;
    if (pid === undefined) return;
    const pids = treePids();
    if (o.killGroup) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Group already gone.
      }
    }
    signalAll([pid, ...pids], 'SIGKILL');
  };

  const stop = (reason: LimitHit | 'aborted') => {
    if (stopping) return;
    stopping = true;
    killReason = reason;
    const pid = child.pid;
    if (pid === undefined || exited) return;
    // Polite first: the command's own processes get SIGTERM (not bwrap itself, whose death would
    // SIGKILL the namespace at once); then everything is killed after the grace period.
    const pids = treePids();
    if (o.killGroup) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Group already gone.
      }
    }
    signalAll(pids.length ? pids : [pid], 'SIGTERM');
    const t = setTimeout(hardKill, o.limits.killGraceMs ?? DEFAULT_GRACE_MS);
    timers.push(t);
  };

  timers.push(setTimeout(() => stop('timeout'), o.limits.timeoutMs));
  const onAbort = () => stop('aborted');
  if (o.signal) {
    if (o.signal.aborted) onAbort();
    else o.signal.addEventListener('abort', onAbort, { once: true });
  }

  // Guards polled while the command runs.
  const diskMax = o.limits.maxDiskBytes;
  let diskBaseline: { used: number; avail: number } | undefined;
  let diskChecking = false;
  let lastWalkAt = Date.now();
  let lastWalkMs = 0;
  const fsUsage = (): { used: number; avail: number } | undefined => {
    if (!o.diskPaths?.length) return undefined;
    try {
      const s = statfsSync(o.diskPaths[0]);
      return { used: (s.blocks - s.bfree) * s.bsize, avail: s.bavail * s.bsize };
    } catch {
      return undefined;
    }
  };
  if (diskMax !== undefined) diskBaseline = fsUsage();

  const poll = setInterval(() => {
    if (stopping || exited || child.pid === undefined) return;
    {
      const hits = (o.cgroup?.controls.pids ? o.cgroup.usage().pidsMaxHits - usage0.pidsMaxHits : 0) + forkRefusals;
      // A build may brush the limit once; forks still refused a second later are a runaway.
      if (hits > pidsHitsSeen) {
        firstPidsHitAt ??= Date.now();
        if (Date.now() - firstPidsHitAt >= 1000) return stop('processes');
      }
      pidsHitsSeen = hits;
    }
    if (o.watchMemory || o.watchProcesses) {
      const t = treeRssBytes(child.pid);
      if (o.watchMemory && o.limits.memoryBytes !== undefined && t.bytes > o.limits.memoryBytes) return stop('memory');
      if (o.watchProcesses && o.limits.maxProcesses !== undefined && t.count > o.limits.maxProcesses + 2) return stop('processes');
    }
    if (diskMax !== undefined && diskBaseline && !diskChecking) {
      diskChecking = true;
      void (async () => {
        try {
          const now = fsUsage();
          if (!now || !diskBaseline) return;
          if (now.avail < MIN_FREE_BYTES && now.avail < diskBaseline.avail) return stop('disk');
          // Walk the folders when the filesystem grew a lot (cheap statfs says so), and anyway now
          // and then — other writers on the same disk can hide growth — but never so often that
          // walking costs more than ~5% of the time.
          const grew = now.used - diskBaseline.used >= Math.min(DISK_RECHECK_BYTES, diskMax / 4);
          const due = Date.now() - lastWalkAt >= Math.max(2000, 20 * lastWalkMs);
          if (!grew && !due) return;
          const t0 = Date.now();
          const size = await diskUsage(o.diskPaths ?? [], diskMax + 1);
          lastWalkMs = Date.now() - t0;
          lastWalkAt = Date.now();
          if (size > diskMax) return stop('disk');
          diskBaseline = now;
        } finally {
          diskChecking = false;
        }
      })();
    }
  }, POLL_MS);

  const ended = await exitPromise;
  clearInterval(poll);
  (await attached)?.stop();
  // Wait for the pipes to drain; a process that escaped the tree could hold them open forever.
  await new Promise<void>((resolve) => {
    if (child.stdout.readableEnded && child.stderr.readableEnded) return resolve();
    const t = setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      resolve();
    }, 2000);
    child.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
  for (const t of timers) clearTimeout(t);
  o.signal?.removeEventListener('abort', onAbort);
  // Nothing of the command may outlive it.
  const leftovers = o.pidNamespace && !stopping ? [] : treePids();
  if (leftovers.length) signalAll(leftovers, 'SIGKILL');
  if (o.killGroup && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Group already gone.
    }
  }
  capture.end();

  if (ended.spawnError) {
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      durationMs: Date.now() - started,
      output: `failed to start ${o.file}: ${ended.spawnError.message}`,
      truncated: false,
    };
  }
  const output = capture.text();
  const usage1 = o.cgroup?.usage();
  // The group outlives a command: only what happened during this one counts.
  const usage = usage1 && { oomKills: usage1.oomKills - usage0.oomKills, pidsMaxHits: usage1.pidsMaxHits - usage0.pidsMaxHits };
  const limitHit = classify(killReason, ended.code, ended.signal, output, usage);
  return {
    exitCode: ended.code,
    signal: ended.signal,
    timedOut: killReason === 'timeout',
    durationMs: Date.now() - started,
    output,
    truncated: capture.truncated,
    ...(limitHit ? { limitHit } : {}),
  };
}

/** Name the limit that ended a command, from what killed it, its exit status and its last words. */
export function classify(
  killReason: LimitHit | 'aborted' | undefined,
  code: number | null,
  signal: NodeJS.Signals | null,
  output: string,
  usage?: { oomKills: number; pidsMaxHits: number },
): LimitHit | undefined {
  if (killReason && killReason !== 'aborted' && killReason !== 'timeout') return killReason;
  const forksRefused = (usage?.pidsMaxHits ?? 0) > 0 || FORK_REFUSED.test(output);
  if (killReason === 'timeout') return forksRefused ? 'processes' : 'timeout';
  if ((usage?.oomKills ?? 0) > 0) return 'memory';
  if (signal === 'SIGXFSZ' || code === 128 + 25 || /File size limit exceeded/.test(output)) return 'file-size';
  if (signal === 'SIGXCPU' || code === 128 + 24 || /CPU time limit exceeded/.test(output)) return 'cpu';
  if (code !== 0 && forksRefused) return 'processes';
  if (code !== 0 && /JavaScript heap out of memory|Cannot allocate memory|MemoryError|out of memory/i.test(output) && (signal === 'SIGKILL' || code === 137)) return 'memory';
  return undefined;
}
