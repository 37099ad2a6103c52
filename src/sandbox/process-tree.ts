/**
 * Linux process-tree helpers read from /proc: the descendants of a process (so a stop can reach
 * grandchildren that started their own sessions), and their resident memory (the memory guard
 * used when no cgroup can be created).
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcEntry {
  pid: number;
  ppid: number;
  rssPages: number;
}

function readProc(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(after[1]), rssPages: Number(after[21]) };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    if (n.charCodeAt(0) < 48 || n.charCodeAt(0) > 57) continue;
    const e = readProc(Number(n));
    if (e) out.push(e);
  }
  return out;
}

/** All descendants of `root` (not including it), parents before children. */
export function descendants(root: number): ProcEntry[] {
  const all = allProcesses();
  const children = new Map<number, ProcEntry[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: ProcEntry[] = [];
  const queue = [root];
  const seen = new Set<number>([root]);
  while (queue.length) {
    const pid = queue.shift()!;
    for (const c of children.get(pid) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

const PAGE = 4096;

/** Resident memory of a process and all its descendants, in bytes. */
export function treeRssBytes(root: number): { bytes: number; count: number } {
  const self = readProc(root);
  const desc = descendants(root);
  const pages = desc.reduce((sum, p) => sum + (p.rssPages || 0), self?.rssPages ?? 0);
  return { bytes: pages * PAGE, count: desc.length + (self ? 1 : 0) };
}

export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
