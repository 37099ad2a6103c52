import { afterAll, describe, expect, it } from 'vitest';
import { extractCi } from './extract.js';
import { chooseMatrixEntry } from './matrix.js';
import { conditionHolds, substitute, UNKNOWN } from './expressions.js';
import { parseMakefile } from './makefile.js';
import { CiExtractionAgent } from './agent.js';
import { extractDocs } from '../documentation/extract.js';
import { cleanupFixtures, cmds, dedent, find, fixtureRepo } from '../documentation/fixture-repo.js';
import { CandidateStep, Provenance } from '../../protocol/plan.js';

afterAll(cleanupFixtures);


describe('GitHub Actions', () => {
  const workflow = dedent(`
    name: CI
    on: [push, pull_request]
    env:
      FORCE_COLOR: "1"
    jobs:
      test:
        runs-on: \${{ matrix.os }}
        strategy:
          matrix:
            os: [windows-latest, ubuntu-latest, macos-latest]
            python-version: ["3.9", "3.10", "3.12", "3.13-dev", "pypy-3.10"]
        services:
          db:
            image: postgres:16
            env:
              POSTGRES_PASSWORD: postgres
          cache:
            image: redis:7-alpine
        steps:
          - uses: actions/checkout@v4
            with:
              submodules: recursive
          - uses: actions/setup-python@v5
            with:
              python-version: \${{ matrix.python-version }}
          - name: Install dependencies
            run: |
              python -m pip install --upgrade pip
              # editable install with test extras
              pip install -e ".[test]"
          - name: Windows extras
            if: runner.os == 'Windows'
            run: choco install graphviz
          - name: Mac extras
            if: \${{ startsWith(matrix.os, 'macos') }}
            run: brew install graphviz
          - name: Linux extras
            if: matrix.os == 'ubuntu-latest'
            run: sudo apt-get install -y graphviz
          - name: Run tests
            working-directory: ./python
            env:
              DATABASE_URL: postgres://postgres:postgres@localhost/test
              PYPI_TOKEN: \${{ secrets.PYPI_TOKEN }}
            run: pytest -x --python-version \${{ matrix.python-version }}
          - name: Upload coverage
            uses: codecov/codecov-action@v4
          - name: Publish
            if: startsWith(github.ref, 'refs/tags/')
            run: twine upload dist/*
          - run: npm publish
  `);

  it('keeps run steps with the line of `run:`, a multi-line script whole, comments out, and the step as detail', () => {
    const fs = fixtureRepo({ '.github/workflows/ci.yml': workflow });
    const { candidates } = extractCi(fs);
    const install = find(candidates, 'python -m pip install --upgrade pip\npip install -e ".[test]"');
    expect(install.source).toEqual({ kind: 'ci', file: '.github/workflows/ci.yml', line: 27, detail: 'github-actions:test/Install dependencies' });
    expect(install.stage).toBe('install');
    expect(install.confidence).toBeGreaterThanOrEqual(0.9);
    expect(install.env).toEqual({ FORCE_COLOR: '1' });
  });

  it('reduces the matrix to ubuntu and the latest stable version, substituting it everywhere', () => {
    const fs = fixtureRepo({ '.github/workflows/ci.yml': workflow });
    const { candidates, toolchains } = extractCi(fs);
    expect(toolchains).toEqual([{ language: 'python', version: '3.12', alternatives: ['3.9', '3.10', '3.12'], source: { kind: 'ci', file: '.github/workflows/ci.yml', line: 23, detail: 'github-actions:test/actions/setup-python' } }]);
    const test = find(candidates, 'pytest -x --python-version 3.12');
    expect(test.stage).toBe('test');
    expect(test.platform).toBe('any');
  });

  it('skips steps whose if: is false on Linux and keeps those that hold', () => {
    const fs = fixtureRepo({ '.github/workflows/ci.yml': workflow });
    const all = cmds(extractCi(fs).candidates);
    expect(all).not.toContain('choco install graphviz');
    expect(all).not.toContain('brew install graphviz');
    expect(all).toContain('sudo apt-get install -y graphviz');
  });

  it('keeps literal env, turns secrets into inputs, and maps working-directory to cwd', () => {
    const fs = fixtureRepo({ '.github/workflows/ci.yml': workflow });
    const test = find(extractCi(fs).candidates, 'pytest -x --python-version 3.12');
    expect(test.cwd).toBe('python');
    expect(test.env).toEqual({ FORCE_COLOR: '1', DATABASE_URL: 'postgres://postgres:postgres@localhost/test' });
    expect(test.needsInput).toEqual(['secrets.PYPI_TOKEN']);
  });

  it('lists job services and checkout submodules', () => {
    const fs = fixtureRepo({ '.github/workflows/ci.yml': workflow });
    const { services, candidates } = extractCi(fs);
    expect(services.map((s) => [s.name, s.source.line])).toEqual([['postgres', 13], ['redis', 17]]);
    expect(find(candidates, 'git submodule update --init --recursive').stage).toBe('install');
  });

  it('leaves out release, publish, deploy and coverage-upload work', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': workflow,
      '.github/workflows/release.yml': dedent(`
        on:
          release:
            types: [published]
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: python -m build
      `),
      '.github/workflows/deploy.yml': dedent(`
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: make check
          deploy:
            runs-on: ubuntu-latest
            steps:
              - run: ./scripts/deploy-prod.sh
          docker:
            runs-on: ubuntu-latest
            steps:
              - run: docker build -t acme/app .
              - run: docker push acme/app
      `),
    });
    const all = cmds(extractCi(fs).candidates);
    expect(all).toContain('make check');
    expect(all).toContain('docker build -t acme/app .');
    for (const c of ['twine upload dist/*', 'npm publish', 'python -m build', './scripts/deploy-prod.sh', 'docker push acme/app']) expect(all).not.toContain(c);
  });

  it('skips triage-only workflows, code-scanning jobs and steps that only print; CI plumbing is weaker evidence', () => {
    const fs = fixtureRepo({
      '.github/workflows/triage.yml': 'on:\n  issues:\n    types: [labeled]\njobs:\n  close:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./close-stale.sh\n',
      '.github/workflows/codeql.yml': 'on: [push]\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: github/codeql-action/init@v3\n      - run: make codeql-build\n',
      '.github/workflows/ci.yml': dedent(`
        on: [push]
        jobs:
          t:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "node: $(node -v)"
                  npm --version
              - run: echo "CARGO=cross" >> $GITHUB_ENV
              - run: echo "version=$(./mvnw help:evaluate -Dexpression=project.version -q -DforceStdout)" >> "$GITHUB_OUTPUT"
              - run: echo "### Done" >> $GITHUB_STEP_SUMMARY
              - name: Lint
                run: uv run --group dev ruff check .
              - run: uv run --locked --group dev tox run
      `),
    });
    const { candidates } = extractCi(fs);
    expect(cmds(candidates)).toEqual(['echo "CARGO=cross" >> $GITHUB_ENV', 'uv run --group dev ruff check .', 'uv run --locked --group dev tox run']);
    expect(find(candidates, 'echo "CARGO=cross" >> $GITHUB_ENV').confidence).toBeLessThanOrEqual(0.6);
    expect(find(candidates, 'uv run --group dev ruff check .').confidence).toBeLessThanOrEqual(0.6);
    expect(find(candidates, 'uv run --locked --group dev tox run')).toMatchObject({ stage: 'test', confidence: 0.9 });
  });

  it('a bare `make` takes the stage its step name gives (the first target is whatever the Makefile says)', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': 'on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Install dependencies\n        run: make\n      - name: Run tests\n        run: make ci\n      - run: make -j4\n',
    });
    expect(extractCi(fs).candidates.map((c) => `${c.stage}: ${c.command}`)).toEqual(['install: make', 'test: make ci', 'build: make -j4']);
  });

  it('lets a step named "Test" that first installs packages count as test', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': 'on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Test\n        run: |\n          sudo apt-get install -y tcl8.6\n          ./runtest --verbose\n',
    });
    expect(extractCi(fs).candidates.map((c) => c.stage)).toEqual(['test']);
  });

  it('marks jobs on Windows/macOS runners and pwsh steps with their platform', () => {
    const fs = fixtureRepo({
      '.github/workflows/os.yml': dedent(`
        on: push
        jobs:
          win:
            runs-on: windows-latest
            steps:
              - run: .\\build.ps1
          mac:
            runs-on: macos-14
            steps:
              - run: xcodebuild test
          linux:
            runs-on: ubuntu-22.04
            steps:
              - run: Get-ChildItem
                shell: pwsh
              - run: cargo test
      `),
    });
    const { candidates } = extractCi(fs);
    expect(find(candidates, '.\\build.ps1').platform).toBe('windows');
    expect(find(candidates, 'xcodebuild test').platform).toBe('macos');
    expect(find(candidates, 'Get-ChildItem').platform).toBe('windows');
    expect(find(candidates, 'cargo test').platform).toBe('any');
  });

  it('asks for workflow-level secrets only in steps whose script uses them', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': 'on: [push]\nenv:\n  GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n  MODE: ci\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n      - run: ./scripts/fetch-fixtures.sh "$GH_TOKEN"\n',
    });
    const { candidates } = extractCi(fs);
    expect(find(candidates, 'npm test').needsInput).toBeUndefined();
    expect(find(candidates, 'npm test').env).toEqual({ MODE: 'ci' });
    expect(find(candidates, './scripts/fetch-fixtures.sh "$GH_TOKEN"').needsInput).toEqual(['secrets.GITHUB_TOKEN']);
  });

  it('reads toolchain versions from node-version-file, go-version-file and the rust-toolchain ref', () => {
    const fs = fixtureRepo({
      '.nvmrc': 'v20.11.1\n',
      'go.mod': 'module example.com/x\n\ngo 1.22\n',
      '.github/workflows/ci.yml': dedent(`
        on: pull_request
        jobs:
          node:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/setup-node@v4
                with:
                  node-version-file: .nvmrc
              - uses: actions/setup-go@v5
                with:
                  go-version-file: go.mod
              - uses: dtolnay/rust-toolchain@1.75.0
              - uses: actions/setup-java@v4
                with:
                  distribution: temurin
                  java-version: 21
              - uses: pnpm/action-setup@v4
                with:
                  version: 9
              - run: pnpm install --frozen-lockfile
      `),
    });
    const { toolchains } = extractCi(fs);
    expect(Object.fromEntries(toolchains.map((t) => [t.language, t.version]))).toEqual({ node: '20.11.1', go: '1.22', rust: '1.75.0', java: '21', pnpm: '9' });
  });

  it('warns about malformed YAML naming the file and still extracts the other files', () => {
    const fs = fixtureRepo({
      '.github/workflows/broken.yml': 'jobs:\n  test: [\n    steps\n',
      '.github/workflows/ok.yml': 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n',
      '.gitlab-ci.yml': 'test:\n  script: "unclosed\n',
      Makefile: 'test:\n\tgo test ./...\n',
    });
    const { candidates, warnings } = extractCi(fs);
    expect(cmds(candidates)).toEqual(['npm test', 'make test']);
    expect(warnings.some((w) => w.startsWith('.github/workflows/broken.yml is not valid YAML'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('.gitlab-ci.yml is not valid YAML'))).toBe(true);
  });

  it('refuses a YAML alias bomb quickly, with a warning', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    bomb.push('jobs:\n  t:\n    steps:\n      - run: *j');
    const fs = fixtureRepo({ '.github/workflows/bomb.yml': bomb.join('\n') });
    const t0 = Date.now();
    const { warnings } = extractCi(fs);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(warnings.some((w) => w.includes('bomb.yml'))).toBe(true);
  });
});

