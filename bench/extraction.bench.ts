/**
 * Documentation and CI extraction latency on generated repositories, against a baseline that only
 * reads the same files through RepoFs (the I/O floor). Median of warm runs per case; the first
 * (cold) call is reported separately because remark/micromark compile lazily.
 *
 *   npx tsx bench/extraction.bench.ts [runs=15]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { RepoFs } from '../src/repo/repo-fs.js';
import { extractDocs } from '../src/agents/documentation/extract.js';
import { extractCi } from '../src/agents/ci-extraction/extract.js';
import { tempDir } from '../src/testing/services.js';

const RUNS = Number(process.argv[2] ?? 15);
const fence = '```';

function readme(sections: number): string {
  let s = '# Project\n\nA library that does useful things. [![CI](https://x/badge.svg)](https://x)\n\n';
  for (let i = 0; i < sections; i++) {
    s += `## Section ${i}\n\nSome *prose* with [links](https://example.com/${i}) and \`inline code\`.\n\n- item one\n- item two\n\n`;
    s += i % 3 === 0 ? `### Installation\n\n${fence}console\n$ pip install -e ".[dev]"\nSuccessfully installed project\n$ pytest -q\n${fence}\n\n` : '';
    s += i % 5 === 0 ? `${fence}python\nimport project\nproject.run()\n${fence}\n\n` : '';
  }
  return s;
}

function workflow(i: number): string {
  return `name: CI ${i}
on: [push, pull_request]
jobs:
  test:
    runs-on: \${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest, macos-latest]
        python: ["3.9", "3.10", "3.11", "3.12"]
    services:
      db:
        image: postgres:16
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: \${{ matrix.python }}
      - name: Install
        run: |
          python -m pip install -U pip
          pip install -e ".[test]"
      - name: Test
        if: runner.os == 'Linux'
        run: pytest -x tests/part${i}
        env:
          TOKEN: \${{ secrets.TOKEN }}
`;
}

const CASES: { name: string; files: Record<string, string> }[] = [
  { name: 'small: README 1 KiB', files: { 'README.md': readme(2) } },
  {
    name: 'typical: README + CONTRIBUTING + workflow + Makefile + tox + Dockerfile',
    files: {
      'README.md': readme(40),
      'CONTRIBUTING.md': `# Contributing\n\n${fence}sh\nmake dev\nmake test\n${fence}\n`,
      '.github/workflows/ci.yml': workflow(0),
      Makefile: '.PHONY: dev test lint\ndev:\n\tpip install -e .[dev]\ntest:\n\tpytest\nlint:\n\truff check .\n',
      'tox.ini': '[tox]\nenvlist = py312\n\n[testenv]\ndeps = pytest\ncommands = pytest {posargs}\n',
      Dockerfile: 'FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc \\\n && rm -rf /var/lib/apt/lists/*\nWORKDIR /app\nCOPY . .\nRUN pip install -e .\nCMD ["python", "-m", "project"]\n',
    },
  },
  { name: 'long README 30 KiB (all through remark)', files: { 'README.md': readme(200) } },
  { name: 'huge README 1 MiB (512 KiB read, 32 KiB through remark)', files: { 'README.md': readme(3500) } },
  { name: 'reStructuredText README 20 KiB', files: { 'README.rst': Array.from({ length: 60 }, (_, i) => `Section ${i}\n${'-'.repeat(12)}\n\nText here::\n\n    pip install -r requirements.txt\n    pytest\n\n.. code-block:: bash\n\n   make build\n\n`).join('') } },
  { name: '40 workflows with matrices', files: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`.github/workflows/w${i}.yml`, workflow(i)])) },
];

function write(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** CPU time (user + system) of fn in ms: steadier than wall time on a shared, loaded machine. */
function cpu(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const dir = tempDir('nova-bench-extract-');
try {
  const rows: { name: string; cold: number; docs: number; ci: number; cpuMs: number; baseline: number; kb: number; commands: number }[] = [];
  let first = true;
  for (const c of CASES) {
    const root = join(dir.path, String(rows.length));
    mkdirSync(root);
    write(root, c.files);
    const fs = new RepoFs(root);
    const kb = Object.values(c.files).reduce((n, s) => n + Buffer.byteLength(s), 0) / 1024;
    // Baseline: read every file the extractors look at, nothing else.
    const baseline = () => { for (const rel of Object.keys(c.files)) fs.read(rel, 512 * 1024); };
    const cold = time(() => { extractDocs(fs); extractCi(fs); });
    const docs: number[] = [];
    const ci: number[] = [];
    const base: number[] = [];
    const cpus: number[] = [];
    let commands = 0;
    for (let r = 0; r < RUNS; r++) {
      base.push(time(baseline));
      docs.push(time(() => { commands = extractDocs(fs).candidates.length; }));
      ci.push(time(() => { commands += extractCi(fs).candidates.length; }));
      cpus.push(cpu(() => { extractDocs(fs); extractCi(fs); }));
    }
    rows.push({ name: first ? `${c.name} (first call in process)` : c.name, cold, docs: median(docs), ci: median(ci), cpuMs: median(cpus), baseline: median(base), kb, commands });
    first = false;
  }
  console.log(`extraction latency, median of ${RUNS} warm runs; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores\n`);
  console.log('| case | input KiB | commands | cold ms | docs ms | CI ms | CPU ms (docs+CI) | read-only baseline ms | × baseline |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const total = r.docs + r.ci;
    console.log(`| ${r.name} | ${r.kb.toFixed(0)} | ${r.commands} | ${r.cold.toFixed(1)} | ${r.docs.toFixed(2)} | ${r.ci.toFixed(2)} | ${r.cpuMs.toFixed(1)} | ${r.baseline.toFixed(3)} | ${(total / Math.max(r.baseline, 0.001)).toFixed(0)} |`);
  }
} finally {
  dir.cleanup();
}
