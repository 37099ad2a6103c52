import { describe, expect, it } from 'vitest';
import type { CandidateStep, Ecosystem } from '../../protocol/plan.js';
import { addsDependency, clonesRepository, otherDistribution, filterEvidence, installsReleasedSelf, isCiHousekeeping, isInformational, isNonBuildWorkflow, runsMissingScript, runsOwnCommand, generatesIdeFiles, scaffoldsProject, uploadsCoverage } from './filters.js';
import { mergeCandidates } from './merge.js';

const identity = { packageNames: new Set(['ripgrep', 'github.com/acme/tool']), repoNames: new Set(['ripgrep', 'tool']) };

describe('installsReleasedSelf', () => {
  it.each([
    'sudo pacman -S ripgrep', 'sudo dnf install ripgrep', 'brew install ripgrep', 'cargo binstall ripgrep', 'cargo install ripgrep',
    'sudo dpkg -i ripgrep_14.1.1-1_amd64.deb', 'curl -LO https://github.com/BurntSushi/ripgrep/releases/download/14.1.1/ripgrep_14.1.1-1_amd64.deb',
    'go install github.com/acme/tool@latest', 'npm install -g ripgrep', 'nix-env --install ripgrep', 'doas pkg_add ripgrep',
  ])('%s installs the release', (c) => expect(installsReleasedSelf(c, identity)).toBe(true));
  it.each([
    'sudo apt-get install libssl-dev', 'cargo install --path .', 'cargo install cargo-fuzz', 'brew install pcre2', 'npm install', 'go install ./cmd/...',
    'curl -LO https://example.com/other/releases/download/x.tar.gz',
  ])('%s does not', (c) => expect(installsReleasedSelf(c, identity)).toBe(false));
});

describe('CI housekeeping and information-only steps', () => {
  it('recognises maintenance commands', () => {
    for (const c of ['gh issue close $URL --reason completed', 'git checkout HEAD^2', 'npm publish --provenance', 'twine upload dist/*', 'docker push ghcr.io/x/y', 'git config --global core.autocrlf input']) expect(isCiHousekeeping(c)).toBe(true);
    for (const c of ['npm ci', 'git submodule update --init', 'make test', 'docker build .']) expect(isCiHousekeeping(c)).toBe(false);
  });
  it('recognises steps that only print', () => {
    for (const c of ['echo "Node.js version: $(node -v)"\necho "NPM version: $(npm -v)"', 'node --version', 'cargo -V && rustc --version', 'go version']) expect(isInformational(c)).toBe(true);
    for (const c of ['npm test', 'echo hi && make', 'go version && go test ./...']) expect(isInformational(c)).toBe(false);
    // Writing a file is not printing: kept, so validation judges it (a .env is setup; /etc is blocked).
    for (const c of ['echo x > /etc/marker', 'echo "DB=1" > .env', "echo 'export X=1' >> ~/.bashrc"]) expect(isInformational(c)).toBe(false);
    for (const c of ['echo hi >/dev/null', 'cat VERSION >&2']) expect(isInformational(c)).toBe(true);
  });
  it('filterEvidence only drops self-installs from docs, housekeeping from CI', () => {
    const s = (command: string, kind: 'ci' | 'docs'): CandidateStep => ({ stage: 'install', command, source: { kind }, confidence: 0.8, platform: 'any' });
    const r = filterEvidence([s('cargo install ripgrep', 'docs'), s('cargo install ripgrep', 'ci'), s('gh release upload x', 'ci'), s('gh --help', 'docs')], identity);
    expect(r.kept.map((c) => `${c.source.kind}:${c.command}`)).toEqual(['ci:cargo install ripgrep', 'docs:gh --help']);
    expect(r.left.map((l) => l.why)).toEqual([expect.stringMatching(/released project/), expect.stringMatching(/housekeeping/)]);
  });
});

