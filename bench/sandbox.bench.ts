/**
 * Per-command overhead of the sandboxes, in one run, on the same small commands:
 *   baseline  `bash -c <cmd>` spawned directly (child_process, nothing else)
 *   none      NoneSandbox.exec (prlimit, capture, watches; no isolation)
 *   bwrap     BwrapSandbox.exec with the usual limits (namespaces, cgroup when allowed, uid drop as root)
 *   bwrap -cg the same without cgroups (rlimits and the /proc memory watch)
 * Commands: N× `true` and M× `node -e 0`. Figures are the median per command over the rounds.
 * Run alone: `npx tsx bench/sandbox.bench.ts [N] [M]`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { prepareWorkspace } from '../src/sandbox/workspace.js';
import { BwrapSandbox, findBwrap } from '../src/sandbox/bwrap/bwrap-sandbox.js';
import { NoneSandbox } from '../src/sandbox/none/none-sandbox.js';
import type { Sandbox, SandboxLimits } from '../src/sandbox/sandbox.js';
import { sandboxEnv } from '../src/sandbox/env.js';

const N = Number(process.argv[2] ?? 50);
const M = Number(process.argv[3] ?? 10);
const limits: SandboxLimits = { timeoutMs: 60_000, memoryBytes: 2 * 1024 ** 3, maxProcesses: 512, maxFileBytes: 1024 ** 3, maxDiskBytes: 10 * 1024 ** 3 };

/** The baseline gets the same small environment the sandboxes give (a big CA bundle in
 * NODE_EXTRA_CA_CERTS alone makes every node start slower). */
function direct(cmd: string, cwd: string, home: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('bash', ['-c', cmd], { cwd, env: sandboxEnv({ home, tmp: '/tmp' }), stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.resume();
    c.stderr.resume();
    c.once('error', reject);
    c.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(run: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function main(): Promise<void> {
  const bwrapPath = findBwrap();
  if (!bwrapPath) throw new Error('bubblewrap is not installed (apt-get install bubblewrap)');
  const dir = mkdtempSync(join(tmpdir(), 'nova-sandbox-bench-'));
  try {
    mkdirSync(join(dir, 'repo'));
    const mk = (name: string) => prepareWorkspace(join(dir, 'repo'), join(dir, name));
    const bw = new BwrapSandbox({ ...mk('bwrap'), bwrapPath });
    const backends: [string, Sandbox, boolean][] = [
      ['none', new NoneSandbox(mk('none')), false],
      ['bwrap', bw, false],
      ['bwrap, no cgroup', new BwrapSandbox({ ...mk('bwrap-nocg'), bwrapPath, useCgroups: false }), false],
      [`bwrap, network on (${bw.networkIsolation === 'slirp4netns' ? 'slirp4netns' : 'host network'})`, bw, true],
    ];
    const ws = join(dir, 'none', 'workspace');
    const rows: { cmd: string; run: string; ms: number; ratio: number }[] = [];
    const home = join(dir, 'none', 'home');
    for (const [cmd, times] of [['true', N], ['node -e 0', M]] as const) {
      const runs: [string, () => Promise<void>][] = [
        ['baseline: bash -c', () => direct(cmd, ws, home)],
        ...backends.map(([name, sb, network]): [string, () => Promise<void>] => [
          name,
          async () => {
            const r = await sb.exec({ command: cmd, limits, network });
            if (r.exitCode !== 0) throw new Error(`${name}: ${cmd} failed: ${r.output}`);
          },
        ]),
      ];
      // Warm-up, then the runs interleaved so load changes on the shared machine hit all alike.
      for (const [, run] of runs) await run();
      const samples = new Map<string, number[]>(runs.map(([n]) => [n, []]));
      for (let i = 0; i < times; i++) for (const [n, run] of runs) samples.get(n)!.push(await timed(run));
      const base = median(samples.get('baseline: bash -c')!);
      for (const [n] of runs) {
        const ms = median(samples.get(n)!);
        rows.push({ cmd, run: n, ms, ratio: ms / base });
      }
    }
    for (const sb of new Set(backends.map(([, s]) => s))) await sb.dispose();
    console.log(`load average ${loadavg()[0].toFixed(1)}, uid ${process.getuid?.()}, ${N}× true, ${M}× node -e 0 (median per command)\n`);
    console.log('| command | run | ms per command | × baseline | overhead (ms) |');
    console.log('|---|---|---:|---:|---:|');
    for (const r of rows) {
      const base = rows.find((x) => x.cmd === r.cmd && x.ratio === 1)!.ms;
      console.log(`| \`${r.cmd}\` | ${r.run} | ${r.ms.toFixed(1)} | ${r.ratio.toFixed(2)} | ${(r.ms - base).toFixed(1)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
