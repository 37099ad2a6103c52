import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepoFs } from '../../repo/repo-fs.js';
import { buildFixtures } from '../../../test/fixtures/build.js';
import { ALL_FIXTURES } from '../../../test/fixtures/repos.js';
import { analyzeRepository } from './analyze.js';
import type { RepositoryAnalysis } from './types.js';
import { SYSTEM_PACKAGE_RULES } from './system-packages.data.js';
import { cleanupFixtures, fixtureRepo } from '../documentation/fixture-repo.js';

let fx: ReturnType<typeof buildFixtures>;
const cache = new Map<string, RepositoryAnalysis>();
function analysis(name: string): RepositoryAnalysis {
  let a = cache.get(name);
  if (!a) {
    const root = fx.byName.get(name);
    if (!root) throw new Error(`no fixture ${name}`);
    a = analyzeRepository(new RepoFs(root));
    cache.set(name, a);
  }
  return a;
}
const commands = (name: string) => analysis(name).candidates.map((c) => `${c.stage}: ${c.cwd ? `(${c.cwd}) ` : ''}${c.command}`);
const eco = (name: string, which?: string) => analysis(name).ecosystems.find((e) => !which || e.name === which)!;

beforeAll(() => { fx = buildFixtures(ALL_FIXTURES); });
afterAll(() => fx?.cleanup());

describe('node', () => {
  it('npm with a lockfile: npm ci, build and test scripts, .nvmrc wins over engines', () => {
    expect(commands('node-npm')).toEqual(['install: npm ci', 'build: npm run build', 'test: npm test']);
    expect(eco('node-npm')).toMatchObject({ name: 'node', packageManager: 'npm', languageVersion: '20.11.1', languageVersionSource: '.nvmrc', lockfiles: ['package-lock.json'] });
    expect(eco('node-npm').dependencies).toEqual({ express: '^4.19.0' });
    const test = analysis('node-npm').candidates.find((c) => c.stage === 'test')!;
    expect(test.source).toMatchObject({ kind: 'manifest', file: 'package.json' });
    expect(test.source.line).toBeGreaterThan(1);
  });
  it('no lockfile: npm install, and the placeholder test script is not planned', () => {
    expect(commands('node-npm-nolock')).toEqual(['install: npm install']);
    expect(eco('node-npm-nolock').systemPackages).toContain('libcairo2-dev');
  });
  it('packageManager field picks pnpm with its version', () => {
    expect(commands('node-pnpm')).toEqual(['install: pnpm install --frozen-lockfile', 'test: pnpm test']);
    expect(eco('node-pnpm')).toMatchObject({ packageManager: 'pnpm', packageManagerVersion: '9.1.0' });
    expect(analysis('node-pnpm').systemHints.some((h) => h.kind === 'browser')).toBe(true);
  });
  it('yarn berry (.yarnrc.yml) uses --immutable; yarn v1 uses --frozen-lockfile', () => {
    expect(commands('node-yarn-berry')).toEqual(['install: yarn install --immutable', 'build: yarn build', 'test: yarn test']);
    expect(commands('node-yarn-v1')[0]).toBe('install: yarn install --frozen-lockfile');
    expect(eco('node-yarn-v1')).toMatchObject({ languageVersion: '18.19.0', languageVersionSource: '.node-version' });
  });
  it('bun lockfile', () => {
    expect(commands('node-bun')).toEqual(['install: bun install --frozen-lockfile', 'test: bun run test']);
  });
  it('several lockfiles give a warning and pnpm > bun > yarn > npm order', () => {
    expect(analysis('node-two-lockfiles').warnings.join('\n')).toMatch(/several lockfiles.*package-lock\.json.*yarn\.lock|several lockfiles.*yarn\.lock.*package-lock\.json/);
    expect(eco('node-two-lockfiles').packageManager).toBe('yarn');
  });
  it('npm, pnpm and lerna workspaces fold members into the root (with ! excludes)', () => {
    expect(analysis('npm-workspaces').ecosystems).toHaveLength(1);
    expect(eco('npm-workspaces').workspaces).toEqual(['packages/cli', 'packages/core']);
    expect(eco('pnpm-monorepo').workspaces).toEqual(['apps/web', 'packages/ui']);
    expect(eco('lerna-monorepo').workspaces).toEqual(['modules/a', 'modules/b']);
    expect(commands('pnpm-monorepo')).toContain('test: pnpm test');
  });
});

