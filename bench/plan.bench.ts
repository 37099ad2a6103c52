/**
 * Planning latency. For every fixture repository: the median of warm `planRepository` runs
 * (probes of this machine included, memoised as in a long-running process) against a baseline
 * of a plain directory walk of the same tree. Then a generated repository of 20,000 files,
 * planned in a fresh child process (cold: parsers loaded, nothing memoised) for time and peak
 * memory, against a child that only walks the tree. Run alone: `npx tsx bench/plan.bench.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planRepository } from '../src/agents/planner/build-plan.js';
import { buildFixtures, generatedRepository, writeFixture } from '../test/fixtures/build.js';
import { ALL_FIXTURES } from '../test/fixtures/repos.js';

const RUNS = 15;
const GENERATED_FILES = 20_000;

/** A walk that reads every folder, as `find` would: the least any planner must do. */
function plainWalk(root: string): number {
  let n = 0;
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== '.git') stack.push(join(dir, e.name));
      else if (e.isFile()) n++;
    }
  }
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function child(mode: string, root: string): Promise<void> {
  const t = performance.now();
  if (mode === 'plan') await planRepository(root, { probe: true });
  else plainWalk(root);
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3], process.argv[4]);

  const fx = buildFixtures(ALL_FIXTURES);
  const rows: { name: string; plan: number; walk: number }[] = [];
  try {
    for (const f of ALL_FIXTURES) {
      const root = fx.byName.get(f.name)!;
      await planRepository(root, { probe: true }); // warm-up: parsers loaded, probes memoised
      const planMs: number[] = [];
      const walkMs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let t = performance.now();
        await planRepository(root, { probe: true });
        planMs.push(performance.now() - t);
        t = performance.now();
        plainWalk(root);
        walkMs.push(performance.now() - t);
      }
      rows.push({ name: f.name, plan: median(planMs), walk: median(walkMs) });
    }
  } finally {
    fx.cleanup();
  }
  console.log(`Plan latency per fixture repository (median of ${RUNS} warm runs)\n`);
  console.log('| fixture | plan (ms) | baseline walk (ms) | × walk |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.plan.toFixed(1)} | ${r.walk.toFixed(2)} | ${(r.plan / r.walk).toFixed(0)} |`);
  const med = median(rows.map((r) => r.plan));
  const worst = rows.reduce((a, b) => (b.plan > a.plan ? b : a));
  console.log(`\nmedian over fixtures: ${med.toFixed(1)} ms (target ≤ 100 ms) — slowest: ${worst.name} ${worst.plan.toFixed(1)} ms`);

  const base = mkdtempSync(join(tmpdir(), 'nova-bench-big-'));
  try {
    const root = join(base, 'repo');
    mkdirSync(root);
    const spec = generatedRepository(GENERATED_FILES);
    writeFixture(spec, root);
    const self = fileURLToPath(import.meta.url);
    const run = (mode: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, root], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssMb: number };
    };
    const plan = [run('plan'), run('plan'), run('plan')];
    const walk = [run('walk'), run('walk'), run('walk')];
    const p = median(plan.map((x) => x.ms));
    const w = median(walk.map((x) => x.ms));
    const pm = Math.max(...plan.map((x) => x.maxRssMb));
    const wm = Math.max(...walk.map((x) => x.maxRssMb));
    console.log(`\nGenerated repository: ${Object.keys(spec.files).length} files (node workspace, ${Math.ceil(GENERATED_FILES / 200)} packages), fresh process each run, median of 3\n`);
    console.log('| run | time (ms) | peak RSS (MB) |');
    console.log('|---|---:|---:|');
    console.log(`| baseline: plain walk | ${w.toFixed(0)} | ${wm.toFixed(0)} |`);
    console.log(`| nova plan (cold process) | ${p.toFixed(0)} | ${pm.toFixed(0)} |`);
    console.log(`\n× walk: time ${(p / w).toFixed(1)}, peak memory +${(pm - wm).toFixed(0)} MB (targets: ≤ 2000 ms, ≤ 200 MB)`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
