import { expect, it } from 'vitest';
import type { CandidateStep } from '../../protocol/plan.js';
import { ciJobOf, selectCiJobs } from './ci-jobs.js';

const s = (file: string, job: string | undefined, stage: CandidateStep['stage'], command: string): CandidateStep => ({
  stage, command, source: { kind: 'ci', file, line: 1, ...(job ? { detail: `github-actions:${job}/step` } : { detail: 'tox' }) }, confidence: 0.9, platform: 'any',
});

it('keeps the job that tests, drops lint/docs/regression jobs and task-file duplicates of its stages', () => {
  const cands = [
    s('.github/workflows/lint.yml', 'lint', 'test', 'pre-commit run --all-files'),
    s('.github/workflows/test.yml', 'test', 'install', 'uv sync --locked'),
    s('.github/workflows/test.yml', 'test', 'test', 'uv run pytest'),
    s('.github/workflows/test.yml', 'regression-test', 'test', 'uv run pytest tests/regress'),
    s('tox.ini', undefined, 'test', 'pytest'),
    s('tox.ini', undefined, 'build', 'python -m build'),
  ];
  const r = selectCiJobs(cands);
  expect(r.kept.map((c) => c.command)).toEqual(['uv sync --locked', 'uv run pytest', 'python -m build']);
  expect(r.left).toHaveLength(3);
  expect(ciJobOf(cands[0])).toBe('.github/workflows/lint.yml#lint');
});

it('keeps one job per toolchain the tests use (a backend and a frontend job)', () => {
  const r = selectCiJobs([
    s('.github/workflows/ci.yml', 'backend', 'test', 'go test ./...'),
    s('.github/workflows/ci.yml', 'frontend', 'install', 'npm ci'),
    s('.github/workflows/ci.yml', 'frontend', 'test', 'npm test'),
    s('.github/workflows/ci.yml', 'docs', 'build', 'mkdocs build'),
  ]);
  expect(r.kept.map((c) => c.command).sort()).toEqual(['go test ./...', 'npm ci', 'npm test']);
});

it('without a job that tests, nothing is chosen away', () => {
  const cands = [s('a.yml', 'build', 'build', 'make'), s('b.yml', 'docs', 'build', 'mkdocs build')];
  expect(selectCiJobs(cands).kept).toHaveLength(2);
});

it('a single CI job is the main job: a devcontainer install for the same stage is left out', () => {
  const r = selectCiJobs([
    s('.github/workflows/main.yml', 'tests', 'install', 'pnpm install --frozen-lockfile'),
    s('.github/workflows/main.yml', 'tests', 'test', 'pnpm test'),
    s('.devcontainer/devcontainer.json', undefined, 'install', 'corepack install && pnpm install --frozen-lockfile'),
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['pnpm install --frozen-lockfile', 'pnpm test']);
  expect(r.left.map((l) => l.candidate.command)).toEqual(['corepack install && pnpm install --frozen-lockfile']);
});
