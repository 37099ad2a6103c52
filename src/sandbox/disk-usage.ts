/**
 * Bytes allocated on disk under some folders (like `du`), without following symlinks and with each
 * hard-linked inode counted once. Stops early once `stopAbove` is exceeded: the caller only needs
 * to know whether a budget was broken.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function diskUsage(roots: string[], stopAbove = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length && total <= stopAbove) {
    const p = stack.pop()!;
    let st;
    try {
      st = await lstat(p);
    } catch {
      continue;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += st.blocks * 512;
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = await readdir(p);
      } catch {
        continue;
      }
      for (const n of names) stack.push(join(p, n));
    }
  }
  return total;
}