describe('python', () => {
  it('uv lockfile: uv sync --locked and uv run pytest; .python-version', () => {
    expect(commands('python-uv')).toEqual(['install: uv sync --locked', 'test: uv run pytest']);
    expect(eco('python-uv')).toMatchObject({ packageManager: 'uv', languageVersion: '3.12', languageVersionSource: '.python-version' });
  });
  it('poetry', () => {
    expect(commands('python-poetry')).toEqual(['install: poetry install', 'test: poetry run pytest']);
    expect(eco('python-poetry')).toMatchObject({ languageVersion: '^3.9' });
    expect(eco('python-poetry').systemPackages).toEqual(expect.arrayContaining(['libxml2-dev', 'libxslt1-dev']));
  });
  it('pdm, with a tests folder but no pytest: unittest discover', () => {
    expect(commands('python-pdm')).toEqual(['install: pdm install', 'test: pdm run python -m unittest discover']);
    expect(eco('python-pdm').systemPackages).toContain('poppler-utils');
  });
  it('pipenv with a lockfile syncs', () => {
    expect(commands('python-pipenv')).toEqual(['install: pipenv sync --dev', 'test: pipenv run pytest']);
    expect(eco('python-pipenv').systemPackages).toContain('default-libmysqlclient-dev');
    expect(eco('python-pipenv').languageVersion).toBeUndefined();
  });
  it('setuptools with a test extra installs -e ".[test]"; psycopg2 implies libpq-dev', () => {
    expect(commands('python-setuptools')).toEqual(['install: pip install -e ".[test]"', 'test: python -m pytest']);
    expect(eco('python-setuptools')).toMatchObject({ packageManager: 'pip', languageVersion: '>=3.8', languageVersionSource: 'requires-python' });
    expect(eco('python-setuptools').systemPackages).toEqual(expect.arrayContaining(['libpq-dev', 'libxml2-dev']));
  });
  it('requirements files and setup.py', () => {
    expect(commands('python-requirements')).toEqual(['install: pip install -r requirements.txt', 'install: pip install -e .', 'install: pip install -r requirements-dev.txt', 'test: python -m pytest']);
    expect(eco('python-requirements').dependencies).toMatchObject({ requests: '==2.32.0', pydub: '>=0.25' });
    expect(eco('python-requirements').languageVersion).toBe('>=3.9');
  });
  it('Django: requirements/ folder and manage.py test', () => {
    expect(commands('python-django')).toEqual(['install: pip install -r requirements/base.txt', 'install: pip install -r requirements/test.txt', 'test: python manage.py test']);
    expect(eco('python-django').dependencies).toMatchObject({ Django: '>=5.0' });
  });
  it('hatch environments', () => {
    expect(commands('python-hatch')).toEqual(['install: hatch env create', 'test: hatch test']);
  });
  it('setup.cfg install_requires is read', () => {
    expect(Object.keys(eco('tox-makefile', 'python').dependencies ?? {})).toEqual(['lxml', 'pyyaml']);
  });
});

