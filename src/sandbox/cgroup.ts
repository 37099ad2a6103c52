/**
 * Per-command control groups for memory and process-count limits. RLIMIT_NPROC does not bind root
 * and RLIMIT_AS breaks Node (WebAssembly reserves ~10 GiB of address space), so a cgroup is the
 * accurate tool when the machine lets us create one: cgroup v2 where our own cgroup is delegated
 * (memory.max, pids.max), or the v1 `memory` and `pids` hierarchies when they are writable (root).
 * When neither works, callers fall back to rlimits and a /proc memory watch.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
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
  readonly controls: { memory: boolean; pids: boolean };
  usage(): CgroupUsage;
  pids(): number[];
  destroy(): void;
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

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Processes still exiting; the kernel frees an empty group's memory anyway.
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

function createV2(name: string, limits: CgroupLimits): CommandCgroup | undefined {
  const base = '/sys/fs/cgroup';
  if (!existsSync(join(base, 'cgroup.controllers'))) return undefined;
  const own = ownPath('');
  if (own === undefined) return undefined;
  const dir = join(base, own, name);
  if (!makeDir(dir)) return undefined;
  const memory = limits.memoryBytes !== undefined && existsSync(join(dir, 'memory.max')) && write(join(dir, 'memory.max'), String(limits.memoryBytes));
  if (memory) write(join(dir, 'memory.swap.max'), '0');
  const pids = limits.maxProcesses !== undefined && existsSync(join(dir, 'pids.max')) && write(join(dir, 'pids.max'), String(limits.maxProcesses));
  if (!memory && !pids) {
    tryRmdir(dir);
    return undefined;
  }
  return {
    version: 2,
    procsFiles: [join(dir, 'cgroup.procs')],
    controls: { memory, pids },
    usage: () => ({ oomKills: readKey(join(dir, 'memory.events'), 'oom_kill'), pidsMaxHits: readKey(join(dir, 'pids.events'), 'max') }),
    pids: () => readPids(join(dir, 'cgroup.procs')),
    destroy() {
      if (existsSync(join(dir, 'cgroup.kill'))) write(join(dir, 'cgroup.kill'), '1');
      tryRmdir(dir);
    },
  };
}

function createV1(name: string, limits: CgroupLimits): CommandCgroup | undefined {
  const dirs: string[] = [];
  let memoryDir: string | undefined;
  let pidsDir: string | undefined;
  if (limits.memoryBytes !== undefined) {
    const own = ownPath('memory');
    const dir = own === undefined ? undefined : join('/sys/fs/cgroup/memory', own, name);
    if (dir && makeDir(dir)) {
      if (write(join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes))) {
        write(join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
        memoryDir = dir;
        dirs.push(dir);
      } else tryRmdir(dir);
    }
  }
  if (limits.maxProcesses !== undefined) {
    const own = ownPath('pids');
    const dir = own === undefined ? undefined : join('/sys/fs/cgroup/pids', own, name);
    if (dir && makeDir(dir)) {
      if (write(join(dir, 'pids.max'), String(limits.maxProcesses))) {
        pidsDir = dir;
        dirs.push(dir);
      } else tryRmdir(dir);
    }
  }
  if (dirs.length === 0) return undefined;
  return {
    version: 1,
    procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
    controls: { memory: !!memoryDir, pids: !!pidsDir },
    usage: () => ({
      oomKills: memoryDir ? readKey(join(memoryDir, 'memory.oom_control'), 'oom_kill') : 0,
      pidsMaxHits: pidsDir ? readKey(join(pidsDir, 'pids.events'), 'max') : 0,
    }),
    pids: () => [...new Set(dirs.flatMap((d) => readPids(join(d, 'cgroup.procs'))))],
    destroy() {
      for (const d of dirs) tryRmdir(d);
    },
  };
}

/** A fresh cgroup with the limits applied, or undefined when this machine does not allow one. */
export function createCommandCgroup(name: string, limits: CgroupLimits): CommandCgroup | undefined {
  if (process.platform !== 'linux') return undefined;
  if (limits.memoryBytes === undefined && limits.maxProcesses === undefined) return undefined;
  return createV2(name, limits) ?? createV1(name, limits);
}

/** What cgroup support this machine offers, for `nova doctor`. */
export function probeCgroups(): { memory: boolean; pids: boolean; version?: 1 | 2 } {
  const cg = createCommandCgroup(`nova-probe-${process.pid}`, { memoryBytes: 1 << 30, maxProcesses: 4096 });
  if (!cg) return { memory: false, pids: false };
  const r = { ...cg.controls, version: cg.version };
  cg.destroy();
  return r;
}
