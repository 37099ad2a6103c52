import { afterAll, describe, expect, it } from 'vitest';
import { extractDocs } from './extract.js';
import { extractCi } from '../ci-extraction/extract.js';
import { cleanupFixtures, fixtureRepo } from './fixture-repo.js';
import { CandidateStep } from '../../protocol/plan.js';

afterAll(cleanupFixtures);

/** Deterministic pseudo-random generator, so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = [
  '```', '```bash', '```console', '~~~', '$ ', '> ', '# ', '\\', '<<EOF', 'EOF', '.. code-block:: bash', '::', '    ', '\t', '----', '[source,bash]',
  'npm ci', 'make test', 'pip install -e .', '<your-token>', '${{ matrix.x }}', '"', "'", '`', '(', ')', '[', ']', '{', '}', '=', '\n', '\n\n', '## Install',
  'Windows', 'PS C:\\> ', 'user@host:~$ ', '%', '&&', '|', ';', 'cd ..', 'git clone x', '- item', '1. step', '\u0000', '\uFFFD', 'ü', '\r\n',
];

function randomDoc(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)] + (r() < 0.3 ? ' ' : '');
  return s.replace(/\u0000/g, ''); // NUL would make RepoFs treat the file as binary
}

describe('robustness on garbage input', () => {
  it('never throws on random documents and CI files, and every candidate is schema-valid', () => {
    const r = rng(42);
    for (let k = 0; k < 15; k++) {
      const fs = fixtureRepo({
        'README.md': randomDoc(r, 300),
        'README.rst': randomDoc(r, 200),
        'INSTALL': randomDoc(r, 200),
        'docs/install.adoc': randomDoc(r, 200),
        '.github/workflows/ci.yml': `on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${randomDoc(r, 20).replace(/\n/g, ' ')}\n`,
        '.github/workflows/junk.yml': randomDoc(r, 100),
        '.gitlab-ci.yml': randomDoc(r, 80),
        Makefile: randomDoc(r, 100),
        Dockerfile: `FROM node:20\nRUN ${randomDoc(r, 40)}`,
        'tox.ini': `[testenv]\ncommands = ${randomDoc(r, 30)}`,
      });
      const docs = extractDocs(fs);
      const ci = extractCi(fs);
      for (const c of [...docs.candidates, ...ci.candidates]) expect(CandidateStep.safeParse(c).success, JSON.stringify(c)).toBe(true);
    }
  });

  it('stays fast on pathological lines (long runs of brackets, prompts and backslashes)', () => {
    const fence = '```';
    const fs = fixtureRepo({
      'README.md': `${fence}sh\n${'['.repeat(100_000)}your\n${'$ '.repeat(50_000)}\n${'a\\\n'.repeat(20_000)}\n${'<'.repeat(50_000)}\n${fence}\n`,
      '.github/workflows/ci.yml': `on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${'${{ '.repeat(20_000)}\n`,
    });
    const t0 = Date.now();
    extractDocs(fs);
    extractCi(fs);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
