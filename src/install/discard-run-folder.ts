/**
 * Removing a finished run's folder — the workspace with its node_modules and the run's home with
 * the package managers' caches, tens of thousands of files for a mid-sized project (≈ 4.5 s for a
 * jest project on a busy 2-core machine) — is not something the user should wait for. The folder
 * is renamed into NOVA_HOME/trash at once, so it is gone from runs/ when the command returns, and
 * deleted by a detached `rm -rf` that outlives the CLI. What a crashed machine left in the trash
 * goes with a later run's discard.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Entries older than this in the trash were left behind (not being deleted by another run). */
const LEFTOVER_MS = 10 * 60_000;

export function discardRunFolder(home: string, runDir: string): void {
  const trash = join(home, 'trash');
  const target = join(trash, `${basename(runDir)}.${process.pid}`);
  try {
    mkdirSync(trash, { recursive: true, mode: 0o700 });
    // A link (or file) in place of the trash folder: what it points at is not ours to delete.
    if (!lstatSync(trash).isDirectory()) throw new Error(`${trash} is not a folder`);
    renameSync(runDir, target);
  } catch {
    rmSync(runDir, { recursive: true, force: true });
    return;
  }
  const doomed = [target];
  for (const name of readdirSync(trash)) {
    const p = join(trash, name);
    try {
      if (p !== target && Date.now() - lstatSync(p).ctimeMs > LEFTOVER_MS) doomed.push(p);
    } catch {
      // already gone
    }
  }
  const removeNow = () => {
    for (const p of doomed) rmSync(p, { recursive: true, force: true });
  };
  try {
    // `rm` does not follow symbolic links inside the tree, like rmSync.
    const child = spawn('rm', ['-rf', '--', ...doomed], { detached: true, stdio: 'ignore' });
    child.once('error', removeNow); // no `rm` here: delete in this process after all
    child.unref();
  } catch {
    removeNow();
  }
}
