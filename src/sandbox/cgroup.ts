/**
 * Per-command control groups for memory and process-count limits. RLIMIT_NPROC does not bind root
 * and RLIMIT_AS breaks Node (WebAssembly reserves ~10 GiB of address space), so a cgroup is the
 * accurate tool when the machine lets us create one: cgroup v2 where our own cgroup is delegated
 * (memory.max, pids.max), or the v1 `memory` and `pids` hierarchies when they are writable (root).
 * When neither works, callers fall back to rlimits and a /proc memory watch.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  memoryBytes?: number;
  maxProcesses?: number;
}

export interface CgroupUsage {
  /** Times the OOM killer ended a process in the group. */
  oomKills: number;
  /** Times a fork was refused because of the process limit. */
  pidsMaxHits: number;
}

export interface CommandCgroup {
  readonly version: 1 | 2;
  /** `cgroup.procs` files the command's first process must join (before it starts anything). */
  readonly procsFiles: string[];
  /** Which controllers the group has. */
  readonly controls: { memory: boolean; pids: boolean };
  usage(): CgroupUsage;
  pids(): number[];
  /** Apply a command's limits (unset ones become unlimited). */
  update(limits: CgroupLimits): void;
  /** Kill what is left in the group and remove it (retrying while dying processes leave). */
  destroy(): Promise<void>;
}

function ownPath(controller: string | ''): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (ctrls === undefined || path === undefined) continue;
    if (controller === '' ? line.startsWith('0::') : ctrls.split(',').includes(controller)) return path;
  }
  return undefined;
}

function readKey(file: string, key: string): number {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [k, v] = line.trim().split(/\s+/);
      if (k === key) return Number(v) || 0;
    }
  } catch {
    // Missing file: no events.
  }
  return 0;
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Remove the groups, killing stragglers; processes of a finished command may take a moment to go. */
async function removeGroups(dirs: string[], procsFile: (d: string) => string): Promise<void> {
  let left = dirs;
  for (let i = 0; i < 150 && left.length; i++) {
    for (const d of left) {
      for (const pid of readPids(procsFile(d))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone.
        }
      }
    }
    left = left.filter((d) => !tryRmdir(d));
    if (left.length) await new Promise((r) => setTimeout(r, 20));
  }
}

const NAME = /^nova-(\d+)-\w+$/;
const swept = new Set<string>();

/** Groups left behind by NovaSystem processes that died before cleaning up. */
function sweepStale(parent: string): void {
  if (swept.has(parent)) return;
  swept.add(parent);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.match(NAME);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      const dir = join(parent, n);
      if (readPids(join(dir, 'cgroup.procs')).length === 0) tryRmdir(dir);
    }
  }
}

function makeDir(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

function write(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

interface Files {
  memoryLimit?: string;
  memoryUnlimited: string;
  memorySwap?: string;
  pidsMax?: string;
}

/** A group (one dir for v2, one per controller for v1) whose limits can change between commands. */
/** Groups of this process, removed (when empty) as the process exits without dispose(). */
const liveDirs = new Set<string>();
let exitHook = false;

function track(dirs: string[]): void {
  for (const d of dirs) liveDirs.add(d);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const d of liveDirs) tryRmdir(d);
  });
}

function group(version: 1 | 2, dirs: string[], files: Files, usage: () => CgroupUsage): CommandCgroup {
  track(dirs);
  let last: CgroupLimits | undefined;
  const g: CommandCgroup = {
    version,
    procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
    controls: { memory: !!files.memoryLimit, pids: !!files.pidsMax },
    usage,
    pids: () => [...new Set(dirs.flatMap((d) => readPids(join(d, 'cgroup.procs'))))],
    update(limits) {
      if (last && last.memoryBytes === limits.memoryBytes && last.maxProcesses === limits.maxProcesses) return;
      last = { ...limits };
      if (files.memoryLimit) {
        const v = limits.memoryBytes === undefined ? files.memoryUnlimited : String(limits.memoryBytes);
        // v1 refuses memsw below the memory limit and vice versa: order the writes accordingly.
        if (files.memorySwap && version === 1) {
          if (write(files.memoryLimit, v)) write(files.memorySwap, v);
          else if (write(files.memorySwap, v)) write(files.memoryLimit, v);
        } else {
          write(files.memoryLimit, v);
          if (files.memorySwap) write(files.memorySwap, limits.memoryBytes === undefined ? 'max' : '0');
        }
      }
      if (files.pidsMax) write(files.pidsMax, limits.maxProcesses === undefined ? 'max' : String(limits.maxProcesses));
    },
    async destroy() {
      for (const d of dirs) if (existsSync(join(d, 'cgroup.kill'))) write(join(d, 'cgroup.kill'), '1');
      await removeGroups(dirs, (d) => join(d, 'cgroup.procs'));
      for (const d of dirs) liveDirs.delete(d);
    },
  };
  return g;
}

