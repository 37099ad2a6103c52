import { describe, expect, it } from 'vitest';
import type { CandidateStep } from '../../protocol/plan.js';
import { commandFamilies, commandIntent, normalizeCommand } from './normalize.js';
import { mergeCandidates, MIN_CONFIDENCE } from './merge.js';
import { versionSatisfies } from './prerequisites.js';

const c = (command: string, kind: CandidateStep['source']['kind'], stage: CandidateStep['stage'] = 'install', extra: Partial<CandidateStep> = {}): CandidateStep =>
  ({ stage, command, source: { kind, file: `${kind}.file`, line: 1 }, confidence: kind === 'ci' ? 0.9 : kind === 'docs' ? 0.7 : 0.6, platform: 'any', ...extra });

describe('normalizeCommand', () => {
  it.each([
    ['npm  i', 'npm install'],
    ['npm run test', 'npm test'],
    ['npm t', 'npm test'],
    ['npm run-script build', 'npm run build'],
    ['yarn', 'yarn install'],
    ['yarn run build', 'yarn build'],
    ['pnpm i --frozen-lockfile', 'pnpm install --frozen-lockfile'],
    ['python3 -m pip install -e .', 'pip install -e .'],
    ['python -m pytest -q', 'pytest -q'],
    ['pip3 install -r requirements.txt;', 'pip install -r requirements.txt'],
    ['make \\\n  test', 'make test'],
  ])('%s → %s', (a, b) => expect(normalizeCommand(a)).toBe(b));
});

describe('commandIntent', () => {
  it('groups equivalent jobs', () => {
    expect(commandIntent('npm ci')).toBe(commandIntent('npm install'));
    expect(commandIntent('yarn install --frozen-lockfile')).toBe('node:install');
    expect(commandIntent('npm install lodash')).toBeUndefined();
    expect(commandIntent('pip install -e ".[test]"')).toBe('python:install-self');
    expect(commandIntent('poetry install')).toBe('python:install-self');
    expect(commandIntent('python -m pytest')).toBe(commandIntent('pytest -x'));
    expect(commandIntent('go test -race ./...')).toBe(commandIntent('go test ./...'));
    expect(commandIntent('./mvnw -B verify')).toBe(commandIntent('mvn install'));
    expect(commandIntent('bundle exec rspec')).toBe('ruby:rspec');
    expect(commandIntent('cmake -B build')).toBe('cmake:configure');
    expect(commandIntent('npm ci && npm test')).toBeUndefined();
  });
  it('a Maven/Gradle run without tests is not the same step as one with them', () => {
    expect(commandIntent('mvn install -DskipTests')).not.toBe(commandIntent('mvn -B verify'));
    expect(commandIntent('mvn -B package -Dmaven.test.skip=true')).toBe(commandIntent('./mvnw -DskipTests package'));
    expect(commandIntent('./gradlew build -x test')).not.toBe(commandIntent('./gradlew build'));
    const { steps } = mergeCandidates([c('mvn install -DskipTests', 'ci', 'build'), c('mvn -B verify', 'ci', 'test')]);
    expect(steps.map((s) => s.command)).toEqual(['mvn install -DskipTests', 'mvn -B verify']);
  });
  it('families by tool', () => {
    expect([...commandFamilies('CI=1 npm test && pytest')].sort()).toEqual(['node', 'python']);
    expect([...commandFamilies('sudo make install')]).toEqual(['native']);
  });
});

