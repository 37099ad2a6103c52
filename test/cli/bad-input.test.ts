/**
 * A careless or hostile user of every `nova` command: bad options, missing arguments, malformed
 * and oversized JSON, bad configuration, unknown and injection-like ids, huge and negative
 * numbers, odd paths. Each case runs the real CLI in a child process and checks the exit code,
 * the message, that no stack trace is printed, that --json yields exactly one JSON document on
 * stdout (also for errors), and that nothing was written to the store. Cases marked `alone` run
 * as `node bin/nova.js …` each; the others are batched, several command lines per child process
 * through the CLI's main() (nova-batch.ts), because each start-up costs about a second.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { TEST_REDIS_URL, redisSkip, tempDir } from '../../src/testing/services.js';

const NOVA = join(process.cwd(), 'bin/nova.js');
const dir = tempDir('nova-cli-bad-input-');
const home = join(dir.path, 'home');
const f = (name: string) => join(dir.path, name);
const CLOSED_PORT = 'redis://127.0.0.1:1';

interface Result { code: number | null; stdout: string; stderr: string }

function nova(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [NOVA, ...args], {
      cwd: opts.cwd ?? dir.path, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024,
      env: { PATH: process.env.PATH ?? '', HOME: dir.path, NOVA_HOME: home, ...opts.env },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
}

/** Command lines run one after another in one child process (see nova-batch.ts). */
function novaBatch(batch: { args: string[]; env?: Record<string, string>; cwd?: string }[]): Promise<Result[]> {
  const file = join(dir.path, `batch-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(batch.map((c) => ({ ...c, cwd: c.cwd ?? dir.path }))));
  return new Promise((resolve, reject) => {
    // Started in the repository (where `--import tsx` resolves); each command line gets its own folder.
    execFile(process.execPath, ['--import', 'tsx', join(process.cwd(), 'test/cli/nova-batch.ts'), file], {
      cwd: process.cwd(), encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH ?? '', HOME: dir.path, NOVA_HOME: home },
    }, (err, stdout, stderr) => {
      const lines = stdout.split('\n').filter(Boolean);
      if (err || lines.length !== batch.length) reject(new Error(`batch failed (${lines.length}/${batch.length} results): ${err?.message ?? ''}\n${stderr}`));
      else resolve(lines.map((l) => JSON.parse(l) as Result));
    });
  });
}

/** Runs `alone` cases as separate processes (4 at a time) and the rest in `batches` batch processes. */
async function runCases(list: { args: string[]; env?: Record<string, string>; cwd?: string; alone?: boolean }[], batches: number): Promise<Result[]> {
  const out: Result[] = new Array(list.length);
  const batched = list.map((c, i) => ({ c, i })).filter((x) => !x.c.alone);
  const chunks = Array.from({ length: batches }, (_, k) => batched.filter((_, j) => j % batches === k)).filter((ch) => ch.length);
  await Promise.all([
    pool(list.map((c, i) => ({ c, i })).filter((x) => x.c.alone), 2, async (x) => { out[x.i] = await nova(x.c.args, { env: x.c.env, cwd: x.c.cwd }); }),
    ...chunks.map(async (ch) => (await novaBatch(ch.map((x) => x.c))).forEach((r, j) => { out[ch[j].i] = r; })),
  ]);
  return out;
}

async function pool<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Expected exit code (2 bad usage/input, 1 the job or a service failed). */
  code: number;
  /** Error code in the JSON document (--json cases). */
  error?: string;
  /** Expected in the message (JSON error message, else stderr). */
  message: RegExp;
  /** Expected in the hint, when it says something specific. */
  hint?: RegExp;
  /** Run as its own `node bin/nova.js` process (else batched). */
  alone?: boolean;
}

const DEEP = `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;

const cases: Case[] = [
  // commander usage errors, in text and as JSON documents
  { name: 'unknown command', args: ['bogus', '--json'], code: 2, error: 'BAD_USAGE', message: /unknown command 'bogus'/, hint: /nova --help/ },
  { name: 'unknown option (text)', args: ['runs', 'list', '--bogus'], code: 2, message: /unknown option '--bogus'[\s\S]*hint: Run "nova runs list --help"/ },
  { name: 'unknown option (json)', args: ['runs', 'list', '--bogus', '--json'], code: 2, error: 'BAD_USAGE', message: /unknown option '--bogus'/, hint: /nova runs list --help/ , alone: true },
  { name: 'target that starts with -', args: ['plan', '-rf', '--json'], code: 2, error: 'BAD_USAGE', message: /unknown option '-rf'/, hint: /goes after "--", e\.g\. nova plan -- -name/ },
  { name: 'target after -- is still refused for git', args: ['plan', '--json', '--', '-rf'], code: 2, error: 'BAD_INPUT', message: /refusing target "-rf": it starts with "-"/ },
  { name: 'install of a target that starts with -', args: ['install', '--json', '--', '--upload-pack=touch x'], code: 2, error: 'BAD_INPUT', message: /refusing target "--upload-pack=touch x"/ },
  { name: 'install of a missing folder', args: ['install', f('no such dir'), '--json'], code: 2, error: 'NOT_FOUND', message: /no such folder: .*no such dir/ },
  { name: 'missing argument', args: ['runs', 'show', '--json'], code: 2, error: 'BAD_USAGE', message: /missing required argument 'id'/, hint: /nova runs show --help/ },
  { name: 'too many arguments', args: ['schema', 'a', 'b', '--json'], code: 2, error: 'BAD_USAGE', message: /too many arguments for 'schema'/ },
  { name: 'option without its value', args: ['quota', 'set', 't', '--max-runs', '--json'], code: 2, error: 'BAD_USAGE', message: /--max-runs/ },
  { name: 'group without sub-command (json)', args: ['runs', '--json'], code: 2, error: 'BAD_USAGE', message: /nova runs needs a command: list, show/ },
  { name: 'group without sub-command (text)', args: ['workflow'], code: 2, message: /Usage: nova workflow[\s\S]*error: nova workflow needs a command: validate, run/ , alone: true },
  { name: 'no command at all', args: ['--json'], code: 2, error: 'BAD_USAGE', message: /nova needs a command: schema, doctor/ },
  { name: 'unknown --kind', args: ['runs', 'list', '--kind', 'bogus', '--json'], code: 2, error: 'BAD_USAGE', message: /Allowed choices are install, plan, workflow/ },
  // numbers: huge, negative, not numbers
  { name: 'huge --limit', args: ['runs', 'list', '--limit', '99999999999999999999', '--json'], code: 2, error: 'BAD_USAGE', message: /--limit.*1 to 1000/ },
  { name: 'negative --limit', args: ['workflow', 'list', '--limit', '-1', '--json'], code: 2, error: 'BAD_USAGE', message: /--limit.*1 to 10000/ },
  { name: 'huge --older-than', args: ['workflow', 'prune', '--older-than', '1e300', '--json'], code: 2, error: 'BAD_USAGE', message: /--older-than.*0 to 1000000/ },
  { name: 'negative --older-than', args: ['workflow', 'prune', '--older-than', '-5', '--json'], code: 2, error: 'BAD_USAGE', message: /--older-than/ },
  { name: 'doctor --timeout 1e99', args: ['doctor', '--timeout', '1e99', '--json'], code: 2, error: 'BAD_INPUT', message: /--timeout must be a whole number/ },
  { name: 'worker --concurrency huge (before Redis)', args: ['worker', '--concurrency', '99999999999999999999', '--json'], code: 2, error: 'BAD_INPUT', message: /--concurrency must be a whole number from 1 to 10000/ },
  { name: 'worker --prefix with spaces', args: ['worker', '--prefix', 'a b', '--json'], code: 2, error: 'BAD_INPUT', message: /--prefix "a b" may only contain/, hint: /--prefix nova/ },
  { name: 'quota --max-runs negative', args: ['quota', 'set', 't', '--max-runs', '-3', '--json'], code: 2, error: 'BAD_INPUT', message: /--max-runs must be a whole number >= 0/ },
  { name: 'install --memory absurd', args: ['install', '.', '--memory', '99999999999t', '--json'], code: 2, error: 'BAD_USAGE', message: /--memory/ },
  { name: 'install --step-timeout negative', args: ['install', '.', '--step-timeout', '-1'], code: 2, message: /--step-timeout[\s\S]*between 1 and 86400/ },
  { name: 'install --export unknown format', args: ['install', '.', '--export', 'out.txt', '--json'], code: 2, error: 'BAD_INPUT', message: /--export out\.txt: cannot tell the format/ },
  // workflow files: malformed, oversized, binary, a folder, missing
  { name: 'malformed workflow file', args: ['workflow', 'validate', f('bad.json'), '--json'], code: 2, error: 'VALIDATION', message: /is not valid JSON/ },
  { name: 'oversized workflow file', args: ['workflow', 'validate', f('big.json'), '--json'], code: 2, error: 'BAD_INPUT', message: /big\.json is \d+ bytes, more than/ },
  { name: 'binary workflow file (text)', args: ['workflow', 'validate', f('bin.json')], code: 2, message: /is not JSON text \(it holds binary data or is not UTF-8\)/ , alone: true },
  { name: 'folder as workflow file', args: ['workflow', 'run', f('a folder.json'), '--json'], code: 2, error: 'BAD_INPUT', message: /a folder\.json is not a regular file/ },
  { name: 'missing workflow file', args: ['workflow', 'validate', f('nope.json'), '--json'], code: 2, error: 'NOT_FOUND', message: /nope\.json does not exist/ },
  // run input and run ids
  { name: '--input-json malformed', args: ['workflow', 'run', 'hello', '--input-json', '{', '--json'], code: 2, error: 'VALIDATION', message: /--input-json is invalid[\s\S]*not valid JSON/ },
  { name: '--input-json not an object', args: ['workflow', 'run', 'hello', '--input-json', '[1]', '--json'], code: 2, error: 'BAD_INPUT', message: /--input-json must be a JSON object/ },
  { name: '--input-json deeply nested', args: ['workflow', 'run', 'hello', '--input-json', DEEP, '--json'], code: 2, error: 'VALIDATION', message: /is not an input of workflow "hello"/ },
  { name: '--input __proto__=x', args: ['workflow', 'run', 'hello', '-i', '__proto__=x', '--json'], code: 2, error: 'VALIDATION', message: /\$\.__proto__: is not an input of workflow "hello"/ },
  { name: '--input-json with __proto__', args: ['workflow', 'run', 'hello', '--input-json', '{"__proto__": {"name": "x"}}', '--json'], code: 2, error: 'VALIDATION', message: /\$\.__proto__: is not an input/ },
  { name: '--input without =', args: ['workflow', 'run', 'hello', '-i', 'noequals', '--json'], code: 2, error: 'BAD_INPUT', message: /--input "noequals" is not key=value/ },
  { name: '--run-id with a newline', args: ['workflow', 'run', 'hello', '--run-id', 'a\nb', '--json'], code: 2, error: 'VALIDATION', message: /run id is invalid/, hint: /leave --run-id out/ },
  { name: '--run-id already taken', args: ['workflow', 'run', 'hello', '--run-id', 'taken', '--json'], code: 2, error: 'CONFLICT', message: /a workflow run with id "taken" already exists/ , alone: true },
  { name: '--allow-dir that does not exist', args: ['workflow', 'run', 'hello', '--allow-dir', f('no such dir'), '--json'], code: 2, error: 'BAD_USAGE', message: /no such dir is not an existing folder/ },
  { name: 'unknown workflow name', args: ['workflow', 'run', 'no-such-workflow', '--json'], code: 2, error: 'NOT_FOUND', message: /no workflow named "no-such-workflow"/ },
  { name: 'injection-like run id (runs show)', args: ['runs', 'show', "x'; DROP TABLE runs;--", '--json'], code: 2, message: /is not a run id/ },
  { name: 'injection-like run id (workflow status)', args: ['workflow', 'status', "1' OR '1'='1", '--json'], code: 2, error: 'NOT_FOUND', message: /no workflow run with id/ },
  { name: 'unknown run id (cancel)', args: ['workflow', 'cancel', 'nope', '--json'], code: 2, error: 'NOT_FOUND', message: /no workflow run with id "nope"/ },
  { name: 'unknown run id (resume)', args: ['workflow', 'resume', 'nope', '--json'], code: 2, error: 'NOT_FOUND', message: /no workflow run with id "nope"/ },
  { name: 'resume with an id and --all', args: ['workflow', 'resume', 'x', '--all', '--json'], code: 2, error: 'BAD_INPUT', message: /either a run id or --all/ },
  // targets
  { name: 'missing folder with spaces', args: ['plan', f('no such dir'), '--json'], code: 2, error: 'NOT_FOUND', message: /no such folder: .*no such dir/ },
  { name: 'path with a newline', args: ['plan', f('new\nline'), '--json', '--no-probe'], code: 2, error: 'NOTHING_TO_PLAN', message: /nothing to plan in/ },
  { name: 'a file as install target', args: ['install', f('bin.json'), '--json'], code: 2, error: 'BAD_INPUT', message: /is a file, not a repository folder/ },
  // configuration: environment variables and the config file
  { name: 'NOVA_SANDBOX=foo', args: ['runs', 'list', '--json'], env: { NOVA_SANDBOX: 'foo' }, code: 2, error: 'BAD_INPUT', message: /NOVA_SANDBOX="foo" is not one of: bwrap, docker, none/ , alone: true },
  { name: 'NOVA_TENANT with a newline', args: ['workflow', 'run', 'hello', '--json'], env: { NOVA_TENANT: 'a b\nc' }, code: 2, error: 'VALIDATION', message: /NOVA_TENANT is invalid/, hint: /letters, digits/ },
  { name: 'tenant in novasystem.config.json', args: ['workflow', 'list', '--json'], cwd: f('cfg-tenant'), code: 2, error: 'VALIDATION', message: /tenant of the config file is invalid/ },
  ...(redisSkip ? [] : [{ name: 'quota set for a bad tenant name', args: ['quota', 'set', '../x', '--max-runs', '1', '--json'], env: { NOVA_REDIS_URL: TEST_REDIS_URL }, code: 2, error: 'VALIDATION', message: /tenant name is invalid/, hint: /letters, digits/ }]),
  { name: 'NOVA_LLM=gpt', args: ['agents', 'list'], env: { NOVA_LLM: 'gpt' }, code: 2, message: /NOVA_LLM="gpt" is not one of/ },
  { name: 'NOVA_HOME inside /proc', args: ['runs', 'list', '--json'], env: { NOVA_HOME: '/proc/nova-home' }, code: 2, error: 'BAD_INPUT', message: /kernel pseudo-filesystem/ },
  { name: 'NOVA_HOME is a file', args: ['runs', 'list', '--json'], env: { NOVA_HOME: '/etc/hostname' }, code: 2, error: 'BAD_INPUT', message: /cannot create the folder for the SQLite store/ },
  { name: 'NOVA_DATABASE_URL=mysql://x', args: ['workflow', 'list', '--json'], env: { NOVA_DATABASE_URL: 'mysql://x' }, code: 2, error: 'BAD_INPUT', message: /NOVA_DATABASE_URL must be a postgres:\/\/ URL/ },
  { name: 'NOVA_REDIS_URL=http://x', args: ['quota', '--json'], env: { NOVA_REDIS_URL: 'http://x' }, code: 2, error: 'BAD_INPUT', message: /NOVA_REDIS_URL must be a redis:\/\/ URL/ },
  { name: 'NOVA_REDIS_URL at a closed port', args: ['quota', '--json'], env: { NOVA_REDIS_URL: CLOSED_PORT }, code: 1, error: 'UNAVAILABLE', message: /Redis is not reachable at redis:\/\/127\.0\.0\.1:1/ },
  { name: 'NOVA_DATABASE_URL at a closed port', args: ['runs', 'list', '--json'], env: { NOVA_DATABASE_URL: 'postgres://127.0.0.1:1/x' }, code: 1, error: 'UNAVAILABLE', message: /cannot connect to PostgreSQL/ },
  { name: 'NOVA_CONFIG missing', args: ['runs', 'list', '--json'], env: { NOVA_CONFIG: f('nope.json') }, code: 2, error: 'BAD_INPUT', message: /NOVA_CONFIG names .*nope\.json, which does not exist/ },
  { name: 'NOVA_CONFIG a folder', args: ['runs', 'list', '--json'], env: { NOVA_CONFIG: f('a folder.json') }, code: 2, error: 'BAD_INPUT', message: /is not a regular file/ },
  { name: 'NOVA_CONFIG oversized', args: ['runs', 'list', '--json'], env: { NOVA_CONFIG: f('big.json') }, code: 2, error: 'BAD_INPUT', message: /big\.json is \d+ bytes, more than/ },
  { name: 'NOVA_CONFIG binary', args: ['runs', 'list'], env: { NOVA_CONFIG: f('bin.json') }, code: 2, message: /config file .*bin\.json is invalid[\s\S]*binary data/ },
  { name: 'malformed novasystem.config.json', args: ['runs', 'list', '--json'], cwd: f('cfg-syntax'), code: 2, error: 'VALIDATION', message: /config file .*novasystem\.config\.json is invalid[\s\S]*not valid JSON/ },
  { name: 'wrong type in novasystem.config.json', args: ['runs', 'list', '--json'], cwd: f('cfg-type'), code: 2, error: 'VALIDATION', message: /\$\.home: .*expected string/ },
  { name: 'unknown key in novasystem.config.json', args: ['workflow', 'list', '--json'], cwd: f('cfg-key'), code: 2, error: 'VALIDATION', message: /Unrecognized key/, hint: /Allowed keys/ },
];

/** Commands that succeed: with --json, stdout is exactly one JSON document. */
const jsonOk: { name: string; args: string[]; env?: Record<string, string>; alone?: boolean; check: (v: Record<string, unknown>) => void }[] = [
  { name: 'nova --version', args: ['--version', '--json'], alone: true, check: (v) => expect(v.version).toMatch(/^\d+\.\d+\.\d+/) },
  { name: 'nova --help', args: ['--help', '--json'], check: (v) => expect(v.help).toMatch(/^Usage: nova/) },
  { name: 'nova help runs', args: ['help', 'runs', '--json'], check: (v) => expect(v.help).toMatch(/^Usage: nova runs/) },
  { name: 'nova runs show --help', args: ['runs', 'show', '--help', '--json'], check: (v) => expect(v.help).toMatch(/--output/) },
  { name: 'nova schema', args: ['schema', '--json'], check: (v) => expect(v.schemas).toContain('plan') },
  { name: 'nova schema plan', args: ['schema', 'plan', '--json'], check: (v) => expect(v.type).toBe('object') },
  { name: 'nova agents list', args: ['agents', 'list', '--json'], check: (v) => expect(Array.isArray(v)).toBe(true) },
  { name: 'nova runs list', args: ['runs', 'list', '--json'], check: (v) => expect(v.runs).toEqual([]) },
  { name: 'nova workflow list', args: ['workflow', 'list', '--json'], check: (v) => expect(v.runs).toHaveLength(1) },
  { name: 'nova workflow status', args: ['workflow', 'status', 'taken', '--json'], alone: true, check: (v) => expect((v.run as { status: string }).status).toBe('succeeded') },
  { name: 'nova workflow validate', args: ['workflow', 'validate', 'hello', '--json'], check: (v) => expect(v.valid).toBe(true) },
  { name: 'nova workflow prune', args: ['workflow', 'prune', '--older-than', '1000000', '--json'], check: (v) => expect(v.deleted).toBe(0) },
  { name: 'nova doctor', args: ['doctor', '--json', '--timeout', '2000'], check: (v) => expect(v.summary).toBeDefined() },
  ...(redisSkip ? [] : [{ name: 'nova quota', args: ['quota', '--json'], env: { NOVA_REDIS_URL: TEST_REDIS_URL }, check: (v: Record<string, unknown>) => expect(Array.isArray(v.tenants)).toBe(true) }]),
];

const STACK_FRAME = /^ {4}at /m;
/** --json before any `--` (after it, it would be an argument). */
const jsonMode = (args: string[]) => (args.includes('--') ? args.slice(0, args.indexOf('--')) : args).includes('--json');
let results: Result[] = [];
let okResults: Result[] = [];

beforeAll(async () => {
  writeFileSync(f('bad.json'), '{"name": "x", steps: [');
  writeFileSync(f('big.json'), `${' '.repeat(3 * 1024 * 1024)}{}`);
  writeFileSync(f('bin.json'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) % 256)));
  mkdirSync(f('a folder.json'));
  mkdirSync(f('new\nline'));
  for (const [d, text] of [['cfg-syntax', '{home'], ['cfg-type', '{"home": 5}'], ['cfg-key', '{"hom": "/tmp"}'], ['cfg-tenant', '{"tenant": "-x"}']]) {
    mkdirSync(f(d));
    writeFileSync(join(f(d), 'novasystem.config.json'), text);
  }
  // One finished run, so that a second run with its id must be refused.
  const first = await nova(['workflow', 'run', 'hello', '--run-id', 'taken', '--json', '--quiet']);
  expect(first.code, first.stderr).toBe(0);
  [results, okResults] = await Promise.all([runCases(cases, 3), runCases(jsonOk, 1)]);
}, 180_000);