describe('go, rust, java, ruby, php, dotnet', () => {
  it('go module', () => {
    expect(commands('go-module')).toEqual(['install: go mod download', 'build: go build ./...', 'test: go test ./...']);
    expect(eco('go-module')).toMatchObject({ languageVersion: '>=1.22', lockfiles: ['go.sum'] });
    expect(Object.keys(eco('go-module').dependencies ?? {})).toEqual(['github.com/mattn/go-sqlite3', 'golang.org/x/sync']);
  });
  it('go.work folds its modules', () => {
    expect(analysis('go-workspace').ecosystems).toHaveLength(1);
    expect(eco('go-workspace').workspaces).toEqual(['svc/api', 'svc/worker']);
  });
  it('rust crate with rust-version and openssl-sys', () => {
    expect(commands('rust-crate')).toEqual(['install: cargo fetch --locked', 'build: cargo build', 'test: cargo test']);
    expect(eco('rust-crate')).toMatchObject({ languageVersion: '>=1.74' });
    expect(eco('rust-crate').systemPackages).toEqual(['libssl-dev', 'pkg-config']);
  });
  it('cargo workspace with rust-toolchain.toml', () => {
    expect(analysis('rust-workspace').ecosystems).toHaveLength(1);
    expect(eco('rust-workspace')).toMatchObject({ languageVersion: '1.78.0', workspaces: ['crates/a', 'crates/b'] });
  });
  it('maven modules, release 17, wrapper', () => {
    expect(commands('java-maven')).toEqual(['build: ./mvnw -B -DskipTests package', 'test: ./mvnw -B verify']);
    expect(eco('java-maven')).toMatchObject({ languageVersion: '17', workspaces: ['core', 'app'], packageManager: 'maven-wrapper' });
    expect(analysis('java-maven').ecosystems).toHaveLength(1);
  });
  it('gradle settings includes and toolchain 21', () => {
    expect(commands('java-gradle')).toEqual(['build: ./gradlew assemble', 'test: ./gradlew test']);
    expect(eco('java-gradle')).toMatchObject({ languageVersion: '21', workspaces: ['app', 'lib'] });
    expect(eco('java-gradle').dependencies).toEqual({ 'com.google.guava:guava': '33.0.0-jre' });
  });
  it('ruby with rspec, pg and nokogiri', () => {
    expect(commands('ruby-bundler')).toEqual(['install: bundle install', 'test: bundle exec rspec']);
    expect(eco('ruby-bundler')).toMatchObject({ languageVersion: '3.3.0', languageVersionSource: '.ruby-version' });
    expect(eco('ruby-bundler').systemPackages).toContain('libpq-dev');
  });
  it('php composer test script', () => {
    expect(commands('php-composer')).toEqual(['install: composer install --no-interaction', 'test: composer test']);
    expect(eco('php-composer')).toMatchObject({ languageVersion: '>=8.1' });
    expect(eco('php-composer').systemPackages).toContain('php-intl');
  });
  it('dotnet solution folds its projects', () => {
    expect(analysis('dotnet-solution').ecosystems.map((e) => e.root)).toEqual(['.']);
    expect(commands('dotnet-solution')).toEqual(['install: dotnet restore', 'build: dotnet build --no-restore', 'test: dotnet test --no-build']);
    expect(eco('dotnet-solution')).toMatchObject({ languageVersion: '8.0.100', workspaces: ['src/App', 'tests/App.Tests'] });
  });
});

describe('c/c++ and docker', () => {
  it('cmake with ctest and find_package system packages', () => {
    expect(commands('c-cmake')).toEqual(['build: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release', 'build: cmake --build build --parallel', 'test: ctest --test-dir build --output-on-failure']);
    expect(eco('c-cmake').systemPackages).toEqual(['libssl-dev', 'zlib1g-dev']);
  });
  it('meson', () => {
    expect(commands('c-meson')).toEqual(['build: meson setup build', 'build: meson compile -C build', 'test: meson test -C build']);
  });
  it('autotools without configure runs autogen.sh first', () => {
    expect(commands('c-autotools')).toEqual(['build: ./autogen.sh', 'build: ./configure', 'build: make', 'test: make check']);
  });
  it('plain make', () => {
    expect(commands('c-make')).toEqual(['build: make', 'test: make test']);
  });
  it('docker alone gets a docker build', () => {
    expect(commands('docker-only')).toEqual(['build: docker build -t app .']);
    expect(eco('docker-only')).toMatchObject({ name: 'docker', languageVersion: 'alpine:3.20' });
  });
  it('a Makefile beside a language manifest is not an ecosystem of its own', () => {
    expect(analysis('tox-makefile').ecosystems.map((e) => e.name)).toEqual(['python']);
  });
});

describe('nesting', () => {
  it('a frontend in a sub-folder is its own ecosystem with a cwd', () => {
    expect(analysis('polyglot').ecosystems.map((e) => `${e.name}@${e.root}`)).toEqual(['go@.', 'node@web']);
    expect(commands('polyglot')).toContain('install: (web) npm ci');
  });
  it('fixtures, examples and docs folders are not projects', () => {
    expect(analysis('nested-noise').ecosystems.map((e) => `${e.name}@${e.root}`)).toEqual(['python@.']);
  });
});