describe('mergeCandidates', () => {
  it('CI wins over docs over manifest for the same job, and the others corroborate it', () => {
    const { steps } = mergeCandidates([c('npm install', 'manifest'), c('npm i', 'docs'), c('npm ci', 'ci')]);
    expect(steps).toHaveLength(1);
    expect(steps[0].command).toBe('npm ci');
    expect(steps[0].source.kind).toBe('ci');
    expect(steps[0].alsoFoundIn?.map((p) => p.kind).sort()).toEqual(['docs', 'manifest']);
    expect(steps[0].confidence).toBeCloseTo(1.0 - 0.01, 2);
  });
  it('manifest defaults of a toolchain are dropped for a stage CI covers with that toolchain', () => {
    const { steps, dropped } = mergeCandidates([c('tox -e py311', 'ci', 'test'), c('python -m pytest', 'manifest', 'test'), c('npm test', 'manifest', 'test')]);
    expect(steps.map((s) => s.command)).toEqual(['tox -e py311', 'npm test']);
    expect(dropped.find((d) => d.candidate.command === 'python -m pytest')?.why).toMatch(/CI already runs python/);
  });
  it('a CI step that installs and then tests covers the install stage too', () => {
    const { steps, dropped } = mergeCandidates([c('npm ci && npm test', 'ci', 'test'), c('npm ci', 'manifest', 'install'), c('npm install', 'docs', 'install')]);
    expect(steps.map((s) => s.command)).toEqual(['npm ci && npm test']);
    expect(dropped.find((d) => d.candidate.command === 'npm install')?.why).toMatch(/CI already shows how the install stage is done/);
  });
  it('CI at the top of the repository covers the defaults of sub-projects with the same toolchain', () => {
    const { steps } = mergeCandidates([
      c('mvn -B verify -f build-pom.xml', 'ci', 'test'),
      c('mvn -B verify', 'default', 'test', { cwd: 'common' }), c('mvn -B verify', 'default', 'test', { cwd: 'value' }),
      c('npm test', 'manifest', 'test', { cwd: 'web' }),
    ]);
    expect(steps.map((s) => `${s.cwd ?? '.'}: ${s.command}`)).toEqual(['.: mvn -B verify -f build-pom.xml', 'web: npm test']);
  });
  it('docs do not displace manifest defaults of a different job', () => {
    const { steps } = mergeCandidates([c('pip install mkdocs', 'docs'), c('pip install -e .', 'manifest')]);
    expect(steps.map((s) => s.command)).toEqual(['pip install mkdocs', 'pip install -e .']);
  });
  it('orders by stage, root before sub-folders, then precedence, then evidence order', () => {
    const { steps } = mergeCandidates([
      c('npm test', 'manifest', 'test'), c('npm ci', 'manifest', 'install', { cwd: 'web' }), c('go build ./...', 'ci', 'build'), c('go mod download', 'docs', 'install'),
    ]);
    expect(steps.map((s) => `${s.stage}:${s.cwd ?? '.'}:${s.command}`)).toEqual(['install:.:go mod download', 'install:web:npm ci', 'build:.:go build ./...', 'test:.:npm test']);
  });
  it("keeps one CI job's order: a later install step stays after the build it follows in CI", () => {
    const job = (command: string, stage: CandidateStep['stage'], n: number, name = 'test'): CandidateStep =>
      ({ ...c(command, 'ci', stage), source: { kind: 'ci', file: '.github/workflows/ci.yml', line: n, detail: `github-actions:${name}/step ${n}` } });
    const { steps } = mergeCandidates([
      job('pnpm install', 'install', 1), job('pnpm build', 'build', 2), job('pnpm exec playwright install chromium', 'install', 3),
      job('sudo apt-get install -y xvfb', 'system', 4), job('pnpm test', 'test', 5),
      job('go mod download', 'install', 1, 'backend'), job('go test ./...', 'test', 2, 'backend'),
      c('pip install -e .', 'manifest', 'install', { cwd: 'api' }),
    ]);
    // System steps go first; each job keeps its CI order in the places the stage sort gave it;
    // other evidence stays where the stage sort put it.
    expect(steps.map((s) => s.command)).toEqual([
      'sudo apt-get install -y xvfb', 'pnpm install', 'pnpm build', 'go mod download', 'pip install -e .', 'pnpm exec playwright install chromium', 'pnpm test', 'go test ./...',
    ]);
  });
  it('keeps env from the evidence and drops weak commands', () => {
    const { steps, dropped } = mergeCandidates([c('pytest', 'ci', 'test', { env: { DATABASE_URL: 'postgres://x' } }), c('pip install requests', 'docs', 'install', { confidence: MIN_CONFIDENCE - 0.05 })]);
    expect(steps).toHaveLength(1);
    expect(steps[0].env).toEqual({ DATABASE_URL: 'postgres://x' });
    expect(dropped[0].why).toMatch(/confidence/);
  });
});

describe('versionSatisfies', () => {
  it.each([
    ['20.11.1', '>=18', true], ['16.0.0', '>=18', false], ['3.11.7', '3.11', true], ['3.12.1', '3.11', false],
    ['3.12.1', '>=3.9', true], ['3.8.0', '>=3.9,<4', false], ['1.22.3', '>=1.22', true], ['17.0.2', '17', true],
    ['3.11.7', '^3.9', true], ['3.11.7', '~=3.10', true], ['20.0.0', 'lts/*', undefined],
  ] as const)('%s satisfies %s: %s', (v, c2, want) => expect(versionSatisfies(v, c2)).toBe(want));
  it('an absent tool satisfies nothing', () => expect(versionSatisfies(null, '>=1')).toBe(false));
});

it('a Java release level is a minimum for the installed JDK', async () => {
  const { effectiveConstraint } = await import('./validation.js');
  expect(effectiveConstraint('java', '8')).toBe('>=8');
  expect(effectiveConstraint('java', '1.8')).toBe('>=8');
  expect(versionSatisfies('17.0.15', effectiveConstraint('java', '8'))).toBe(true);
  expect(effectiveConstraint('python', '3.11')).toBe('3.11');
});
