/**
 * Plans of fixture repositories: specific commands, stages, sources and verdicts, the JSON
 * contract, prerequisites, and bad input that must still give a plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Plan, type PlanStep } from '../../src/protocol/plan.js';
import { planRepository } from '../../src/agents/planner/build-plan.js';
import { NovaError } from '../../src/errors.js';
import { tempDir } from '../../src/testing/services.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixtures } from '../fixtures/build.js';
import { ALL_FIXTURES } from '../fixtures/repos.js';

let fx: ReturnType<typeof buildFixtures>;
const plans = new Map<string, Plan>();
async function plan(name: string): Promise<Plan> {
  let p = plans.get(name);
  if (!p) {
    p = await planRepository(fx.byName.get(name)!, { target: name, probe: false });
    plans.set(name, p);
  }
  return p;
}
const find = (p: Plan, command: string) => p.steps.find((s) => s.command === command);
const lines = (p: Plan) => p.steps.map((s) => `${s.stage}: ${s.cwd ? `(${s.cwd}) ` : ''}${s.command}`);

beforeAll(() => { fx = buildFixtures(ALL_FIXTURES); });
afterAll(() => fx?.cleanup());

it('builds at least 30 fixture repositories, all git repositories, every one planned', async () => {
  expect(ALL_FIXTURES.length).toBeGreaterThanOrEqual(30);
  const ecosystems = new Set<string>();
  for (const f of ALL_FIXTURES) {
    const p = await plan(f.name);
    Plan.parse(p);
    p.ecosystems.forEach((e) => ecosystems.add(e.name));
  }
  expect([...ecosystems].sort()).toEqual(['autotools', 'cmake', 'docker', 'dotnet', 'go', 'java-gradle', 'java-maven', 'make', 'meson', 'node', 'php', 'python', 'ruby', 'rust']);
});

describe('the JSON contract', () => {
  it('has target, ecosystems {name, root, packageManager}, steps {stage, command, source, confidence, verdict, reasons}, warnings', async () => {
    const p = JSON.parse(JSON.stringify(await plan('polyglot'))) as Record<string, unknown>;
    expect(p.target).toBe('polyglot');
    expect(p.ecosystems).toEqual([expect.objectContaining({ name: 'go', root: '.', packageManager: 'go', languageVersion: '>=1.21' }), expect.objectContaining({ name: 'node', root: 'web', packageManager: 'npm' })]);
    for (const s of p.steps as Record<string, unknown>[]) {
      expect(['system', 'install', 'build', 'test', 'run']).toContain(s.stage);
      expect(typeof s.command).toBe('string');
      expect(['ci', 'docs', 'manifest', 'default', 'memory', 'llm']).toContain((s.source as { kind: string }).kind);
      expect(s.confidence).toBeGreaterThan(0);
      expect(['allow', 'warn', 'block']).toContain(s.verdict);
      expect(Array.isArray(s.reasons)).toBe(true);
    }
    expect(Array.isArray(p.warnings)).toBe(true);
  });
});

describe('synthesis', () => {
  it('stages are ordered and sub-folder steps carry their cwd', async () => {
    expect(lines(await plan('polyglot'))).toEqual([
      'install: go mod download', 'install: (web) npm ci', 'build: go build ./...', 'build: (web) npm run build', 'test: go test ./...', 'test: (web) npm test',
    ]);
  });
  it('manifest defaults per ecosystem with their sources', async () => {
    const npm = await plan('node-npm');
    expect(lines(npm)).toEqual(['install: npm ci', 'build: npm run build', 'test: npm test']);
    expect(find(npm, 'npm ci')!.source).toMatchObject({ kind: 'manifest', file: 'package-lock.json' });
    expect(lines(await plan('python-uv'))).toEqual(['install: uv sync --locked', 'test: uv run pytest']);
    expect(lines(await plan('rust-crate'))).toContain('test: cargo test');
    expect(lines(await plan('java-maven'))).toEqual(['build: ./mvnw -B -DskipTests package', 'test: ./mvnw -B verify']);
    expect(lines(await plan('dotnet-solution'))).toContain('test: dotnet test --no-build');
  });
  it('system packages implied by dependencies become one apt-get step first', async () => {
    const p = await plan('python-setuptools');
    expect(p.steps[0]).toMatchObject({ stage: 'system', command: 'apt-get install -y --no-install-recommends build-essential libpq-dev libxml2-dev libxslt1-dev python3-dev' });
    expect(p.prerequisites!.filter((x) => x.kind === 'system-package').map((x) => x.name)).toEqual(expect.arrayContaining(['libpq-dev', 'libxslt1-dev']));
  });
  it('a docs command and the manifest default for the same job merge; the docs one wins and is corroborated', async () => {
    const p = await plan('readme-traps');
    const test = p.steps.filter((s) => s.stage === 'test');
    expect(test).toHaveLength(1);
    expect(test[0]).toMatchObject({ command: 'npm run test', source: { kind: 'docs', file: 'README.md' } });
    expect(test[0].alsoFoundIn).toEqual([expect.objectContaining({ kind: 'manifest', file: 'package.json' })]);
    const install = p.steps.filter((s) => s.stage === 'install' && /^npm (ci|install)$/.test(s.command));
    expect(install).toHaveLength(1);
    expect(install[0].suggestion).toBe('npm ci');
  });
});

describe('README traps', () => {
  it('the clone of the project itself and output lines are not steps', async () => {
    const p = await plan('readme-traps');
    expect(p.steps.some((s) => /git clone|^cd |added 312/.test(s.command))).toBe(false);
  });
  it('Windows and macOS commands are kept apart', async () => {
    const p = await plan('readme-traps');
    expect(p.otherPlatformSteps!.map((s) => s.command)).toEqual(expect.arrayContaining(['choco install nodejs', 'brew install node']));
    expect(p.steps.some((s) => /choco|brew|Set-ExecutionPolicy/.test(s.command))).toBe(false);
    expect(p.otherPlatformSteps!.every((s) => s.reasons[0].startsWith('meant for '))).toBe(true);
  });
  it('dangerous commands are blocked with reasons', async () => {
    const p = await plan('readme-traps');
    const pipe = p.steps.find((s) => s.command.startsWith('curl -fsSL'))!;
    expect(pipe.verdict).toBe('block');
    expect(pipe.reasons.join(' ')).toMatch(/pipes downloaded content/);
    expect(find(p, 'sudo rm -rf /')!.verdict).toBe('block');
  });
  it('placeholders need input and become credential prerequisites', async () => {
    const p = await plan('readme-traps');
    const step = p.steps.find((s) => s.command.includes('<your-api-key>'))!;
    expect(step.needsInput).toContain('<your-api-key>');
    expect(p.prerequisites).toContainEqual(expect.objectContaining({ kind: 'credentials', name: '<your-api-key>', satisfied: false }));
  });
});

describe('instructions only in CI', () => {
  it('CI steps win over manifest defaults, with env vars and services carried', async () => {
    const p = await plan('ci-only');
    const install = p.steps.filter((s) => s.stage === 'install');
    expect(install).toHaveLength(1);
    expect(install[0].source).toMatchObject({ kind: 'ci', file: '.github/workflows/ci.yml' });
    expect(install[0].command).toContain('pip install -e ".[test]"');
    const test = p.steps.find((s) => s.stage === 'test')!;
    expect(test.command).toBe('pytest -q tests');
    expect(test.source.line).toBeGreaterThan(1);
    expect(test.env).toMatchObject({ DATABASE_URL: 'postgresql://postgres:postgres@localhost:5432/postgres' });
    expect(p.prerequisites).toContainEqual(expect.objectContaining({ kind: 'service', name: 'postgres' }));
    expect(p.prerequisites).toContainEqual(expect.objectContaining({ kind: 'toolchain', name: 'python' }));
    expect(p.prerequisites!.some((x) => x.kind === 'credentials' && x.name.includes('CODECOV_TOKEN'))).toBe(true);
  });
});

describe('prerequisites', () => {
  it('compose services, submodules, env templates and documented services', async () => {
    const d = await plan('docker-only');
    expect(d.prerequisites!.filter((x) => x.kind === 'service').map((x) => x.name).sort()).toEqual(['postgres', 'redis']);
    const s = await plan('submodules-env');
    expect(s.prerequisites).toContainEqual(expect.objectContaining({ kind: 'submodules', name: 'third/lib', satisfied: false }));
    expect(s.steps[0]).toMatchObject({ stage: 'system', command: 'git submodule update --init --recursive' });
    expect(s.prerequisites).toContainEqual(expect.objectContaining({ kind: 'credentials', name: '.env', satisfied: false }));
    expect(s.prerequisites).toContainEqual(expect.objectContaining({ kind: 'service', name: 'postgres', source: expect.objectContaining({ kind: 'docs', file: 'README.md' }) }));
  });
  it('network during tests from a declared pytest marker', async () => {
    const p = await plan('python-setuptools');
    expect(p.prerequisites).toContainEqual(expect.objectContaining({ kind: 'network', detail: expect.stringContaining('"network" test marker'), source: expect.objectContaining({ file: 'pyproject.toml' }) }));
    expect((await plan('python-uv')).prerequisites!.some((x) => x.kind === 'network')).toBe(false);
  });
  it('browsers for Playwright/Puppeteer dependencies', async () => {
    expect((await plan('node-pnpm')).prerequisites).toContainEqual(expect.objectContaining({ kind: 'browser' }));
  });
  it('with probing, satisfied reflects this machine', async () => {
    const p = await planRepository(fx.byName.get('node-npm')!, { probe: true });
    const node = p.prerequisites!.find((x) => x.kind === 'toolchain' && x.name === 'node')!;
    // .nvmrc pins 20.11.1: any Node 20 satisfies it; this test runs on Node ≥ 20.
    expect(node.satisfied).toBe(process.versions.node.startsWith('20.'));
    expect(node.detail).toContain(process.versions.node);
  });
  it('toolchains set up only by CI jobs the plan leaves out are not prerequisites', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'package.json'), JSON.stringify({ name: 'm', scripts: { test: 'node --test' } }));
      mkdirSync(join(dir.path, '.github/workflows'), { recursive: true });
      writeFileSync(join(dir.path, '.github/workflows/ci.yml'), [
        'on: [push]', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/setup-node@v4', '        with:', '          node-version: 22',
        '      - run: npm install', '      - run: npm test',
        '  docs:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/setup-python@v5', '        with:', '          python-version: "3.12"', '      - run: mkdocs build', '',
      ].join('\n'));
      const p = await planRepository(dir.path, { probe: false });
      expect(p.steps.map((s) => s.command)).toEqual(['npm install', 'npm test']);
      expect(p.prerequisites!.filter((x) => x.kind === 'toolchain').map((x) => `${x.name} ${x.detail}`)).toEqual(['node wants 22', 'npm package manager of node']);
    } finally {
      dir.cleanup();
    }
  });
  it('a CI matrix listing several toolchain versions is run (and required) with the one installed here', async () => {
    const major = process.versions.node.split('.')[0];
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'package.json'), JSON.stringify({ name: 'm', scripts: { test: 'node --test' } }));
      mkdirSync(join(dir.path, '.github/workflows'), { recursive: true });
      writeFileSync(join(dir.path, '.github/workflows/ci.yml'), [
        'on: [push]', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    strategy:', '      matrix:', `        node: [8, ${major}, 99]`,
        '    steps:', '      - uses: actions/setup-node@v4', '        with:', '          node-version: ${{ matrix.node }}', '      - run: npm test -- --node=${{ matrix.node }}', '',
      ].join('\n'));
      const probed = await planRepository(dir.path, { probe: true });
      expect(probed.steps.map((s) => s.command)).toContain(`npm test -- --node=${major}`);
      expect(probed.prerequisites!.find((x) => x.kind === 'toolchain' && x.name === 'node')).toMatchObject({ satisfied: true });
      // Without looking at this machine: the latest, and the versions that would do.
      const unprobed = await planRepository(dir.path, { probe: false });
      expect(unprobed.steps.map((s) => s.command)).toContain('npm test -- --node=99');
      expect(unprobed.prerequisites!.find((x) => x.kind === 'toolchain' && x.name === 'node')!.detail).toBe(`wants one of 8, ${major}, 99 (CI's matrix)`);
    } finally {
      dir.cleanup();
    }
  });
});

describe('bad input still gives a plan', () => {
  it('malformed manifests and CI files: a warning each, the readable rest planned', async () => {
    const p = await plan('malformed-manifests');
    expect(lines(p)).toEqual(['install: go mod download', 'build: go build ./...', 'test: go test ./...']);
    const w = p.warnings.join('\n');
    for (const f of ['package.json', 'pyproject.toml', 'Cargo.toml', 'pom.xml', 'composer.json', '.github/workflows/ci.yml']) expect(w).toContain(f);
  });
  it('binary and huge files are read as bounded prefixes or skipped', async () => {
    const p = await plan('binary-and-huge');
    expect(p.warnings.join('\n')).toMatch(/package\.json is larger than/);
    expect(p.warnings.join('\n')).toMatch(/Gemfile is binary/);
    expect(lines(p)).toContain('test: go test ./...');
  });
  it('invalid UTF-8 is replaced, with a warning', async () => {
    const p = await plan('invalid-utf8');
    expect(find(p, 'pip install -r requirements.txt')).toBeDefined();
  });
  it('symlinks out of the repository are never followed', async () => {
    const p = await plan('symlink-escape');
    expect(JSON.stringify(p)).not.toMatch(/root:x:0:0/);
    expect(p.ecosystems.map((e) => e.name)).toEqual(['go']);
  });
  it('shell that does not parse is warned, not dropped, and the rest is planned', async () => {
    const p = await plan('unparseable-shell');
    const bad = p.steps.find((s) => s.command.startsWith('if then'))!;
    expect(bad.verdict).toBe('warn');
    expect(bad.reasons.join(' ')).toMatch(/does not parse/);
    expect(find(p, 'npm test')!.verdict).toBe('allow');
  });
  it('an empty folder cannot be planned: NovaError with exit code 2', async () => {
    const empty = tempDir('nova-empty-');
    try {
      await expect(planRepository(empty.path, { probe: false })).rejects.toSatisfy((e: unknown) => e instanceof NovaError && e.exitCode === 2 && /nothing to plan/.test(e.message));
    } finally {
      empty.cleanup();
    }
  });
});

describe('shapes found in real repositories', () => {
  it('templates inside a workspace are not planned as projects', async () => {
    const p = await plan('workspace-templates');
    expect(p.ecosystems.map((e) => `${e.name}@${e.root}`)).toEqual(['node@.']);
    expect(p.ecosystems[0].workspaces).toEqual(['packages/core', 'packages/create-app']);
    expect(p.steps.every((s) => !s.cwd)).toBe(true);
  });
  it('distribution installs of the project itself, tutorials, print-only and housekeeping steps are left out', async () => {
    const p = await plan('docs-tutorial-and-distros');
    expect(lines(p)).toEqual(['install: cargo fetch', 'build: cargo build --verbose', 'test: cargo test --verbose']);
    expect(find(p, 'cargo build --verbose')!.alsoFoundIn).toEqual([expect.objectContaining({ kind: 'docs', file: 'README.md' }), expect.objectContaining({ kind: 'default', file: 'Cargo.toml' })]);
    const w = p.warnings.join('\n');
    expect(w).toMatch(/left out 3 command\(s\) that install the released project/);
    expect(p.steps.some((s) => /gh release|echo|mkdir myproject|greptool --help/.test(s.command))).toBe(false);
  });
});

describe('stages and order of CI steps', () => {
  it('Maven steps that skip the tests are build steps; the job that builds that way is not the main job', async () => {
    const p = await plan('maven-skip-tests');
    expect(lines(p)).toEqual(['build: mvn -B install -DskipTests', 'test: mvn -B verify']);
    expect(p.steps.some((s) => /artifact:/.test(s.command))).toBe(false);
  });
  it('keeps the CI order of one job: the browser download stays after the build, the dependency change after the tests', async () => {
    const p = await plan('ci-job-order');
    expect(lines(p)).toEqual([
      'install: pnpm install --frozen-lockfile', 'build: pnpm build', 'install: pnpm exec playwright install chromium', 'test: pnpm test',
      'install: pnpm add -D react@16', 'test: pnpm test:react16',
    ]);
  });
});

describe('development images beside CI', () => {
  it('a Dockerfile and a devcontainer do not repeat what the main CI job installs and tests', async () => {
    const p = await plan('ci-and-dev-image');
    expect(lines(p)).toEqual(['install: npm ci', 'build: npm run build', 'test: npm test']);
    expect(p.steps.map((s) => s.source.kind)).toEqual(['ci', 'manifest', 'ci']);
    expect(p.warnings.join('\n')).toMatch(/already installs and tests/);
  });
  it('without CI the Dockerfile steps are planned', async () => {
    const p = await plan('dev-image-no-ci');
    expect(lines(p)).toEqual(['install: npm install', 'build: npm run build', 'test: npm test']);
    expect(p.steps.every((s) => s.source.file === 'Dockerfile')).toBe(true);
  });
});

it("a README's examples of the project's own command are not plan steps; they are named in the warnings", async () => {
  const p = await plan('readme-cli-usage');
  expect(lines(p)).toEqual(['install: npm ci', 'test: npm test']);
  expect(p.warnings.join('\n')).toMatch(/left out 3 command\(s\) that are usage examples of the project's own command \(mytool\)/);
});

describe('documentation that shows rather than instructs', () => {
  it("printed output, an API example, a server tutorial and a sentence about reproducing issues are not steps", async () => {
    const p = await plan('readme-demos');
    expect(lines(p)).toEqual(['install: npm ci', 'test: npm test']);
    expect(p.warnings.join('\n')).toMatch(/README.md:\d+: the commands of that section demonstrate running the software/);
  });
  it("a packager's `make DESTDIR=… install` and another project's bootstrap after its clone are not planned", async () => {
    const p = await plan('readme-packaging');
    expect(find(p, 'make all')?.stage).toBe('build');
    expect(p.steps.filter((s) => /DESTDIR|vcpkg/.test(s.command)).map((s) => s.command)).toEqual([]);
    expect(p.warnings.join('\n')).toMatch(/the commands after `cd vcpkg` in that section are for a project made outside the checkout/);
  });
});

it('no ordinary fixture step is blocked', async () => {
  const blocked: PlanStep[] = [];
  for (const f of ALL_FIXTURES) if (f.name !== 'readme-traps') blocked.push(...(await plan(f.name)).steps.filter((s) => s.verdict === 'block'));
  expect(blocked.map((s) => s.command)).toEqual([]);
});
