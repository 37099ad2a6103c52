/**
 * Checks an ExecRequest before any backend acts on it, so malformed input (a NUL byte in a
 * command, an environment name with `=`, a negative limit) is a clear NovaError rather than a
 * crash deep inside child_process or bwrap.
 */
import { NovaError } from '../errors.js';
import type { ExecRequest } from './sandbox.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkRequest(req: ExecRequest): void {
  if (typeof req.command !== 'string' || req.command.trim() === '') {
    throw new NovaError('BAD_INPUT', 'the command to run is empty', { hint: 'Give the shell command text of the step.' });
  }
  if (req.command.includes('\0')) {
    throw new NovaError('BAD_INPUT', 'the command contains a NUL byte', { hint: 'Shell commands are text; remove the NUL byte.' });
  }
  for (const [k, v] of Object.entries(req.env ?? {})) {
    if (!ENV_NAME.test(k)) throw new NovaError('BAD_INPUT', `environment variable name "${k}" is not valid`, { hint: 'Names are letters, digits and _, not starting with a digit.' });
    if (typeof v !== 'string' || v.includes('\0')) throw new NovaError('BAD_INPUT', `environment variable ${k} has a value that is not text or contains a NUL byte`, { hint: 'Give environment values as plain strings.' });
  }
  for (const p of req.pathPrepend ?? []) {
    if (p.includes(':') || p.includes('\0')) throw new NovaError('BAD_INPUT', `PATH entry "${p}" contains ':' or a NUL byte`, { hint: 'Give one folder per pathPrepend entry.' });
  }
  const l = req.limits;
  if (!l || !(Number.isFinite(l.timeoutMs) && l.timeoutMs > 0)) {
    throw new NovaError('BAD_INPUT', `the command timeout must be a positive number of milliseconds (got ${String(l?.timeoutMs)})`, { hint: 'Set limits.timeoutMs, e.g. 600000 for ten minutes.' });
  }
  for (const key of ['memoryBytes', 'cpuSeconds', 'maxProcesses', 'maxFileBytes', 'maxDiskBytes', 'killGraceMs'] as const) {
    const v = l[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
      throw new NovaError('BAD_INPUT', `limits.${key} must be a positive integer (got ${String(v)})`, { hint: `Leave limits.${key} unset for no limit, or give a positive whole number.` });
    }
  }
}
