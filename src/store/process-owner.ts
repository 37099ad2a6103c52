/**
 * Who is doing a piece of work, recorded as `host:pid[:suffix]` on the rows of work in progress
 * (workflow runs, install runs), so that another process can tell whether the owner is still
 * there. Only an owner on this host can be checked; one elsewhere is assumed alive.
 */
import { hostname } from 'node:os';

/** `host:pid` of this process. */
export function processOwner(): string {
  return `${hostname()}:${process.pid}`;
}

/** Whether the owner recorded on a row is a process on this host that no longer exists. */
export function ownerIsGone(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
