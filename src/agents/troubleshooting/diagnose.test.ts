import { describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.js';
import { errorPatterns, systemPackages } from './library.js';

const ctx = (command: string, stage = 'install', exitCode: number | null = 1) => ({ command, stage, exitCode });

describe('error-pattern library', () => {
  it('has at least 40 valid patterns covering every required family', () => {
    const ps = errorPatterns();
    expect(ps.length).toBeGreaterThanOrEqual(40);
    const tools = new Set(ps.flatMap((p) => p.tools));
    for (const t of ['npm', 'yarn', 'pnpm', 'node-gyp', 'pip', 'python', 'cargo', 'go', 'maven', 'gradle', 'make', 'gcc', 'generic']) expect(tools, t).toContain(t);
    const cats = new Set(ps.map((p) => p.category));
    for (const c of ['missing-module', 'missing-header', 'command-not-found', 'engine-mismatch', 'lockfile-out-of-sync', 'network', 'permission', 'out-of-memory', 'test-failure']) expect(cats, c).toContain(c);
  });
  it('loads the system-package map', () => {
    expect(systemPackages().headers['libpq-fe.h']).toBe('libpq-dev');
  });
});

describe('diagnose', () => {
  it('repairs an out-of-sync npm lockfile by replacing npm ci with npm install', () => {
    const out = 'npm error code EUSAGE\nnpm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.\nnpm error Missing: left-pad@1.3.0 from lock file';
    const r = diagnose(out, ctx('npm ci'));
    expect(r.findings[0].patternId).toBe('npm.lockfile-out-of-sync');
    expect(r.findings[0].fixes[0]).toMatchObject({ command: 'npm install --no-audit --no-fund', mode: 'replace' });
  });

  it('offers --legacy-peer-deps only for npm install commands', () => {
    const out = 'npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree';
    expect(diagnose(out, ctx('npm install')).findings[0].fixes[0].command).toBe('npm install --legacy-peer-deps');
    expect(diagnose(out, ctx('make deps')).findings[0].fixes).toEqual([]);
  });

  it('re-resolves without the lockfile when a locked tarball is missing from the registry', () => {
    const out = "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/top-sites/-/top-sites-1.1.225.tgz\nnpm error 404  'top-sites@https://registry.npmjs.org/top-sites/-/top-sites-1.1.225.tgz' is not in this registry.";
    const f = diagnose(out, ctx('npm ci')).findings[0];
    expect(f.patternId).toBe('npm.locked-version-missing');
    expect(f.explanation).toContain('top-sites-1.1.225');
    expect(f.fixes[0]).toMatchObject({ command: 'npm install --no-package-lock --no-audit --no-fund', mode: 'replace' });
    expect(diagnose('npm error 404 Not Found - GET https://registry.npmjs.org/nope - Not found', ctx('npm install nope')).findings[0].patternId).toBe('npm.e404');
  });

  it('retries a step that could not reach the network once, with network', () => {
    const f = diagnose('FetchError: request to https://registry.npmjs.org/@tapjs%2fclock failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org', ctx('npm test', 'test')).findings[0];
    expect(f.patternId).toBe('generic.network-unreachable');
    expect(f.fixes[0]).toMatchObject({ command: 'npm test ', network: true });
  });

  it('maps a missing C header to its Debian -dev package as a system fix', () => {
    const out = 'In file included from psycopg/psycopgmodule.c:28:\n./psycopg/psycopg.h:36:10: fatal error: libpq-fe.h: No such file or directory';
    const f = diagnose(out, ctx('pip install psycopg2')).findings.find((x) => x.patternId === 'gcc.missing-header')!;
    expect(f.explanation).toContain('libpq-fe.h');
    expect(f.fixes[0]).toMatchObject({ command: 'apt-get install -y libpq-dev && pip install psycopg2', system: true });
  });

  it('tells a missing local Python module apart from a missing PyPI package', () => {
    const out = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'cv2'";
    const pypi = diagnose(out, ctx('pytest', 'test')).findings[0];
    expect(pypi.fixes[0].command).toBe('python3 -m pip install opencv-python && pytest');
    const local = diagnose("ModuleNotFoundError: No module named 'mypkg'", { ...ctx('pytest', 'test'), workspaceFiles: ['mypkg', 'tests'] }).findings[0];
    expect(local.fixes[0].command).toBe('PYTHONPATH=.:src pytest');
  });

  it('separates test failures (with counts) from install failures', () => {
    const r = diagnose('Tests:       2 failed, 8 passed, 10 total', ctx('npm test', 'test'));
    expect(r.testsFailed).toBe(true);
    expect(r.tests).toMatchObject({ passed: 8, failed: 2 });
    expect(r.findings[0].category).toBe('test-failure');
  });

  it('reports the sandbox timeout and resource limits', () => {
    expect(diagnose('', { ...ctx('sleep 100'), timedOut: true }).findings[0].category).toBe('timeout');
    expect(diagnose('', { ...ctx('node x'), limitHit: 'memory' }).findings[0].category).toBe('out-of-memory');
  });

  it('explains an unknown failure with the last output lines', () => {
    const r = diagnose('step one\nstep two\nboom: weird', ctx('./do-things'));
    expect(r.findings[0].patternId).toBe('generic.unknown');
    expect(r.findings[0].evidence).toContain('boom: weird');
  });

  it('calls an unknown failure unknown, and shows the error line a tool logged before its teardown', () => {
    // debug-js/debug: karma logs its shutdown after the real error.
    const out = [
      '26 11 2026 11:07:52.754:INFO [launcher]: Launching browsers HeadlessChrome with concurrency 1',
      '26 11 2026 11:07:52.761:ERROR [launcher]: Something odd happened to the launcher',
      '26 11 2026 11:07:52.765:DEBUG [karma-server]: Run complete, exiting.',
      '26 11 2026 11:07:52.765:DEBUG [launcher]: Disconnecting all browsers',
      '26 11 2026 11:07:52.765:DEBUG [framework.browserify]: cleaning up',
    ].join('\n');
    const f = diagnose(out, ctx('npm test', 'test')).findings[0];
    expect(f).toMatchObject({ patternId: 'generic.unknown', category: 'unknown' });
    expect(f.evidence).toContain('ERROR [launcher]: Something odd happened');
    expect(f.evidence).toContain('cleaning up');
    // "0 errors" is not an error line.
    expect(diagnose('checked 12 files, 0 errors\nstep two\nboom', ctx('./x')).findings[0].evidence).toBe('checked 12 files, 0 errors | step two | boom');
  });

  it('says a karma run lacks a browser instead of "unknown" (debug-js/debug)', () => {
    const out = '  16 passing (58ms)\n\n> karma start --single-run\n26 11 2026 11:07:52.760:INFO [launcher]: Starting browser ChromeHeadless\n26 11 2026 11:07:52.761:ERROR [launcher]: No binary for ChromeHeadless browser on your platform.\n  Please, set "CHROME_BIN" env variable.\n26 11 2026 11:07:52.765:DEBUG [launcher]: Disconnecting all browsers';
    const r = diagnose(out, ctx('npm test', 'test'));
    expect(r.testsFailed).toBe(false);
    expect(r.findings[0]).toMatchObject({ patternId: 'browser.not-installed', category: 'command-not-found' });
    expect(r.findings[0].explanation).toContain('ChromeHeadless');
    expect(r.findings[0].fixes[0]).toMatchObject({ command: 'apt-get install -y chromium && CHROME_BIN=/usr/bin/chromium npm test', system: true });
  });

  it('counts a node-tap run with a failing assertion as failed tests (http-server)', () => {
    const out = ' FAIL  test/main.test.js 1 failed of 47 3.332s\n✖ http-server main > Error: socket hang up\n\nAsserts:  526 pass  1 fail  527 of 527 complete\nSuites:    40 pass  1 fail    41 of 41 complete\n\n# { total: 527, pass: 526, fail: 1 }\n# time=143736.947ms';
    const r = diagnose(out, ctx('npm test', 'test'));
    expect(r.testsFailed).toBe(true);
    expect(r.tests).toMatchObject({ framework: 'node-tap', passed: 526, failed: 1 });
    expect(r.findings.map((f) => f.patternId)).toEqual(['test.jest-failed']);
  });

  it('tells a lint failure and a coverage upload apart from install problems (debug-js/debug)', () => {
    const xo = '> xo\n\n  src/browser.js:197:4\n  ⚠  197:4   Missing JSDoc parameter description for namespaces.  valid-jsdoc\n  ✖  222:76  Unexpected whitespace before semicolon.              semi-spacing\n\n  16 warnings\n  1 error';
    expect(diagnose(xo, ctx('npm run lint', 'test')).findings[0]).toMatchObject({ patternId: 'lint.errors', category: 'test-failure' });
    const eslint = '/src/a.js\n  1:7  error  \'x\' is assigned a value but never used  no-unused-vars\n\n✖ 1 problem (1 error, 0 warnings)';
    expect(diagnose(eslint, ctx('npx eslint .', 'test')).findings[0].patternId).toBe('lint.errors');
    const coveralls = "> cat ./coverage/lcov.info | coveralls\n\ncat: ./coverage/lcov.info: No such file or directory\n[error] \"2026-11-26T11:07:54.100Z\"  'error from lcovParse: ' 'Failed to parse string'\n[error] \"2026-11-26T11:07:54.101Z\"  'error from convertLcovToCoveralls'";
    expect(diagnose(coveralls, ctx('npm run test:coverage', 'test')).findings[0]).toMatchObject({ patternId: 'coverage.upload-failed', category: 'credentials' });
  });

  it("lets a CI step that writes to the runner's $GITHUB_PATH/$GITHUB_ENV run outside CI (urfave/cli, sharkdp/hyperfine)", () => {
    const quoted = 'echo "./.local/bin" >>"${GITHUB_PATH}"';
    const f = diagnose('bash: : No such file or directory', ctx(quoted, 'build')).findings[0];
    expect(f).toMatchObject({ patternId: 'ci.runner-file-unset', category: 'configuration' });
    expect(f.fixes[0].command).toBe(`export GITHUB_ENV=/dev/null GITHUB_PATH=/dev/null GITHUB_OUTPUT=/dev/null GITHUB_STEP_SUMMARY=/dev/null GITHUB_STATE=/dev/null && ${quoted}`);
    const unquoted = diagnose('bash: $GITHUB_ENV: ambiguous redirect', ctx('echo "BUILD_CMD=cross" >> $GITHUB_ENV', 'build')).findings[0];
    expect(unquoted.explanation).toContain('only a CI runner sets them');
    expect(unquoted.fixes).toHaveLength(1);
    expect(diagnose('sh: 1: cannot create : Directory nonexistent', ctx('echo x >> $GITHUB_OUTPUT', 'build')).findings[0].patternId).toBe('ci.runner-file-unset');
    // An empty redirect target in a command that does not use the runner's files: explained, no fix.
    expect(diagnose('bash: : No such file or directory', ctx('echo x > "$OUT"', 'build')).findings[0].fixes).toEqual([]);
  });

  it('says pip could not reach the index, not that the package has no version, when the connection failed (encode/starlette)', () => {
    const out = [
      "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7fdd5da6da50>: Failed to establish a new connection: [Errno -2] Name or service not known')': /simple/hatchling/",
      'ERROR: Could not find a version that satisfies the requirement hatchling (from versions: none)',
      'ERROR: No matching distribution found for hatchling',
    ].join('\n');
    const r = diagnose(out, ctx('scripts/install'));
    expect(r.findings[0]).toMatchObject({ patternId: 'pip.index-unreachable', category: 'network' });
    expect(r.findings[0].explanation).toContain('`hatchling`');
    const net = r.findings.find((f) => f.patternId === 'generic.network-unreachable')!;
    expect(net.explanation).toMatch(/^The step needed the network and could not reach the host \(no network/);
    // Without a failed connection it stays a missing distribution.
    expect(diagnose('ERROR: Could not find a version that satisfies the requirement nope==9 (from versions: 1.0)\nERROR: No matching distribution found for nope==9', ctx('pip install nope==9')).findings[0].patternId).toBe('pip.no-matching-distribution');
  });

  it('points at an empty sourced variable before the errors it causes (Textualize/rich: source $VENV)', () => {
    const out = 'bash: line 1: source: filename argument required\nsource: usage: source filename [arguments]\nblack --check .\nmake: black: No such file or directory\nmake: *** [Makefile:9: format-check] Error 127';
    const r = diagnose(out, ctx('source $VENV\nmake format-check', 'test'));
    expect(r.findings[0]).toMatchObject({ patternId: 'ci.sourced-variable-unset', category: 'configuration' });
    expect(diagnose('bash: .: filename argument required', ctx('. $ENV_FILE', 'build')).findings[0].patternId).toBe('ci.sourced-variable-unset');
  });

  const samples: [string, string, string][] = [
    ['node.heap-out-of-memory', 'npm run build', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'],
    ['node.missing-module', 'node index.js', "Error: Cannot find module 'express'\nRequire stack:"],
    ['node.wasm-address-space', 'yarn install --immutable', '➤ YN0001: │ RangeError: WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance'],
    ['node.command-not-found-dev-tool', 'npm test', 'sh: 1: jest: not found'],
    ['node.command-not-found-dev-tool', 'pnpm install', 'bash: line 1: pnpm: command not found'],
    ['yarn.lockfile-frozen', 'yarn install --frozen-lockfile', 'error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.'],
    ['pnpm.lockfile-outdated', 'pnpm install --frozen-lockfile', 'ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date'],
    ['pnpm.locked-version-missing', 'pnpm ci', '[ERR_PNPM_MINIMUM_RELEASE_AGE_VIOLATION] 1 lockfile entries failed verification:\n  actions-up@1.17.0 could not be checked against minimumReleaseAge (version not present in registry manifest)'],
    ['corepack.signature', 'yarn install', 'Internal Error: Cannot find matching keyid: {"signatures":[]}'],
    ['cargo.openssl-sys', 'cargo build', 'error: failed to run custom build command for `openssl-sys v0.9.80`'],
    ['go.missing-go-sum', 'go build ./...', 'main.go:4:2: missing go.sum entry for module providing package github.com/x/y (imported by m)'],
    ['java.release-version', 'mvn -B verify', '[ERROR] Fatal error compiling: error: release version 21 not supported'],
    ['generic.network-unreachable', 'npm install', 'npm ERR! request to https://registry.npmjs.org/x failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org'],
    ['generic.disk-full', 'npm install', "npm ERR! nospc ENOSPC: no space left on device, write"],
    ['pip.externally-managed', 'pip install -r requirements.txt', 'error: externally-managed-environment\n\n× This environment is externally managed'],
    ['make.no-rule', 'make test', "make: *** No rule to make target 'test'.  Stop."],
    ['test.pytest-failed', 'pytest', '=================== 1 failed, 3 passed in 0.10s ==================='],
  ];
  for (const [id, command, out] of samples) {
    it(`recognises ${id}`, () => {
      expect(diagnose(out, ctx(command)).findings.map((f) => f.patternId)).toContain(id);
    });
  }
});
