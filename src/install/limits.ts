/**
 * Resource limits of each sandboxed install step, with defaults generous enough for real projects
 * (large monorepos, native builds) yet bounded, and the parsing of the CLI's size flags.
 */
import { z } from 'zod';
import type { SandboxLimits } from '../sandbox/sandbox.js';
import { NovaError } from '../errors.js';

/** The limits a caller may set (everything but the timeout, which has its own option). */
export const InstallLimits = z.object({
  memoryBytes: z.number().int().positive().optional(),
  maxProcesses: z.number().int().positive().optional(),
  maxFileBytes: z.number().int().positive().optional(),
  maxDiskBytes: z.number().int().positive().optional(),
  cpuSeconds: z.number().int().positive().optional(),
}).strict();
export type InstallLimits = z.infer<typeof InstallLimits>;

const GiB = 1024 ** 3;

export const DEFAULT_INSTALL_LIMITS: Required<Omit<InstallLimits, 'cpuSeconds'>> = {
  memoryBytes: 8 * GiB,
  maxProcesses: 4096,
  maxFileBytes: 4 * GiB,
  // Without it a step could fill the host's disk with many files, each under the file-size limit.
  maxDiskBytes: 20 * GiB,
};

export function stepLimits(timeoutMs: number, given: InstallLimits = {}): SandboxLimits {
  return { timeoutMs, ...DEFAULT_INSTALL_LIMITS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: GiB, gb: GiB, gib: GiB, t: 1024 * GiB, tb: 1024 * GiB, tib: 1024 * GiB };

/** "512m", "2G", "1.5GiB", "1048576" → bytes. */
export function parseByteSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 * 1024 || bytes > 1024 ** 5) {
    throw new NovaError('BAD_INPUT', `${what} "${text}" is not a size between 1 MiB and 1 PiB`, { hint: 'Give a number with an optional unit, e.g. 512m, 2g, 100MiB.' });
  }
  return bytes;
}
