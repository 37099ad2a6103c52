/**
 * Removes the folders of deleted runs under NOVA_HOME/runs. Only a direct entry of that folder
 * named exactly like a run id is touched; symbolic links are never followed (a link is removed
 * as a link, its target stays); NOVA_HOME/runs itself being a link makes nothing removable.
 */
import { chmodSync, lstatSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** What a run id can look like (ulids, test ids): never a path separator, never `.` or `..`. */
const RUN_ID = /^[A-Za-z0-9_-]{1,100}$/;

export interface FolderRemoval {
  /** Folders (or stray links) removed. */
  removed: number;
  bytesFreed: number;
  /** Run ids whose folder could not be removed, with why. */
  failed: { runId: string; reason: string }[];
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Sums the bytes of a folder without following links, and makes its folders writable by their
 * owner on the way (Go's module cache and some build tools leave read-only folders, whose
 * entries could not otherwise be deleted).
 */
function measureAndUnlock(root: string): number {
  let bytes = 0;
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    const st = lstatSync(dir);
    if ((st.mode & 0o700) !== 0o700) chmodSync(dir, st.mode | 0o700);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else bytes += lstatSync(p).size;
    }
  }
  return bytes;
}

/** Removes NOVA_HOME/runs/<id> for each id. Returns per-id failures instead of throwing for them. */
export function removeRunFolders(home: string, runIds: string[]): FolderRemoval {
  const out: FolderRemoval = { removed: 0, bytesFreed: 0, failed: [] };
  const runsDir = join(home, 'runs');
  const top = lstatOrNull(runsDir);
  if (!top) return out;
  if (!top.isDirectory()) {
    // a link (or file) in place of NOVA_HOME/runs: what it points at is not ours to delete
    for (const runId of runIds) out.failed.push({ runId, reason: `${runsDir} is not a folder (a symbolic link?): nothing removed there` });
    return out;
  }
  for (const runId of runIds) {
    if (!RUN_ID.test(runId)) {
      out.failed.push({ runId, reason: 'not a run id that names a folder' });
      continue;
    }
    const p = join(runsDir, runId);
    try {
      const st = lstatOrNull(p);
      if (!st) continue;
      if (st.isDirectory()) out.bytesFreed += measureAndUnlock(p);
      else out.bytesFreed += st.isSymbolicLink() ? 0 : st.size;
      // rm does not follow links, at the top or inside: a link is unlinked, its target stays
      rmSync(p, { recursive: true, force: true });
      out.removed++;
    } catch (e) {
      out.failed.push({ runId, reason: (e as Error).message });
    }
  }
  return out;
}
