/**
 * Start `nova worker` child processes for the distributed test and benchmark, and wait until each
 * reports ready (its --json "ready" line).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TEST_PG_URL, TEST_REDIS_URL } from '../../src/testing/services.js';

export interface WorkerProc {
  proc: ChildProcess;
  name: string;
  /** CPU time the process had used when it became ready (startup, module loading). */
  readyCpuMs: number;
  exited: Promise<number | null>;
  stderr: string[];
  /** The --json "stopped" line, once the worker stopped gracefully. */
  stopped: Promise<{ processed: number; cpuMs: number } | undefined>;
}

/** A PostgreSQL URL whose connections use `schema` (child processes share the test's schema). */
export function schemaUrl(schema: string, base = TEST_PG_URL): string {
  return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export function workerEnv(schema: string, home: string): NodeJS.ProcessEnv {
  return { ...process.env, NOVA_DATABASE_URL: schemaUrl(schema), NOVA_REDIS_URL: TEST_REDIS_URL, NOVA_HOME: home, NOVA_CONFIG: '' };
}

export function startWorker(env: NodeJS.ProcessEnv, prefix: string, opts: { concurrency?: number; lockMs?: number; capabilities?: string[] } = {}): Promise<WorkerProc> {
  const args = ['bin/nova.js', 'worker', '--agents-module', 'test/distributed/effect-agent.ts', '--prefix', prefix,
    '--concurrency', String(opts.concurrency ?? 4), '--lock-ms', String(opts.lockMs ?? 2000), '--json',
    ...(opts.capabilities ? ['--capabilities', opts.capabilities.join(',')] : [])];
  const proc = spawn(process.execPath, args, { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (l) => { stderr.push(l); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let onStopped!: (v: { processed: number; cpuMs: number } | undefined) => void;
  const stopped = new Promise<{ processed: number; cpuMs: number } | undefined>((r) => { onStopped = r; });
  exited.then(() => onStopped(undefined));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not become ready: ${stderr.join('\n')}`)), 60_000);
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      let m: { event?: string; worker?: string; processed?: number; cpuMs?: number } = {};
      try { m = JSON.parse(l) as typeof m; } catch { return; }
      if (m.event === 'ready') { clearTimeout(timer); resolve({ proc, name: String(m.worker), readyCpuMs: Number(m.cpuMs ?? 0), exited, stderr, stopped }); }
      if (m.event === 'stopped') onStopped({ processed: Number(m.processed), cpuMs: Number(m.cpuMs) });
    });
    exited.then((code) => { clearTimeout(timer); reject(new Error(`worker exited with ${code} before ready: ${stderr.join('\n')}`)); });
  });
}