describe('bad input', () => {
  it('malformed manifests become warnings and the rest is analysed', () => {
    const a = analysis('malformed-manifests');
    const w = a.warnings.join('\n');
    expect(w).toMatch(/package\.json is not valid JSON/);
    expect(w).toMatch(/pyproject\.toml is not valid TOML/);
    expect(w).toMatch(/Cargo\.toml is not valid TOML/);
    expect(w).toMatch(/composer\.json is not valid JSON/);
    expect(w).toMatch(/pom\.xml is not valid XML/);
    expect(a.ecosystems.find((e) => e.name === 'go')).toBeDefined();
    expect(a.candidates.some((c) => c.command === 'go test ./...')).toBe(true);
  });
  it('binary files are skipped and huge files read as a bounded prefix', () => {
    const a = analysis('binary-and-huge');
    expect(a.ecosystems.map((e) => e.name)).toContain('go');
    expect(a.warnings.join('\n')).toMatch(/package\.json is larger than/);
  });
  it('invalid UTF-8 does not stop analysis', () => {
    expect(commands('invalid-utf8')[0]).toBe('install: pip install -r requirements.txt');
  });
  it('symlinks out of the repository are never read', () => {
    const a = analysis('symlink-escape');
    expect(a.ecosystems.map((e) => e.name)).toEqual(['go']);
    expect(a.candidates.every((c) => !c.command.includes('npm'))).toBe(true);
  });
});

it('the system package table has at least 40 entries, with the required ones', () => {
  expect(SYSTEM_PACKAGE_RULES.length).toBeGreaterThanOrEqual(40);
  const find = (e: string, d: string) => SYSTEM_PACKAGE_RULES.find((r) => r.ecosystem === e && r.dependency === d)?.apt;
  expect(find('python', 'psycopg2')).toContain('libpq-dev');
  expect(find('node', 'canvas')).toEqual(expect.arrayContaining(['libcairo2-dev', 'libpango1.0-dev', 'libjpeg-dev', 'libgif-dev', 'librsvg2-dev']));
  expect(find('python', 'lxml')).toEqual(['libxml2-dev', 'libxslt1-dev']);
});

describe('sub-folders that are part of the project', () => {
  afterAll(cleanupFixtures);
  it('a folder of requirement files inside a Python project is not a second project; one beside another kind of project is', () => {
    const inside = analyzeRepository(fixtureRepo({
      'setup.py': 'from setuptools import setup\nsetup(name="x")\n',
      'requirements-dev.txt': 'pytest\n',
      'requirements/3.3/requirements-dev.txt': 'pytest==3.0\n',
      'requirements/3.3/constraints.txt': 'six==1.0\n',
    }));
    expect(inside.ecosystems.map((e) => `${e.name} ${e.root}`)).toEqual(['python .']);
    const beside = analyzeRepository(fixtureRepo({ 'package.json': '{"name":"web"}', 'worker/requirements.txt': 'requests\n' }));
    expect(beside.ecosystems.map((e) => `${e.name} ${e.root}`)).toEqual(['node .', 'python worker']);
  });

  it('CMake sub-folders the root takes in with add_subdirectory are part of it; others stay projects of their own', () => {
    const a = analyzeRepository(fixtureRepo({
      'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.10)\nproject(lib C)\nadd_library(lib lib.c)\nif(ENABLE_FUZZING)\n  add_subdirectory(fuzzing)\nendif()\nadd_subdirectory("bindings" EXCLUDE_FROM_ALL)\n',
      'fuzzing/CMakeLists.txt': 'project(fuzz C)\nadd_executable(fuzz fuzz.c)\n',
      'bindings/CMakeLists.txt': 'project(bind C)\nadd_library(bind bind.c)\n',
      'standalone/CMakeLists.txt': 'project(other C)\nadd_executable(other main.c)\n',
    }));
    expect(a.ecosystems.map((e) => `${e.name} ${e.root}`)).toEqual(['cmake .', 'cmake standalone']);
  });
});
