/**
 * Command validation speed: parsing with mvdan/sh (GopherJS, synchronous) and the full
 * validation (walk + rules + suggestions + environment checks) over the security corpus, and a
 * plan of 40 steps through validateSteps. Baselines measured in the same run: the bare parse
 * (what any validator must pay) and `sh-syntax` (the same parser as WASM, asynchronous, one
 * instance per call), the alternative we did not choose. Run alone: `npx tsx bench/validation.bench.ts`.
 */
import { parse as shSyntaxParse } from 'sh-syntax';
import { dangerousCorpus, ordinaryCorpus } from '../src/agents/command-validation/corpus/corpus.js';
import { initValidator, validateCommand, validateSteps } from '../src/agents/command-validation/index.js';
import { parseShell } from '../src/agents/command-validation/parser.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const ctx = { workspace: '/work/repo', lockfiles: ['package-lock.json'], toolVersions: { node: '20.11.0', yarn: null }, constraints: { node: '>=18' } };

const t0 = performance.now();
await initValidator();
const loadMs = performance.now() - t0;

const commands = [...ordinaryCorpus(), ...dangerousCorpus().map((d) => d.command)];

function time(fn: () => void): number {
  fn(); // warm-up
  const t = performance.now();
  for (let r = 0; r < ROUNDS; r++) fn();
  return (performance.now() - t) / ROUNDS;
}

const parseMs = time(() => { for (const c of commands) parseShell(c); });
const validateMs = time(() => { for (const c of commands) validateCommand(c, ctx); });

const plan = commands.filter((_c, i) => i % 8 === 0).slice(0, 40).map((command) => ({ command }));
const planMs = time(() => { validateSteps(plan, ctx); });

const SH_SYNTAX_N = 60;
const shSample = commands.slice(0, SH_SYNTAX_N);
await shSyntaxParse('true');
let t = performance.now();
for (const c of shSample) { try { await shSyntaxParse(c); } catch { /* parse errors count as work done */ } }
const shSyntaxMs = (performance.now() - t) / shSample.length;

const perCmd = (ms: number) => ms / commands.length;
const rows: [string, number, number][] = [
  ['baseline: mvdan-sh parse only', commands.length, perCmd(parseMs)],
  ['validateCommand (parse + walk + rules)', commands.length, perCmd(validateMs)],
  [`validateSteps, plan of ${plan.length} steps (per step)`, plan.length, planMs / plan.length],
  ['sh-syntax parse (WASM, async, not used)', shSample.length, shSyntaxMs],
];
const base = perCmd(parseMs);
console.log(`parser load + operator calibration: ${loadMs.toFixed(1)} ms (once per process)`);
console.log(`commands: ${commands.length} (security corpus), ${ROUNDS} rounds\n`);
console.log('| run | commands | µs/command | commands/s | × baseline |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, n, ms] of rows) {
  console.log(`| ${name} | ${n} | ${(ms * 1000).toFixed(1)} | ${Math.round(1000 / ms).toLocaleString('en-US')} | ${(ms / base).toFixed(2)} |`);
}
console.log(`\nplan of ${plan.length} steps: ${planMs.toFixed(2)} ms`);