function createV2(name: string): CommandCgroup | undefined {
  const base = '/sys/fs/cgroup';
  if (!existsSync(join(base, 'cgroup.controllers'))) return undefined;
  const own = ownPath('');
  if (own === undefined) return undefined;
  sweepStale(join(base, own));
  const dir = join(base, own, name);
  if (!makeDir(dir)) return undefined;
  const memory = existsSync(join(dir, 'memory.max'));
  const pids = existsSync(join(dir, 'pids.max'));
  if (!memory && !pids) {
    tryRmdir(dir);
    return undefined;
  }
  return group(
    2,
    [dir],
    {
      memoryLimit: memory ? join(dir, 'memory.max') : undefined,
      memoryUnlimited: 'max',
      memorySwap: memory && existsSync(join(dir, 'memory.swap.max')) ? join(dir, 'memory.swap.max') : undefined,
      pidsMax: pids ? join(dir, 'pids.max') : undefined,
    },
    () => ({ oomKills: readKey(join(dir, 'memory.events'), 'oom_kill'), pidsMaxHits: readKey(join(dir, 'pids.events'), 'max') }),
  );
}

function createV1(name: string): CommandCgroup | undefined {
  const made: Record<'memory' | 'pids', string | undefined> = { memory: undefined, pids: undefined };
  for (const controller of ['memory', 'pids'] as const) {
    const own = ownPath(controller);
    if (own === undefined) continue;
    const parent = join('/sys/fs/cgroup', controller, own);
    sweepStale(parent);
    const dir = join(parent, name);
    const probe = controller === 'memory' ? 'memory.limit_in_bytes' : 'pids.max';
    if (makeDir(dir)) {
      if (existsSync(join(dir, probe))) made[controller] = dir;
      else tryRmdir(dir);
    }
  }
  const dirs = [made.memory, made.pids].filter((d): d is string => !!d);
  if (dirs.length === 0) return undefined;
  const m = made.memory;
  return group(
    1,
    dirs,
    {
      memoryLimit: m ? join(m, 'memory.limit_in_bytes') : undefined,
      memoryUnlimited: '-1',
      memorySwap: m && existsSync(join(m, 'memory.memsw.limit_in_bytes')) ? join(m, 'memory.memsw.limit_in_bytes') : undefined,
      pidsMax: made.pids ? join(made.pids, 'pids.max') : undefined,
    },
    () => ({
      oomKills: m ? readKey(join(m, 'memory.oom_control'), 'oom_kill') : 0,
      pidsMaxHits: made.pids ? readKey(join(made.pids, 'pids.events'), 'max') : 0,
    }),
  );
}

/**
 * A cgroup for a sandbox's commands (memory and pids controllers where available), or undefined
 * when this machine does not let us create one. Limits are set per command with `update`.
 */
export function createCommandCgroup(name: string): CommandCgroup | undefined {
  if (process.platform !== 'linux') return undefined;
  return createV2(name) ?? createV1(name);
}

/** What cgroup support this machine offers, for `nova doctor`. */
export function probeCgroups(): { memory: boolean; pids: boolean; version?: 1 | 2 } {
  const cg = createCommandCgroup(`nova-${process.pid}-probe`);
  if (!cg) return { memory: false, pids: false };
  const r = { ...cg.controls, version: cg.version };
  void cg.destroy();
  return r;
}