it('docs commands are left out of a stage that CI covers, kept where it does not', () => {
  const s = (command: string, kind: 'ci' | 'docs', stage: CandidateStep['stage']): CandidateStep => ({ stage, command, source: { kind }, confidence: 0.8, platform: 'any' });
  const { steps } = mergeCandidates([s('sudo apt-get install g++', 'ci', 'system'), s('sudo zypper install foo', 'docs', 'system'), s('npm start', 'docs', 'run'), s('npm test', 'ci', 'test'), s('npm run test', 'docs', 'test')]);
  expect(steps.map((x) => `${x.stage}:${x.source.kind}:${x.command}`)).toEqual(['system:ci:sudo apt-get install g++', 'test:ci:npm test', 'run:docs:npm start']);
  expect(steps[1].alsoFoundIn).toEqual([{ kind: 'docs' }]);
});

describe('runsMissingScript', () => {
  const exists = (p: string) => ['bin/server.js', 'web/app.py'].includes(p);
  it('examples that run files the repository lacks', () => {
    for (const c of ['node app.js', 'ruby myapp.rb [-h] [-p PORT]', 'bundle exec ruby myapp.rb', 'python3 -u main.py --port 80', 'NODE_ENV=production node --use-env-proxy app.js']) expect(runsMissingScript(c, exists)).toBe(true);
  });
  it('scripts that exist, and commands that are not scripts', () => {
    for (const c of ['node bin/server.js', 'python -m pytest', 'npm test', 'node --version', 'ruby -e "puts 1"']) expect(runsMissingScript(c, exists)).toBe(false);
    expect(runsMissingScript('python app.py', exists, 'web')).toBe(false);
  });
});

describe('dependency additions and non-build workflows', () => {
  it('addsDependency', () => {
    for (const c of ['composer require slim/slim', 'yarn add lodash', 'npm install express', 'npm i -S ky', 'cargo add serde', 'poetry add requests', 'dotnet add package Newtonsoft.Json']) expect(addsDependency(c)).toBe(true);
    for (const c of ['npm install', 'npm install -g typescript', 'npm ci', 'composer install', 'yarn install', 'npm install ./local-pkg', 'pip install requests']) expect(addsDependency(c)).toBe(false);
  });
  it('isNonBuildWorkflow', () => {
    for (const f of ['.github/workflows/build-docs.yml', '.github/workflows/label-approved.yml', '.github/workflows/translate.yml', '.github/workflows/codeql-analysis.yml', '.github/workflows/stale.yaml', '.github/workflows/notify-translations.yml']) expect(isNonBuildWorkflow(f)).toBe(true);
    for (const f of ['.github/workflows/test.yml', '.github/workflows/ci.yml', '.github/workflows/build.yml', '.github/workflows/main.yml', 'tox.ini', 'Makefile', '.github/workflows/lint.yml']) expect(isNonBuildWorkflow(f)).toBe(false);
  });
});

it('commands of other distributions and git clones are recognised', () => {
  expect(otherDistribution('sudo dnf install foo')).toMatch(/dnf/);
  expect(otherDistribution('pacman -S foo && make')).toMatch(/pacman/);
  expect(otherDistribution('sudo apt-get install foo')).toBeUndefined();
  expect(otherDistribution('make')).toBeUndefined();
  expect(clonesRepository('git clone URL --bare')).toBe(true);
  expect(clonesRepository('git submodule update --init')).toBe(false);
});