describe('GitHub Actions composite actions', () => {
  it('expands a local composite action: its run steps with inputs, and setup actions inside it', () => {
    const fs = fixtureRepo({
      '.github/actions/setup/action.yml': dedent(`
        name: Setup
        inputs:
          node:
            default: "18"
          flags:
            default: "--frozen-lockfile"
        runs:
          using: composite
          steps:
            - uses: actions/setup-node@v4
              with:
                node-version: \${{ inputs.node }}
            - name: Install
              shell: bash
              run: pnpm install \${{ inputs.flags }}
      `),
      '.github/workflows/ci.yml': dedent(`
        on: [pull_request]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: ./.github/actions/setup
                with:
                  node: "22"
              - run: pnpm test
      `),
    });
    const { candidates, toolchains } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.source.file, c.source.line, c.stage])).toEqual([
      ['pnpm install --frozen-lockfile', '.github/actions/setup/action.yml', 15, 'install'],
      ['pnpm test', '.github/workflows/ci.yml', 10, 'test'],
    ]);
    expect(toolchains.map((t) => [t.language, t.version, t.source.file])).toEqual([['node', '22', '.github/actions/setup/action.yml']]);
  });
});

describe('matrix and expressions', () => {
  it('prefers an ubuntu entry and the latest stable version; honours exclude and include', () => {
    expect(chooseMatrixEntry({ os: ['macos-latest', 'ubuntu-latest', 'windows-latest'], node: ['18', '20', '22', '23-nightly'] })).toEqual({ os: 'ubuntu-latest', node: '22' });
    expect(chooseMatrixEntry({ os: ['ubuntu-latest'], py: ['3.11', '3.12'] }, [], [{ os: 'ubuntu-latest', py: '3.12' }])).toEqual({ os: 'ubuntu-latest', py: '3.11' });
    expect(chooseMatrixEntry({ py: ['3.12'] }, [{ py: '3.12', extra: 'full' }])).toEqual({ py: '3.12', extra: 'full' });
    expect(chooseMatrixEntry({}, [{ os: 'windows-2022', target: 'msvc' }, { os: 'ubuntu-24.04', target: 'gnu' }])).toEqual({ os: 'ubuntu-24.04', target: 'gnu' });
    expect(chooseMatrixEntry({ python: ['3.8', '3.9', '3.10'] })).toEqual({ python: '3.10' });
    // A cross-compilation target triple says nothing about the runner: the plain stable entry wins.
    expect(chooseMatrixEntry({}, [
      { build: 'pinned', os: 'ubuntu-latest', rust: '1.80.0' }, { build: 'stable', os: 'ubuntu-latest', rust: 'stable' },
      { build: 'stable-musl', os: 'ubuntu-latest', rust: 'stable', target: 'x86_64-unknown-linux-musl' }, { build: 'macos', os: 'macos-latest', rust: 'stable' },
    ])).toEqual({ build: 'stable', os: 'ubuntu-latest', rust: 'stable' });
  });

  it('evaluates conditions with three-valued logic and substitutes matrix, runner, env and secrets', () => {
    const ctx = { matrix: { os: 'ubuntu-latest', cfg: { cc: 'gcc' } }, env: { MODE: 'ci' } };
    expect(conditionHolds("runner.os == 'Windows'", ctx)).toBe(false);
    expect(conditionHolds("${{ matrix.os != 'windows-latest' }}", ctx)).toBe(true);
    expect(conditionHolds("github.event_name == 'push'", ctx)).toBe(UNKNOWN);
    expect(conditionHolds("github.event_name == 'push' && runner.os == 'macOS'", ctx)).toBe(false);
    expect(conditionHolds("github.event_name == 'push' || contains(matrix.os, 'ubuntu')", ctx)).toBe(true);
    expect(conditionHolds('failure()', ctx)).toBe(false);
    const s = substitute('make CC=${{ matrix.cfg.cc }} MODE=${{ env.MODE }} TOKEN=${{ secrets.NPM_TOKEN }} SHA=${{ github.sha }}', ctx);
    expect(s.text).toBe('make CC=gcc MODE=ci TOKEN=$NPM_TOKEN SHA=${{ github.sha }}');
    expect(s.secrets).toEqual(['secrets.NPM_TOKEN']);
    expect(s.unresolved).toEqual(['${{ github.sha }}']);
  });

  it('a matrix key the chosen entry lacks is null, as on GitHub: cross-compilation steps of other entries drop out', () => {
    expect(conditionHolds("matrix.target != ''", { matrix: { os: 'ubuntu-latest' }, matrixKnown: true, env: {} })).toBe(false);
    expect(conditionHolds("matrix.target == ''", { matrix: { os: 'ubuntu-latest' }, matrixKnown: true, env: {} })).toBe(true);
    expect(conditionHolds("matrix.target != ''", { matrix: {}, env: {} })).toBe(UNKNOWN);
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': dedent(`
        on: [push]
        jobs:
          test:
            runs-on: \${{ matrix.os }}
            strategy:
              matrix:
                include:
                - { build: stable, os: ubuntu-latest, rust: stable }
                - { build: stable-musl, os: ubuntu-latest, rust: stable, target: x86_64-unknown-linux-musl }
            steps:
              - name: Use Cross
                if: matrix.target != ''
                run: cargo install cross
              - run: cargo test --workspace
              - name: Tests sans cross
                if: matrix.target == ''
                run: cargo test --features pcre2
      `),
    });
    expect(cmds(extractCi(fs).candidates)).toEqual(['cargo test --workspace', 'cargo test --features pcre2']);
  });

  it('lowers confidence when a command keeps an unresolved expression; asks for input only when a person supplies it', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./build.sh ${{ steps.meta.outputs.version }} ${{ needs.meta.outputs.name }}\n      - run: ./build.sh --plain\n      - run: ./build.sh ${{ vars.TARGET }}\n',
    });
    const { candidates } = extractCi(fs);
    // Outputs of other steps and jobs are computed by CI itself: nothing a person supplies.
    const unresolved = find(candidates, './build.sh ${{ steps.meta.outputs.version }} ${{ needs.meta.outputs.name }}');
    expect(unresolved.needsInput).toBeUndefined();
    expect(unresolved.confidence).toBeLessThan(find(candidates, './build.sh --plain').confidence);
    expect(find(candidates, './build.sh ${{ vars.TARGET }}').needsInput).toEqual(['${{ vars.TARGET }}']);
  });
});

describe('other hosted CI', () => {
  it('GitLab: before_script and script lines, image toolchain, services, extends; deploy and manual jobs left out', () => {
    const fs = fixtureRepo({
      '.gitlab-ci.yml': dedent(`
        image: node:20-bullseye
        services:
          - postgres:15
          - name: redis:7
            alias: cache
        variables:
          NODE_ENV: test
        stages: [build, test, deploy]
        .common:
          before_script:
            - npm ci
        build:
          extends: .common
          stage: build
          script:
            - npm run build
        unit:
          extends: .common
          stage: test
          script:
            - npm test -- --coverage
        deploy_prod:
          stage: deploy
          script:
            - ./deploy.sh
        manual_job:
          when: manual
          script:
            - ./dangerous.sh
        tag_build:
          only:
            - tags
          script:
            - ./build-release.sh
        tag_rule:
          rules:
            - if: $CI_COMMIT_TAG
          script:
            - ./package.sh
      `),
    });
    const { candidates, toolchains, services } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([
      ['npm ci', 'install', 11],
      ['npm run build', 'build', 16],
      ['npm test -- --coverage', 'test', 21],
    ]);
    expect(find(candidates, 'npm ci').env).toEqual({ NODE_ENV: 'test' });
    expect(toolchains.map((t) => [t.language, t.version])).toEqual([['node', '20']]);
    expect(services.map((s) => s.name)).toEqual(['postgres', 'redis']);
  });

  it('GitLab: jobs from local include files keep their own file as provenance', () => {
    const fs = fixtureRepo({
      '.gitlab-ci.yml': 'include:\n  - local: /ci/test.yml\n  - remote: https://example.com/x.yml\nbuild:\n  script:\n    - make\n',
      'ci/test.yml': 'unit:\n  stage: test\n  script:\n    - make check\n',
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.source.file, c.source.line])).toEqual([['make', '.gitlab-ci.yml', 6], ['make check', 'ci/test.yml', 4]]);
  });

  it('Travis: language versions, services, apt addons and the phases in order', () => {
    const fs = fixtureRepo({
      '.travis.yml': dedent(`
        language: python
        python:
          - "3.8"
          - "3.11"
          - "nightly"
        services:
          - postgresql
          - redis-server
        addons:
          apt:
            packages:
              - libxml2-dev
        install:
          - pip install -r requirements.txt
        script: pytest
        deploy:
          provider: pypi
      `),
    });
    const { candidates, toolchains, services } = extractCi(fs);
    expect(toolchains.map((t) => [t.language, t.version])).toEqual([['python', '3.11']]);
    expect(services.map((s) => s.name)).toEqual(['postgres', 'redis']);
    expect(candidates.map((c) => [c.command, c.stage])).toEqual([
      ['apt-get install -y libxml2-dev', 'system'],
      ['pip install -r requirements.txt', 'install'],
      ['pytest', 'test'],
    ]);
  });

  it('Travis: phases from the first Linux entry of jobs.include when the top level has none', () => {
    const fs = fixtureRepo({
      '.travis.yml': 'language: node_js\njobs:\n  include:\n    - os: osx\n      script: npm run test:mac\n    - node_js: "20"\n      install: npm ci\n      script: npm test\n    - stage: deploy\n      script: npm publish\n',
    });
    const { candidates, toolchains } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([['npm ci', 'install', 7], ['npm test', 'test', 8]]);
    expect(toolchains.map((t) => [t.language, t.version])).toEqual([['node', '20']]);
  });

  it('CircleCI: run steps (string and map forms), primary image toolchain, secondary images as services', () => {
    const fs = fixtureRepo({
      '.circleci/config.yml': dedent(`
        version: 2.1
        jobs:
          test:
            docker:
              - image: cimg/ruby:3.3.0
              - image: cimg/postgres:16.1
            steps:
              - checkout
              - run: bundle install
              - run:
                  name: Run specs
                  command: bundle exec rspec
          publish:
            docker:
              - image: cimg/ruby:3.3.0
            steps:
              - run: gem push pkg/*.gem
      `),
    });
    const { candidates, toolchains, services } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([['bundle install', 'install', 9], ['bundle exec rspec', 'test', 12]]);
    expect(toolchains.map((t) => [t.language, t.version])).toEqual([['ruby', '3.3.0']]);
    expect(services.map((s) => s.name)).toEqual(['postgres']);
  });

  it('CircleCI: common orb steps become the commands they run', () => {
    const fs = fixtureRepo({
      '.circleci/config.yml': 'version: 2.1\norbs:\n  node: circleci/node@5\njobs:\n  test:\n    executor: node/default\n    steps:\n      - checkout\n      - node/install-packages:\n          pkg-manager: pnpm\n      - node/test\n',
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([['pnpm install --frozen-lockfile', 'install', 9], ['npm run test', 'test', 11]]);
  });

  it('Azure Pipelines: script steps and version tasks; Windows pools left out', () => {
    const fs = fixtureRepo({
      'azure-pipelines.yml': dedent(`
        jobs:
          - job: linux
            pool:
              vmImage: ubuntu-latest
            steps:
              - task: UsePythonVersion@0
                inputs:
                  versionSpec: '3.11'
              - script: python -m pip install -e .
                displayName: Install
              - bash: python -m pytest
                displayName: Test
          - job: windows
            pool:
              vmImage: windows-latest
            steps:
              - script: build.cmd
      `),
    });
    const { candidates, toolchains } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage])).toEqual([['python -m pip install -e .', 'install'], ['python -m pytest', 'test']]);
    expect(toolchains.map((t) => [t.language, t.version])).toEqual([['python', '3.11']]);
  });
});

describe('tox, nox, Makefile, Dockerfile, devcontainer', () => {
  it('tox.ini: `tox -e py`, the default testenv deps and commands, factor-only lines left out', () => {
    const fs = fixtureRepo({
      'tox.ini': dedent(`
        [tox]
        envlist = py39, py312, lint

        [testenv]
        deps =
            pytest>=7
            -r requirements-dev.txt
            lint: ruff
        commands =
            pytest {posargs:tests} --basetemp={envtmpdir}
            lint: ruff check src
      `),
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([
      ['tox -e py', 'test', 4],
      ["python -m pip install 'pytest>=7' -r requirements-dev.txt", 'install', 5],
      ['pytest tests --basetemp={envtmpdir}', 'test', 10],
    ]);
    expect(find(candidates, 'tox -e py').context).toBe('envlist: py39, py312, lint');
  });

  it('tox configuration inside pyproject.toml (legacy_tox_ini) keeps real line numbers', () => {
    const fs = fixtureRepo({
      'pyproject.toml': '[project]\nname = "x"\n\n[tool.tox]\nlegacy_tox_ini = """\n[tox]\nenvlist = py\n\n[testenv]\ncommands = pytest -q\n"""\n',
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.source.file, c.source.line])).toEqual([['tox -e py', 'pyproject.toml', 9], ['pytest -q', 'pyproject.toml', 10]]);
  });

  it('tox 4 TOML configuration ([tool.tox] in pyproject.toml): commands with posargs defaults and deps', () => {
    const fs = fixtureRepo({
      'pyproject.toml': dedent(`
        [project]
        name = "x"

        [tool.tox]
        env_list = ["3.13", "3.12", "type"]

        [tool.tox.env_run_base]
        deps = ["pytest>=8", "covdefaults"]
        commands = [["pytest", { replace = "posargs", default = ["tests"], extend = true }], ["coverage", "report"]]
      `),
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([
      ['tox -e py', 'test', 7],
      ["python -m pip install 'pytest>=8' covdefaults", 'install', 8],
      ['pytest tests', 'test', 9],
      ['coverage report', 'test', 9],
    ]);
    expect(find(candidates, 'tox -e py').context).toBe('env_list: 3.13, 3.12, type');
  });

  it('noxfile.py: `nox -s` per session, name= overriding, lint weaker than tests, release sessions left out', () => {
    const fs = fixtureRepo({
      'noxfile.py': dedent(`
        import nox

        @nox.session(python=["3.11", "3.12"])
        def tests(session):
            session.install(".[test]")
            session.run("pytest")

        @nox.session(
            name="lint",
            reuse_venv=True,
        )
        def run_linters(session):
            session.run("ruff", "check")

        @nox.session
        def release(session):
            pass
      `),
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.source.line])).toEqual([['nox -s tests', 3], ['nox -s lint', 8]]);
    expect(find(candidates, 'nox -s lint').confidence).toBeLessThan(find(candidates, 'nox -s tests').confidence);
  });

  it('Makefile: standard targets as `make <target>`; assignments with colons are not targets; .PHONY known', () => {
    const text = dedent(`
      .PHONY: all test lint install
      URL := http://example.com:8080
      FLAGS = -a:b
      all: build
      build: deps
      \tgo build -o bin/app ./cmd/app
      test:
      \tgo test ./... \\
      \t  -race
      lint:
      \tgolangci-lint run
      install:
      \tcp bin/app /usr/local/bin/
      %.o: %.c
      \t$(CC) -c $<
      help:
      \t@echo help
    `);
    const parsed = parseMakefile(text);
    expect(parsed.targets.map((t) => t.name)).toEqual(['all', 'build', 'test', 'lint', 'install', 'help']);
    expect(parsed.targets.find((t) => t.name === 'test')?.phony).toBe(true);
    const fs = fixtureRepo({ Makefile: text });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([
      ['make all', 'build', 4], ['make build', 'build', 5], ['make test', 'test', 7], ['make lint', 'test', 10], ['make install', 'build', 12],
    ]);
    // System-wide `make install` and lint are weak evidence.
    expect(find(candidates, 'make install').confidence).toBeLessThan(find(candidates, 'make test').confidence);
    expect(find(candidates, 'make lint').confidence).toBeLessThan(find(candidates, 'make test').confidence);
  });

  it('justfile recipes and Taskfile tasks with standard names', () => {
    const fs = fixtureRepo({
      justfile: 'set shell := ["bash", "-c"]\n\ndefault: build\n\nbuild:\n    cargo build\n\ntest filter="": build\n    cargo test {{filter}}\n\nrelease:\n    cargo publish\n',
      'Taskfile.yml': 'version: "3"\ntasks:\n  install:\n    cmds: [go mod download]\n  lint:\n    cmds: [golangci-lint run]\n  deploy:\n    cmds: [./deploy.sh]\n',
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([
      ['just default', 'build', 3], ['just build', 'build', 5], ['just test', 'test', 8], ['task install', 'install', 3], ['task lint', 'test', 5],
    ]);
  });

  it('Dockerfile: RUN joined over continuations, apt-get parts as system, housekeeping dropped, FROM as toolchain, cwd mapped', () => {
    const fs = fixtureRepo({
      Dockerfile: dedent(`
        # syntax=docker/dockerfile:1
        ARG NODE_VERSION=20
        FROM node:\${NODE_VERSION}-bookworm-slim AS build
        RUN apt-get update \\
            # build tools for native modules
            && apt-get install -y --no-install-recommends python3 make g++ \\
            && rm -rf /var/lib/apt/lists/*
        WORKDIR /app
        COPY package.json package-lock.json ./
        RUN --mount=type=cache,target=/root/.npm npm ci
        COPY . .
        ENV NODE_ENV=production PATH=/app/node_modules/.bin:$PATH
        RUN npm run build && npm prune --omit=dev
        WORKDIR /app/packages/server
        RUN npm run compile
        RUN useradd -m app && chown -R app /app
        CMD ["node", "dist/index.js"]
      `),
    });
    const { candidates, toolchains } = extractCi(fs);
    expect(toolchains.map((t) => [t.language, t.version, t.source.line])).toEqual([['node', '20', 3]]);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line, c.cwd])).toEqual([
      ['apt-get update && apt-get install -y --no-install-recommends python3 make g++', 'system', 4, undefined],
      ['npm ci', 'install', 10, undefined],
      ['npm run build && npm prune --omit=dev', 'build', 13, undefined],
      ['npm run compile', 'build', 15, 'packages/server'],
      ['node dist/index.js', 'run', 17, undefined],
    ]);
    expect(find(candidates, 'npm run build && npm prune --omit=dev').env).toEqual({ NODE_ENV: 'production' });
  });

  it('devcontainer.json with comments and trailing commas: string, array and object commands; image and features', () => {
    const fs = fixtureRepo({
      '.devcontainer/devcontainer.json': dedent(`
        {
          // Python dev container
          "name": "dev",
          "image": "mcr.microsoft.com/devcontainers/python:3.12-bookworm",
          "features": {
            "ghcr.io/devcontainers/features/node:1": { "version": "20" },
          },
          "onCreateCommand": ["pip", "install", "-e", ".[dev]"],
          "postCreateCommand": {
            "hooks": "pre-commit install",
            "frontend": "cd web && npm ci", /* the UI */
          },
          "updateContentCommand": "make deps",
        }
      `),
    });
    const { candidates, toolchains } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.source.line, c.source.detail])).toEqual([
      ["pip install -e '.[dev]'", 8, 'devcontainer:onCreateCommand'],
      ['make deps', 13, 'devcontainer:updateContentCommand'],
      ['pre-commit install', 10, 'devcontainer:postCreateCommand/hooks'],
      ['cd web && npm ci', 11, 'devcontainer:postCreateCommand/frontend'],
    ]);
    expect(Object.fromEntries(toolchains.map((t) => [t.language, t.version]))).toEqual({ python: '3.12', node: '20' });
  });

  it('Docker Compose: database and cache services (not the app itself)', () => {
    const fs = fixtureRepo({
      'docker-compose.yml': 'services:\n  app:\n    build: .\n  db:\n    image: postgres:16-alpine\n  cache:\n    image: "bitnami/redis:7.2"\n',
    });
    const { services, candidates } = extractCi(fs);
    expect(services.map((s) => [s.name, s.source.line])).toEqual([['postgres', 4], ['redis', 6]]);
    expect(candidates).toEqual([]);
  });

  it('devcontainer.json that is not JSON: a warning naming the file', () => {
    const fs = fixtureRepo({ '.devcontainer/devcontainer.json': '{ "postCreateCommand": ', Makefile: 'check:\n\ttrue\n' });
    const { candidates, warnings } = extractCi(fs);
    expect(cmds(candidates)).toEqual(['make check']);
    expect(warnings.some((w) => w.startsWith('.devcontainer/devcontainer.json is not valid JSON'))).toBe(true);
  });
});

describe('whole repositories', () => {
  it('finds the instructions when they exist only in CI (the README has none)', () => {
    const fs = fixtureRepo({
      'README.md': '# Tool\n\nA tool that does things. See the website.\n',
      'Cargo.toml': '[package]\nname = "tool"\n',
      '.github/workflows/rust.yml': 'on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Build\n        run: cargo build --verbose\n      - name: Run tests\n        run: cargo test --verbose\n',
    });
    expect(extractDocs(fs).candidates).toEqual([]);
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => [c.command, c.stage, c.source.line])).toEqual([['cargo build --verbose', 'build', 8], ['cargo test --verbose', 'test', 10]]);
  });

  it('keeps the same command of different jobs apart (the planner picks the main job), folds a task file\'s copy in', () => {
    const fs = fixtureRepo({
      '.github/workflows/a.yml': 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n',
      Makefile: 'test:\n\tpytest\n',
    });
    const { candidates } = extractCi(fs);
    expect(candidates.filter((c) => c.command === 'make test').map((c) => c.source.detail?.split('/')[0])).toEqual(['github-actions:a', 'github-actions:b']);
    expect(find(candidates, 'make test').source.file).toBe('.github/workflows/a.yml');
  });

  it('produces candidates that satisfy the CandidateStep schema, from every reader at once', () => {
    const fs = fixtureRepo({
      'README.md': '## Install\n\n```sh\n$ npm ci\n$ brew install x\nexport T=<token>\n```\n',
      '.github/workflows/ci.yml': 'on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    services:\n      r:\n        image: redis\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 20\n      - run: npm test\n        env:\n          K: ${{ secrets.K }}\n',
      '.gitlab-ci.yml': 'test:\n  image: python:3.12\n  script:\n    - pytest\n',
      '.travis.yml': 'language: go\ngo: ["1.22"]\nscript: go test ./...\n',
      '.circleci/config.yml': 'jobs:\n  b:\n    docker:\n      - image: cimg/rust:1.75\n    steps:\n      - run: cargo test\n',
      'azure-pipelines.yml': 'steps:\n  - script: make check\n',
      'tox.ini': '[testenv]\ncommands = pytest\n',
      'noxfile.py': '@nox.session\ndef tests(session):\n    pass\n',
      Makefile: 'test:\n\ttrue\n',
      Dockerfile: 'FROM node:20\nRUN npm ci\n',
      '.devcontainer/devcontainer.json': '{"postCreateCommand": "npm ci"}',
    });
    const all = [...extractDocs(fs).candidates, ...extractCi(fs).candidates];
    expect(all.length).toBeGreaterThanOrEqual(11);
    for (const c of all) expect(CandidateStep.safeParse(c).success, JSON.stringify(c)).toBe(true);
    const { toolchains, services } = extractCi(fs);
    for (const t of toolchains) expect(Provenance.safeParse(t.source).success).toBe(true);
    expect(services.map((s) => s.name)).toEqual(['redis']);
  });

  it('returns empty findings for a repository without any CI or build files', () => {
    expect(extractCi(fixtureRepo({ 'README.md': '# x\n' }))).toEqual({ candidates: [], toolchains: [], services: [], jobs: [], warnings: [] });
  });

  it('CiExtractionAgent answers ci.extract', async () => {
    const fs = fixtureRepo({ Makefile: 'test:\n\tgo test ./...\n' });
    const agent = new CiExtractionAgent();
    expect(agent.registration().capabilities.map((c) => c.name)).toEqual(['ci.extract']);
    const msg = { message_id: 'm1', timestamp: new Date().toISOString(), from_agent: 'test', to_agent: agent.id, message_type: 'ci.extract', content: { root: fs.root }, priority: 'normal' as const, requires_response: true };
    const result = await agent.handle(msg, {});
    expect(cmds(result.candidates as CandidateStep[])).toEqual(['make test']);
    await expect(agent.handle({ ...msg, content: { root: 42 } }, {})).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('shapes found trying real repositories', () => {
  it('Dockerfile: RUN with if/for/case or || is kept whole and parses; plain && chains still split', async () => {
    const { parseShell } = await import('../command-validation/parser.js');
    const fs = fixtureRepo({
      Dockerfile: dedent(`
        FROM node:20
        WORKDIR /app
        COPY . .
        ARG RUN_TESTS=1
        RUN npm ci && npm run build
        RUN if [ "\${RUN_TESTS}" = 1 ]; then \\
              npm test; \\
            fi
        RUN for p in a b; do npm run build --workspace "$p"; done
        RUN case "$TARGET" in prod) npm run build:prod ;; *) npm run build ;; esac
        RUN make check || true
      `),
    });
    const { candidates } = extractCi(fs);
    expect(cmds(candidates)).toEqual([
      'npm ci',
      'npm run build',
      'if [ "\${RUN_TESTS}" = 1 ]; then npm test; fi',
      'for p in a b; do npm run build --workspace "$p"; done',
      'case "$TARGET" in prod) npm run build:prod ;; *) npm run build ;; esac',
      'make check || true',
    ]);
    for (const c of candidates) expect(parseShell(c.command).ok, c.command).toBe(true);
    expect(find(candidates, 'npm ci').stage).toBe('install');
    expect(find(candidates, 'if [ "\${RUN_TESTS}" = 1 ]; then npm test; fi').source.line).toBe(6);
  });

  it('GitHub Actions: a macOS/Windows-only matrix keeps its portable steps for Linux (weaker); platform-specific steps stay apart', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': dedent(`
        on: [push, pull_request]
        jobs:
          test:
            runs-on: \${{ matrix.os }}
            strategy:
              matrix:
                os: [macos-latest, windows-latest]
            steps:
              - run: brew install pkg-config
              - run: choco install ninja
              - run: npm ci
              - run: npm test
                shell: bash
              - run: Get-ChildItem dist
              - run: .\\scripts\\build.exe
              - run: pacman -S --noconfirm make
                shell: msys2 {0}
              - name: Mac only
                if: matrix.os == 'macos-latest'
                run: npm run test:mac
          linux:
            runs-on: ubuntu-latest
            steps:
              - run: npm run build
      `),
    });
    const { candidates } = extractCi(fs);
    expect(find(candidates, 'npm ci').platform).toBe('any');
    expect(find(candidates, 'npm test').platform).toBe('any');
    expect(find(candidates, 'npm run build').confidence).toBe(0.9);
    expect(find(candidates, 'npm ci').confidence).toBe(0.75);
    expect(find(candidates, 'npm test').confidence).toBe(0.75);
    expect(find(candidates, 'brew install pkg-config').platform).toBe('macos');
    expect(find(candidates, 'choco install ninja').platform).toBe('windows');
    expect(find(candidates, 'Get-ChildItem dist').platform).toBe('windows');
    expect(find(candidates, '.\\scripts\\build.exe').platform).toBe('windows');
    expect(find(candidates, 'pacman -S --noconfirm make').platform).toBe('windows');
    expect(cmds(candidates)).not.toContain('npm run test:mac');
  });

  it('GitHub Actions: if: conditions false for a Linux push/pull_request run are skipped; undecided ones kept, weaker', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': dedent(`
        on: [push, pull_request]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - if: runner.os == 'Windows'
                run: make windows
              - if: startsWith(github.ref, 'refs/tags/')
                run: make tagged
              - if: github.event_name == 'release'
                run: make released
              - if: \${{ github.ref_type == 'tag' }}
                run: make tag-type
              - if: "!startsWith(github.ref, 'refs/tags/')"
                run: make untagged
              - if: github.event_name == 'push' || github.event_name == 'pull_request'
                run: make always
              - if: github.event_name == 'pull_request'
                run: make pr-only
              - if: github.repository == 'acme/tool'
                run: make upstream-only
              - run: make plain
      `),
    });
    const { candidates } = extractCi(fs);
    const all = cmds(candidates);
    for (const gone of ['make windows', 'make tagged', 'make released', 'make tag-type']) expect(all).not.toContain(gone);
    expect(find(candidates, 'make untagged').confidence).toBe(find(candidates, 'make plain').confidence);
    expect(find(candidates, 'make always').confidence).toBe(find(candidates, 'make plain').confidence);
    expect(find(candidates, 'make pr-only').confidence).toBeCloseTo(find(candidates, 'make plain').confidence - 0.1);
    expect(find(candidates, 'make upstream-only').confidence).toBeCloseTo(find(candidates, 'make plain').confidence - 0.1);
    expect(conditionHolds("github.event_name == 'push'", { matrix: {}, env: {} })).toBe(UNKNOWN);
    expect(conditionHolds("github.event_name == 'push'", { matrix: {}, env: {}, events: ['push'] })).toBe(true);
    expect(conditionHolds("github.event_name != 'schedule'", { matrix: {}, env: {} })).toBe(true);
  });

  it('GitHub Actions: conditions on the event are decided for the workflow\'s own triggers', () => {
    const fs = fixtureRepo({
      '.github/workflows/nightly.yml': dedent(`
        on:
          schedule:
            - cron: '0 3 * * *'
        jobs:
          slow:
            if: github.event_name == 'schedule'
            runs-on: ubuntu-latest
            steps:
              - run: make slow-tests
      `),
      '.github/workflows/push.yml': dedent(`
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - if: github.event_name == 'pull_request'
                run: make pr-only
              - if: github.event_name == 'push'
                run: make push-only
      `),
    });
    const { candidates } = extractCi(fs);
    expect(find(candidates, 'make slow-tests').confidence).toBe(0.9);
    expect(find(candidates, 'make push-only').confidence).toBe(0.9);
    expect(cmds(candidates)).not.toContain('make pr-only');
  });

  it('GitHub Actions: runner.workspace and github.workspace become folders of the checkout, never a literal ${{ }}', () => {
    const fs = fixtureRepo({
      '.github/workflows/cmake.yml': dedent(`
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: cmake -E make_directory \${{ runner.workspace }}/build
              - working-directory: \${{runner.workspace}}/build
                run: cmake \${{ github.workspace }} -DCMAKE_BUILD_TYPE=Release
              - working-directory: \${{ github.workspace }}/tests
                run: ctest --test-dir \${{ github.workspace }}/out
              - working-directory: \${{ steps.dirs.outputs.build }}
                run: make
              - working-directory: \${{runner.workspace}}/build
                run: cmake --build . && cp -r "\${GITHUB_WORKSPACE}/data" $RUNNER_WORKSPACE/out && echo '$GITHUB_WORKSPACE'
      `),
    });
    const { candidates } = extractCi(fs);
    expect(find(candidates, 'cmake -E make_directory .runner-workspace/build').cwd).toBeUndefined();
    const configure = find(candidates, 'cmake ../.. -DCMAKE_BUILD_TYPE=Release');
    expect(configure.cwd).toBe('.runner-workspace/build');
    expect(configure.confidence).toBeLessThan(0.9);
    expect(find(candidates, 'ctest --test-dir ../out').cwd).toBe('tests');
    const make = find(candidates, 'make');
    expect(make.cwd).toBeUndefined();
    // A folder an earlier step computes is unknown here, not something a person supplies: weaker evidence.
    expect(make.needsInput).toBeUndefined();
    expect(make.confidence).toBeLessThan(find(candidates, 'ctest --test-dir ../out').confidence);
    // The runner's own variables too: a plan's steps do not get them.
    find(candidates, 'cmake --build . && cp -r "../../data" ../../.runner-workspace/out && echo \'$GITHUB_WORKSPACE\'');
    for (const c of candidates) expect(`${c.command} ${c.cwd ?? ''}`).not.toMatch(/\$\{\{\s*(runner|github)\.workspace/);
  });
});

describe('GitHub Actions jobs and install actions', () => {
  it('records each job\'s runner, services and the jobs it needs', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': dedent(`
        on: [push]
        jobs:
          tests:
            runs-on: \${{ matrix.os }}
            strategy:
              matrix:
                os: [ubuntu-latest]
            steps:
              - run: make test
          tests-db:
            runs-on: ubuntu-latest
            needs: tests
            services:
              db:
                image: postgres:16
            steps:
              - run: make test-db
          mac:
            runs-on: macos-14
            needs: [tests, tests-db]
            steps:
              - run: make test
      `),
    });
    expect(extractCi(fs).jobs).toEqual([
      { key: '.github/workflows/ci.yml#tests', runner: 'linux', services: [], needs: [] },
      { key: '.github/workflows/ci.yml#tests-db', runner: 'linux', services: ['postgres'], needs: ['.github/workflows/ci.yml#tests'] },
      { key: '.github/workflows/ci.yml#mac', runner: 'macos', services: [], needs: ['.github/workflows/ci.yml#tests', '.github/workflows/ci.yml#tests-db'] },
    ]);
  });

  it('well-known install actions become the commands they run, in their job', () => {
    const fs = fixtureRepo({
      'package-lock.json': '{}',
      'web/yarn.lock': '',
      '.github/workflows/ci.yml': dedent(`
        on: [push]
        jobs:
          php:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                dependencies: [highest]
            steps:
              - uses: ramsey/composer-install@v3
                with:
                  dependency-versions: \${{ matrix.dependencies }}
                  composer-options: "--prefer-dist"
              - run: composer exec phpunit
          php-lowest:
            runs-on: ubuntu-latest
            steps:
              - uses: ramsey/composer-install@v3
                with:
                  dependency-versions: lowest
          node:
            runs-on: ubuntu-latest
            steps:
              - uses: bahmutov/npm-install@v1
              - uses: bahmutov/npm-install@v1
                with:
                  working-directory: web
          ruby:
            runs-on: ubuntu-latest
            steps:
              - uses: ruby/setup-ruby@v1
                with:
                  ruby-version: '3.3'
                  bundler-cache: true
              - uses: snok/install-poetry@v1
                with:
                  version: 1.8.3
      `),
    });
    const { candidates, toolchains } = extractCi(fs);
    const install = find(candidates, 'composer install --prefer-dist');
    expect(install.stage).toBe('install');
    expect(install.source.detail).toBe('github-actions:php/ramsey/composer-install');
    expect(find(candidates, 'composer update --prefer-lowest --prefer-stable').source.detail).toMatch(/^github-actions:php-lowest\//);
    expect(find(candidates, 'npm ci').stage).toBe('install');
    expect(find(candidates, 'yarn --frozen-lockfile').cwd).toBe('web');
    expect(find(candidates, 'bundle install').source.detail).toMatch(/^github-actions:ruby\//);
    expect(toolchains.find((t) => t.language === 'poetry')?.version).toBe('1.8.3');
    expect(toolchains.find((t) => t.language === 'ruby')?.version).toBe('3.3');
  });

  it('actions that wrap the step\'s own script (retry, a virtual display, yarn) run that script', () => {
    const fs = fixtureRepo({
      '.github/workflows/ci.yml': dedent(`
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: borales/actions-yarn@v4
                with:
                  cmd: install
              - uses: nick-fields/retry@v3
                with:
                  timeout_minutes: 10
                  max_attempts: 3
                  command: yarn build
              - uses: coactions/setup-xvfb@v1
                with:
                  run: yarn test
                  working-directory: ./extension
      `),
    });
    const { candidates } = extractCi(fs);
    expect(candidates.map((c) => `${c.stage}: ${c.cwd ? `(${c.cwd}) ` : ''}${c.command}`)).toEqual(['install: yarn install', 'build: yarn build', 'test: (extension) xvfb-run -a yarn test']);
  });
});

describe('matrix versions and this machine', () => {
  const wf = dedent(`
    on: [push]
    jobs:
      build:
        runs-on: \${{ matrix.os }}
        strategy:
          matrix:
            os: [ubuntu-latest, windows-latest]
            java: [17, 21]
            include:
              - java: 25
                os: ubuntu-latest
                extra-mvn-args: -Denforcer.fail=false
        steps:
          - uses: actions/setup-java@v4
            with:
              java-version: \${{ matrix.java }}
          - run: mvn verify \${{ matrix.extra-mvn-args || '' }}
  `);

  it('runs the matrix entry whose toolchain version is installed here, and lists the versions that would do', () => {
    const fs = fixtureRepo({ '.github/workflows/ci.yml': wf });
    const here = extractCi(fs, { satisfiedHere: (language, version) => (language === 'java' ? version === '17' : undefined) });
    expect(cmds(here.candidates)).toEqual(['mvn verify']);
    expect(here.toolchains).toEqual([expect.objectContaining({ language: 'java', version: '17', alternatives: ['17', '21', '25'] })]);
    // Nothing installed (or nothing known): the latest stable entry, as before.
    const none = extractCi(fs, { satisfiedHere: () => false });
    expect(cmds(none.candidates)).toEqual(['mvn verify -Denforcer.fail=false']);
    expect(none.toolchains[0].version).toBe('25');
    expect(extractCi(fs).toolchains[0].version).toBe('25');
  });

  it('only versions are alternatives: other interpreters and pre-releases on the axis are not', () => {
    const fs = fixtureRepo({ '.github/workflows/ci.yml': 'on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        ruby: ["3.3", "3.4", jruby, truffleruby, ruby-head, "3.5-dev"]\n    steps:\n      - uses: ruby/setup-ruby@v1\n        with:\n          ruby-version: ${{ matrix.ruby }}\n      - run: bundle exec rake\n' });
    expect(extractCi(fs).toolchains).toEqual([expect.objectContaining({ language: 'ruby', version: '3.4', alternatives: ['3.3', '3.4'] })]);
  });

  it('Travis: of the versions listed, the one installed here', () => {
    const fs = fixtureRepo({ '.travis.yml': 'language: python\npython:\n  - "3.8"\n  - "3.11"\n  - "3.12"\nscript: pytest\n' });
    const here = extractCi(fs, { satisfiedHere: (language, version) => (language === 'python' ? version === '3.11' : undefined) });
    expect(here.toolchains).toEqual([expect.objectContaining({ language: 'python', version: '3.11', alternatives: ['3.8', '3.11', '3.12'] })]);
    expect(extractCi(fs).toolchains[0].version).toBe('3.12');
  });
});
