import { afterAll, expect, it } from 'vitest';
import type { CandidateStep } from '../../protocol/plan.js';
import { ciJobOf, selectCiJobs } from './ci-jobs.js';
import { unwrapPinnedPackageManager, type CiJob } from '../ci-extraction/common.js';
import { extractCi } from '../ci-extraction/extract.js';
import { cleanupFixtures, fixtureRepo } from '../documentation/fixture-repo.js';

afterAll(cleanupFixtures);

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
  // The job installs and tests with Python by itself: tox.ini's build of a wheel is an alternative too.
  expect(r.kept.map((c) => c.command)).toEqual(['uv sync --locked', 'uv run pytest']);
  expect(r.left).toHaveLength(4);
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

const dev = (file: string, stage: CandidateStep['stage'], command: string): CandidateStep =>
  ({ stage, command, source: { kind: 'ci', file, line: 1, detail: file.includes('Dockerfile') ? 'dockerfile:RUN' : 'devcontainer:postCreateCommand' }, confidence: 0.6, platform: 'any' });

it('a job that installs and tests a toolchain makes the development image and devcontainer steps for it alternatives, at any stage', () => {
  const r = selectCiJobs([
    s('.github/workflows/ci.yml', 'test', 'install', 'npm ci'),
    s('.github/workflows/ci.yml', 'test', 'test', 'npm test'),
    dev('.devcontainer/Dockerfile', 'system', 'corepack enable'),
    dev('.devcontainer/Dockerfile', 'system', 'apt-get update && apt-get install -y chromium'),
    dev('Dockerfile', 'build', 'npm install && npm run build'),
    dev('Dockerfile', 'run', 'npm start'),
    dev('Dockerfile', 'build', 'pip install -r docs/requirements.txt && mkdocs build'),
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['npm ci', 'npm test', 'apt-get update && apt-get install -y chromium', 'pip install -r docs/requirements.txt && mkdocs build']);
  expect(r.left.map((l) => l.candidate.command)).toEqual(['corepack enable', 'npm install && npm run build', 'npm start']);
  expect(r.left[0].why).toMatch(/already installs and tests/);
});

it('a job that tests without installing its toolchain leaves the Dockerfile its install and build', () => {
  const r = selectCiJobs([
    s('.github/workflows/ci.yml', 'test', 'test', 'npm test'),
    dev('Dockerfile', 'install', 'npm install'),
    dev('Dockerfile', 'build', 'npm run build'),
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['npm test', 'npm install', 'npm run build']);
});

it('CI jobs that only build still make a Dockerfile install for the same stage an alternative; one that only runs docker does not', () => {
  const built = selectCiJobs([s('.github/workflows/ci.yml', 'build', 'install', 'npm ci'), s('.github/workflows/ci.yml', 'build', 'build', 'npm run build'), dev('Dockerfile', 'install', 'npm install')]);
  expect(built.kept.map((c) => c.command)).toEqual(['npm ci', 'npm run build']);
  const docker = selectCiJobs([s('.github/workflows/ci.yml', 'image', 'build', 'docker build -t app .'), dev('Dockerfile', 'install', 'npm install'), dev('Dockerfile', 'build', 'npm run build')]);
  expect(docker.kept.map((c) => c.command)).toEqual(['docker build -t app .', 'npm install', 'npm run build']);
});

it('a job with steps only macOS or Windows can run loses to a Linux job that tests as well', () => {
  const mac = { ...s('.github/workflows/test-package-mac-brew.yml', 'brew', 'system', 'brew update'), platform: 'macos' as const };
  const r = selectCiJobs([
    mac,
    s('.github/workflows/test-package-mac-brew.yml', 'brew', 'test', 'make brew-test'),
    s('.github/workflows/tests.yml', 'test', 'test', 'make install\nmake test'),
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['make install\nmake test']);
});

it('one step that installs and then tests is a complete sequence: the Makefile targets for it are alternatives', () => {
  const r = selectCiJobs([
    s('.github/workflows/tests.yml', 'test', 'test', 'make install\nmake test'),
    { ...s('Makefile', undefined, 'build', 'make all'), source: { kind: 'ci', file: 'Makefile', line: 3, detail: 'makefile:all' } },
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['make install\nmake test']);
  expect(r.left[0].why).toMatch(/already installs and tests/);
});

it('a test runner that makes its own environment (uv run, tox) completes the sequence by itself', () => {
  const r = selectCiJobs([
    s('.github/workflows/tests.yaml', 'tests', 'test', 'uv run --locked tox run'),
    dev('.devcontainer/Dockerfile', 'install', 'pip install -e .'),
    dev('.devcontainer/Dockerfile', 'build', 'python -m build'),
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['uv run --locked tox run']);
});

const job = (key: string, info: Partial<CiJob> = {}): CiJob => ({ key, services: [], needs: [], ...info });

it('a job on a macOS runner loses to a Linux job, even when only the macOS job stages its step as a test', () => {
  const cands = [
    s('.github/workflows/build.yml', 'jvm', 'build', './gradlew build --stacktrace'),
    s('.github/workflows/build.yml', 'robovm', 'test', './gradlew robovm-test:robovmTest'),
  ];
  const r = selectCiJobs(cands, [job('.github/workflows/build.yml#jvm', { runner: 'linux' }), job('.github/workflows/build.yml#robovm', { runner: 'macos' })]);
  expect(r.kept.map((c) => c.command)).toEqual(['./gradlew build --stacktrace']);
});

it('the plain test job beats its variants: a longer name, a job waiting for it, services, dependency updates', () => {
  const wf = '.github/workflows/ci.yml';
  const r = selectCiJobs([
    s(wf, 'tests', 'install', 'composer install'),
    s(wf, 'tests', 'test', 'composer exec phpunit -- --exclude-group Elasticsearch'),
    s(wf, 'tests-es-7', 'system', 'sudo sysctl -w vm.max_map_count=262144'),
    s(wf, 'tests-es-7', 'build', 'curl -sL https://example.org/es.tar.gz | tar xz'),
    s(wf, 'tests-es-7', 'install', 'composer require --no-update --dev elasticsearch/elasticsearch:^7'),
    s(wf, 'tests-es-7', 'install', 'composer install'),
    s(wf, 'tests-es-7', 'test', 'composer exec phpunit -- --group Elasticsearch'),
  ], [job(`${wf}#tests`), job(`${wf}#tests-es-7`, { needs: [`${wf}#tests`], services: ['elasticsearch'] })]);
  expect(r.kept.map((c) => c.command)).toEqual(['composer install', 'composer exec phpunit -- --exclude-group Elasticsearch']);

  const updated = selectCiJobs([
    s(wf, 'test', 'install', 'npm ci'),
    s(wf, 'test', 'test', 'npm test'),
    s(wf, 'test-with-updated-direct-dependencies', 'install', 'npm ci'),
    s(wf, 'test-with-updated-direct-dependencies', 'build', 'npm update cliui yargs-parser'),
    s(wf, 'test-with-updated-direct-dependencies', 'test', 'npm test'),
  ]);
  expect(updated.left.map((l) => l.candidate.command)).toEqual(['npm ci', 'npm update cliui yargs-parser', 'npm test']);
  expect(updated.left[0].why).toMatch(/main one \(test\)/);

  // Waiting for a lint job does not make the test job a follow-up of it.
  const afterLint = selectCiJobs([
    s(wf, 'lint', 'test', 'npm run lint'),
    s(wf, 'test', 'install', 'npm ci'),
    s(wf, 'test', 'test', 'npm test'),
    s(wf, 'e2e', 'install', 'npm ci'),
    s(wf, 'e2e', 'build', 'npm run build'),
    s(wf, 'e2e', 'test', 'npm run e2e'),
  ], [job(`${wf}#lint`), job(`${wf}#test`, { needs: [`${wf}#lint`] }), job(`${wf}#e2e`)]);
  expect(afterLint.kept.map((c) => c.command)).toEqual(['npm ci', 'npm test']);
});

it('a cross-compiling release build loses to a job that tests natively; a format-only job is no test job', () => {
  const wf = '.github/workflows/CICD.yml';
  const r = selectCiJobs([
    s(wf, 'ensure_cargo_fmt', 'test', 'cargo fmt -- --check'),
    s(wf, 'min_version', 'test', 'cargo test --locked'),
    s(wf, 'build', 'install', 'sudo apt-get -y install gcc-aarch64-linux-gnu'),
    s(wf, 'build', 'build', 'cross build --locked --release --target=aarch64-unknown-linux-gnu'),
    s(wf, 'build', 'test', 'cross test --locked --target=aarch64-unknown-linux-gnu'),
    s(wf, 'build', 'build', 'fakeroot dpkg-deb --build "${DPKG_DIR}" "${DPKG_PATH}"'),
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['cargo test --locked']);
});

it('Travis phases (install, script) are one job: its install is not "another CI job"', () => {
  const travis = (phase: string, stage: CandidateStep['stage'], command: string): CandidateStep =>
    ({ stage, command, source: { kind: 'ci', file: '.travis.yml', line: 1, detail: `travis:${phase}` }, confidence: 0.8, platform: 'any' });
  const r = selectCiJobs([travis('install', 'install', 'npm install'), travis('script', 'test', 'npm run lint'), travis('script', 'test', 'npm test')]);
  expect(r.kept.map((c) => c.command)).toEqual(['npm install', 'npm run lint', 'npm test']);
  expect(ciJobOf(r.kept[0])).toBe(ciJobOf(r.kept[2]));
});

it('a package manager pinned through npx (`npx npm@7 ci`) installs: a Dockerfile install is then an alternative, not the install step', () => {
  const wf = '.github/workflows/node.js.yml';
  const fs = fixtureRepo({
    'package.json': '{"name":"srv","scripts":{"test":"tap test"}}',
    'Dockerfile': 'FROM node:16-alpine\nCOPY package.json package-lock.json ./\nRUN npm install --production\n',
    [wf]: 'on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npx npm@7 ci\n      - run: npm test\n',
  });
  const { candidates } = extractCi(fs);
  expect(candidates.find((c) => c.command === 'npx npm@7 ci')?.stage).toBe('install');
  const r = selectCiJobs(candidates);
  expect(r.kept.map((c) => c.command)).toEqual(['npx npm@7 ci', 'npm test']);
  expect(r.left.map((l) => l.candidate.command)).toEqual(['npm install --production']);
  expect(unwrapPinnedPackageManager('npx -y pnpm@8.15.0 install --frozen-lockfile')).toBe('pnpm install --frozen-lockfile');
  expect(unwrapPinnedPackageManager('npx prettier@3 --check .')).toBe('npx prettier@3 --check .');
});

it('an explicit native target (x86_64-unknown-linux-gnu) is no cross build', () => {
  const wf = '.github/workflows/ci.yml';
  const r = selectCiJobs([
    s(wf, 'arm', 'test', 'cargo test --target aarch64-unknown-linux-gnu'),
    s(wf, 'native', 'test', 'cargo test --target x86_64-unknown-linux-gnu'),
  ]);
  expect(r.kept.map((c) => c.command)).toEqual(['cargo test --target x86_64-unknown-linux-gnu']);
});

it('of two jobs running the same tests, the one with extra environment settings is the variant', () => {
  const wf = '.github/workflows/ci.yml';
  const withEnv = (job: string, stage: CandidateStep['stage'], command: string, env?: Record<string, string>): CandidateStep => ({ ...s(wf, job, stage, command), ...(env ? { env } : {}) });
  const r = selectCiJobs([
    withEnv('mysql', 'install', 'bundle install', { DB: 'mysql' }),
    withEnv('mysql', 'test', 'bundle exec rake test', { DB: 'mysql' }),
    withEnv('sqlite', 'install', 'bundle install'),
    withEnv('sqlite', 'test', 'bundle exec rake test'),
  ]);
  expect(r.kept.map((c) => `${c.command} ${JSON.stringify(c.env ?? {})}`)).toEqual(['bundle install {}', 'bundle exec rake test {}']);

  // A variable set to nothing is no setting; uninstalling packages makes the variant.
  const empty = selectCiJobs([
    withEnv('build', 'install', 'make', { PYO3_FLAG: '' }),
    withEnv('build', 'test', 'make ci'),
    withEnv('no_chardet', 'install', 'make\npython -m pip uninstall -y chardet'),
    withEnv('no_chardet', 'test', 'make ci'),
  ]);
  expect(empty.kept.map((c) => c.command)).toEqual(['make', 'make ci']);

  // A macOS job running the same tests with fewer settings is no plain version of the Linux job.
  const mac = selectCiJobs([
    withEnv('dist', 'build', './configure && make'),
    withEnv('dist', 'test', 'make distcheck'),
    withEnv('linux', 'build', './configure && make', { CC: 'x86_64-linux-gnu-gcc' }),
    withEnv('linux', 'test', 'make check', { CC: 'x86_64-linux-gnu-gcc' }),
    withEnv('macos', 'build', './configure && make'),
    withEnv('macos', 'test', 'make check'),
  ], [job(`${wf}#linux`, { runner: 'linux' }), job(`${wf}#macos`, { runner: 'macos' }), job(`${wf}#dist`, { runner: 'linux' })]);
  expect(mac.kept.map((c) => c.command)).toEqual(['./configure && make', 'make check']);
  expect(ciJobOf(mac.kept[0])).toBe(`${wf}#linux`);
});

it('static analysis and valgrind jobs are side jobs', () => {
  const r = selectCiJobs([
    s('.github/workflows/scanbuild.yml', 'scan-build', 'test', 'scan-build make check'),
    s('.github/workflows/valgrind.yml', 'linux', 'test', 'make check'),
    s('.github/workflows/tests.yml', 'tests', 'test', 'make check'),
  ]);
  expect(r.kept.map((c) => `${c.source.file} ${c.command}`)).toEqual(['.github/workflows/tests.yml make check']);
});

it('a job that tests the project at the top of the repository beats one that only tests a sub-package', () => {
  const wf = '.github/workflows/test.yml';
  const r = selectCiJobs([
    { ...s(wf, 'rack-protection', 'install', 'bundle install'), cwd: 'rack-protection' },
    { ...s(wf, 'rack-protection', 'test', 'bundle exec rake'), cwd: 'rack-protection' },
    s(wf, 'sinatra', 'install', 'bundle install'),
    s(wf, 'sinatra', 'test', 'bundle exec rake'),
  ]);
  expect(r.kept.map((c) => `${c.cwd ?? '.'} ${c.command}`)).toEqual(['. bundle install', '. bundle exec rake']);
});