describe('runsOwnCommand', () => {
  const own = { packageNames: new Set(['@acme/mytool']), repoNames: new Set(['mytool-repo']), commandNames: new Set(['mytool', 'mt']) };
  it('usage of the project\'s own command, directly or through a package runner', () => {
    for (const c of ['mytool --help', 'mytool init my-app', 'mt serve --port 8080', 'npx mytool init', 'pnpm dlx mytool@latest new x', 'npx --yes @acme/mytool', 'DEBUG=1 mytool build', 'uvx mytool check .', 'seq 3 | mytool --height 40%', 'vim $(mytool)', 'git grep -n . | mt --delimiter :', 'export MANPAGER="mytool -plman"', 'fzf --preview "mytool --color=always {}"']) {
      expect(runsOwnCommand(c, own), c).toBeDefined();
    }
  });
  it('not build tools that share a name, runner calls with a known stage, or other commands', () => {
    for (const c of ['npm install', 'npx jest', 'make mytool', './mytool --help', 'mytool-repo --help', 'node bin/mytool.js', 'pip install "mytool[dev]"', 'python -c "import mytool"']) expect(runsOwnCommand(c, own), c).toBeUndefined();
    const selfHosted = { packageNames: new Set(['poetry', 'jest']), repoNames: new Set<string>(), commandNames: new Set(['poetry', 'jest']) };
    for (const c of ['poetry install', 'npx jest --ci', 'yarn jest']) expect(runsOwnCommand(c, selfHosted), c).toBeUndefined();
    // A known tool's own README running it rather than building with it: `flask run` in flask's.
    expect(runsOwnCommand('flask --app hello run', { packageNames: new Set(['flask']), repoNames: new Set<string>(), commandNames: new Set(['flask']) })).toBe('flask');
    expect(runsOwnCommand('make test', { packageNames: new Set(['make']), repoNames: new Set<string>() })).toBeUndefined();
  });
  it('filterEvidence leaves usage examples from the docs out, whatever stage the section gave them', () => {
    const s = (command: string, stage: CandidateStep['stage'], kind: 'ci' | 'docs' = 'docs'): CandidateStep => ({ stage, command, source: { kind, file: 'README.md' }, confidence: 0.6, platform: 'any' });
    const r = filterEvidence([s('npm ci', 'install'), s('npx mytool init', 'install'), s('mytool --help', 'run'), s('npm test', 'test'), s('mytool selftest', 'test', 'ci')], own);
    expect(r.kept.map((c) => c.command)).toEqual(['npm ci', 'npm test', 'mytool selftest']);
    expect(r.left.map((l) => l.why)).toEqual([expect.stringMatching(/usage examples of the project's own command \(mytool\)/), expect.stringMatching(/usage examples/)]);
  });
});

it('IDE project generation is not a step', () => {
  for (const c of ['./gradlew eclipse', 'gradle cleanIdea idea', 'mvn eclipse:eclipse']) expect(generatesIdeFiles(c), c).toBe(true);
  for (const c of ['./gradlew build', './gradlew eclipse build', 'mvn verify', 'make idea']) expect(generatesIdeFiles(c), c).toBe(false);
});

it('starting a new project from a template is not a step of this one', () => {
  for (const c of ['npm init vite@latest my-app', 'npm create vite@latest', 'yarn create next-app', 'npx create-react-app my-app', 'pnpm dlx create-next-app@latest', 'npx @vue/create-app x', 'cargo new hello', 'rails new blog', 'dotnet new console -o app']) expect(scaffoldsProject(c), c).toBe(true);
  for (const c of ['npm init', 'npm init -y', 'npm install', 'npx jest', 'cargo build', 'dotnet new --list']) expect(scaffoldsProject(c), c).toBe(false);
});

describe('coverage uploads', () => {
  it('uploading coverage to a hosted service is no test step: pipes, npx, python -m, curl scripts and npm scripts doing it', () => {
    for (const c of ['cat coverage/lcov.info | coveralls', 'cat ./coverage/lcov.info | ./node_modules/.bin/coveralls', 'codecov', 'nyc report --reporter=text-lcov | coveralls',
      'npx codecov -t abc', 'python -m coveralls', 'bash <(curl -s https://codecov.io/bash)', 'coverage xml && codecov']) expect(uploadsCoverage(c), c).toBe(true);
    // Lines that also test, and coverage runs that only measure locally, stay.
    for (const c of ['npm test && codecov', 'nyc npm test', 'npm run coverage', 'pytest --cov', 'c8 report --reporter=text']) expect(uploadsCoverage(c), c).toBe(false);
  });
  it('filterEvidence leaves coverage uploads out, looking into the package script a CI line runs', () => {
    const eco: Ecosystem = { name: 'node', root: '.', packageManager: 'npm', scripts: { test: 'mocha', 'test:coverage': 'cat ./coverage/lcov.info | coveralls' } };
    const s = (command: string): CandidateStep => ({ stage: 'test', command, source: { kind: 'ci', file: '.travis.yml', detail: 'travis:script' }, confidence: 0.8, platform: 'any' });
    const r = filterEvidence([s('npm test'), s('npm run test:coverage'), s('cat coverage/lcov.info | coveralls')], { packageNames: new Set(), repoNames: new Set() }, () => true, [eco]);
    expect(r.kept.map((c) => c.command)).toEqual(['npm test']);
    expect(r.left[0].why).toMatch(/coverage reports/);
  });
});