afterAll(() => dir.cleanup());

describe('nova with bad input: a clear message, exit code 2 (1 when a service is down), no stack trace', () => {
  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = cases[i];
    const r = results[i];
    const shown = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
    expect(r.code, shown).toBe(c.code);
    expect(r.stdout, shown).not.toMatch(STACK_FRAME);
    expect(r.stderr, shown).not.toMatch(STACK_FRAME);
    expect(r.stdout + r.stderr, shown).not.toMatch(/internal error|This is a bug/);
    if (jsonMode(c.args)) {
      // Exactly one JSON document on stdout (JSON.parse refuses two), holding the error.
      const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string } };
      expect(Object.keys(doc)).toEqual(['error']);
      if (c.error) expect(doc.error.code, shown).toBe(c.error);
      expect(doc.error.message, shown).toMatch(c.message);
      expect(doc.error.hint, shown).toBeTruthy();
      if (c.hint) expect(doc.error.hint, shown).toMatch(c.hint);
    } else {
      expect(r.stderr, shown).toMatch(c.message);
      expect(r.stderr, shown).toMatch(/^hint: /m);
      if (c.hint) expect(r.stderr, shown).toMatch(c.hint);
    }
  });

  it('left nothing half-written in the store: only the one run that was started', async () => {
    const store = await openStore({ sqlitePath: join(home, 'nova.sqlite') });
    try {
      const db = store.db.withTables<{ workflow_runs: { run_id: string }; workflow_run_inputs: { run_id: string } }>();
      expect((await db.selectFrom('workflow_runs').select('run_id').execute()).map((r) => r.run_id)).toEqual(['taken']);
      expect((await db.selectFrom('workflow_run_inputs').select('run_id').execute()).map((r) => r.run_id)).toEqual(['taken']);
      expect(await store.db.selectFrom('runs').select('run_id').execute()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('stdout that cannot be written', () => {
  const sh = (script: string) => new Promise<Result>((resolve) => {
    execFile('/bin/sh', ['-c', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', NOVA_HOME: home, NOVA: NOVA } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });

  it('a reader that goes away (nova … | true) ends quietly, exit 0', async () => {
    // sh reports the exit status of the last command of a pipe; print nova's own.
    const r = await sh('{ node "$NOVA" schema workflow; echo "nova exit $?" >&2; } | true');
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.stderr).toMatch(/nova exit 0/);
  });

  it('a full disk (/dev/full) is one clear error, exit 1', async () => {
    const r = await sh('node "$NOVA" schema workflow > /dev/full');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).toMatch(/^error: cannot write the output: ENOSPC\nhint: /m);
  });
});

describe('every command with --json prints exactly one JSON document', () => {
  it.each(jsonOk.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const r = okResults[i];
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    jsonOk[i].check(JSON.parse(r.stdout) as Record<string, unknown>);
  });
});
