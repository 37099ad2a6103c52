/**
 * The checks behind `nova doctor`: each answers "is X available, and if not, how do I enable it?"
 * Every check has its own short timeout and they all run at once, so the whole report stays under
 * about two seconds. Checks never print secrets: URLs are redacted, keys are reported as set/unset.
 */
import { execFile } from 'node:child_process';
import { constants, accessSync, existsSync, statSync } from 'node:fs';
import net from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import type { Config } from '../../config.js';
import { errorMessage, isNovaError } from '../../errors.js';
import { createLlmProvider, type LlmProvider } from '../../llm/provider.js';
import { redactUrl } from '../../config.js';
import { migrations } from '../../store/migrations/index.js';

export type CheckStatus = 'ok' | 'missing' | 'error';
export type CheckGroup = 'configuration' | 'store' | 'services' | 'sandbox' | 'llm' | 'toolchains';

export interface DoctorCheck {
  name: string;
  group: CheckGroup;
  status: CheckStatus;
  detail: string;
  /** What to do about it (null when nothing needs doing). */
  hint: string | null;
  /** A required check in error makes `nova doctor` exit 1; everything else is optional. */
  required: boolean;
  /** How long the check took (0 for checks that only read the configuration). */
  durationMs: number;
}

/** Default time each check may take; `nova doctor --timeout` changes it (slow networks, busy machines). */
export const DEFAULT_TIMEOUT_MS = 1500;

const check = (group: CheckGroup, name: string, status: CheckStatus, detail: string, hint: string | null = null, required = false): DoctorCheck => ({ name, group, status, detail, hint, required, durationMs: 0 });

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function portOpen(host: string, port: number, ms = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(ms, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** The executable `name` on PATH, without spawning a shell. PATH is the OS's, not configuration. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    try {
      if (statSync(full).isFile()) { accessSync(full, constants.X_OK); return full; }
    } catch { /* not here */ }
  }
  return undefined;
}

interface RunResult { code: number | null; output: string; timedOut: boolean; error?: string }

function run(file: string, args: string[], ms: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: ms, maxBuffer: 256 * 1024, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' } }, (err, stdout, stderr) => {
      const output = `${stdout}\n${stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      if (!e) return resolve({ code: 0, output, timedOut: false });
      resolve({ code: typeof e.code === 'number' ? e.code : null, output, timedOut: !!e.killed, error: e.message });
    });
  });
}

const firstLine = (s: string) => s.split('\n').map((l) => l.trim()).find((l) => l) ?? '';

// ---------------------------------------------------------------------------------------------
// Store

function migrationState(applied: string[]): { detail: string; status: CheckStatus; hint: string | null } {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = applied.filter((n) => !known.has(n));
  if (unknown.length) {
    return { status: 'error', detail: `created by a newer NovaSystem (unknown migrations: ${unknown.join(', ')})`, hint: 'Upgrade NovaSystem, or point NOVA_HOME / NOVA_DATABASE_URL at another store.' };
  }
  const pending = migrations.length - applied.length;
  return { status: 'ok', detail: pending === 0 ? `migrated (${applied.length}/${migrations.length})` : `${applied.length}/${migrations.length} migrations applied; ${pending} pending, applied automatically on next use`, hint: null };
}

async function sqliteCheck(config: Config): Promise<DoctorCheck> {
  const path = config.sqlitePath;
  try {
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    if (!existsSync(path)) {
      new BetterSqlite3(':memory:').close(); // the native driver loads
      let dir = dirname(path);
      while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
      accessSync(dir, constants.W_OK);
      return check('store', 'sqlite', 'ok', `${path} — not created yet; created and migrated on first use`, 'For a store shared by several machines set NOVA_DATABASE_URL=postgres://…', true);
    }
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    try {
      const hasTable = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'nova_migrations'").get();
      const applied = hasTable ? (db.prepare('select name from nova_migrations order by name').all() as { name: string }[]).map((r) => r.name) : [];
      const m = migrationState(applied);
      return check('store', 'sqlite', m.status, `${path} — ${m.detail}`, m.hint ?? 'For a store shared by several machines set NOVA_DATABASE_URL=postgres://…', true);
    } finally {
      db.close();
    }
  } catch (e) {
    return check('store', 'sqlite', 'error', `${path} — ${errorMessage(e)}`, 'Set NOVA_HOME to a writable folder; if the native driver fails to load, reinstall NovaSystem with Node 20 (better-sqlite3 12).', true);
  }
}

async function postgresCheck(url: string, ms: number): Promise<DoctorCheck> {
  const where = redactUrl(url);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ms, query_timeout: ms });
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), ms, 'connect');
    const version = (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '?';
    const exists = (await client.query("select to_regclass('nova_migrations') is not null as e")).rows[0]?.e === true;
    const applied = exists ? (await client.query<{ name: string }>('select name from nova_migrations order by name')).rows.map((r) => r.name) : [];
    const m = migrationState(applied);
    return check('store', 'postgresql', m.status, `${where} — PostgreSQL ${version}, ${m.detail}`, m.hint, true);
  } catch (e) {
    return check('store', 'postgresql', 'error', `${where} — not reachable: ${errorMessage(e)}`, 'Start PostgreSQL or fix NOVA_DATABASE_URL; unset it to use the embedded SQLite store.', true);
  } finally {
    client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Services

async function redisCheck(config: Config, ms: number): Promise<DoctorCheck> {
  if (!config.redisUrl) {
    const local = await portOpen('127.0.0.1', 6379);
    return check('services', 'redis', 'missing', 'not configured: operational memory, the message bus and workflows use the SQL store (one machine)',
      local ? 'A Redis server answers at 127.0.0.1:6379: set NOVA_REDIS_URL=redis://127.0.0.1:6379 to use it.' : 'Optional, for many workers: install Redis (apt-get install redis-server) and set NOVA_REDIS_URL=redis://127.0.0.1:6379.');
  }
  const where = redactUrl(config.redisUrl);
  try {
    const { connectRedis } = await import('../../memory/operational/redis-kv.js');
    const client = await connectRedis(config.redisUrl, { connectTimeoutMs: ms });
    try {
      const info = await withTimeout(client.info(), ms, 'INFO');
      const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      const policy = field('maxmemory_policy');
      const evicts = policy && policy !== 'noeviction';
      return check('services', 'redis', 'ok', `${where} — Redis ${field('redis_version') ?? '?'}${policy ? `, maxmemory-policy ${policy}` : ''}`,
        evicts ? 'Set maxmemory-policy noeviction (redis.conf) so queued workflow jobs are never evicted.' : null);
    } finally {
      client.disconnect();
    }
  } catch (e) {
    return check('services', 'redis', 'error', `${where} — not reachable: ${errorMessage(e).replace(/^cannot connect to Redis at \S+: /, '')}`, 'Start Redis (redis-server) or fix NOVA_REDIS_URL; unset it to use the SQL store.');
  }
}

// ---------------------------------------------------------------------------------------------
// Sandboxes

async function bwrapCheck(ms: number): Promise<DoctorCheck> {
  const bin = onPath('bwrap');
  if (!bin) return check('sandbox', 'bwrap', 'missing', 'bubblewrap is not installed', 'apt-get install bubblewrap (the default sandbox on Linux).');
  const [probe, version] = await Promise.all([
    run(bin, ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', 'true'], ms),
    run(bin, ['--version'], ms),
  ]);
  const v = firstLine(version.output) || 'bubblewrap';
  if (probe.code === 0) return check('sandbox', 'bwrap', 'ok', `${v} at ${bin} — sandboxes start`);
  return check('sandbox', 'bwrap', 'error', `${v} is installed but cannot create a sandbox: ${probe.timedOut ? 'timed out' : firstLine(probe.output) || probe.error}`,
    'Unprivileged user namespaces are probably disabled: sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu); inside a container, start it with --privileged or use NOVA_SANDBOX=docker.');
}

async function dockerCheck(ms: number): Promise<DoctorCheck> {
  try {
    const { default: Docker } = await import('dockerode');
    const docker = new Docker({ timeout: ms });
    await withTimeout(docker.ping(), ms, 'ping');
    const v = await withTimeout(docker.version(), ms, 'version');
    return check('sandbox', 'docker', 'ok', `Docker Engine ${v.Version} (API ${v.ApiVersion}) reachable`);
  } catch (e) {
    const msg = errorMessage(e);
    const absent = /ENOENT|ECONNREFUSED/.test(msg);
    return check('sandbox', 'docker', absent ? 'missing' : 'error', `no Docker engine reachable (${msg.split('\n')[0]})`,
      'Optional: start a Docker engine (or set DOCKER_HOST) to run steps in containers with NOVA_SANDBOX=docker; bubblewrap works without it.');
  }
}

function sandboxChoice(config: Config, bwrap: DoctorCheck, docker: DoctorCheck): DoctorCheck {
  const chosen = config.sandbox ?? (bwrap.status === 'ok' ? 'bwrap' : undefined);
  if (chosen === 'none') return check('sandbox', 'sandbox', 'ok', 'NOVA_SANDBOX=none: commands run WITHOUT isolation', 'Use NOVA_SANDBOX=bwrap (or docker) unless you trust every repository you install.');
  if (!chosen) return check('sandbox', 'sandbox', 'missing', 'no working sandbox: nova install will refuse to run commands', 'Install bubblewrap (apt-get install bubblewrap), or start Docker and set NOVA_SANDBOX=docker; --sandbox none runs without isolation.');
  const ok = (chosen === 'bwrap' ? bwrap : docker).status === 'ok';
  return check('sandbox', 'sandbox', ok ? 'ok' : 'error', `${config.sandbox ? `NOVA_SANDBOX=${chosen}` : `automatic choice: ${chosen}`}${ok ? '' : ' — but it does not work (see above)'}`,
    ok ? null : `Fix ${chosen} as described above, or choose another with NOVA_SANDBOX.`);
}

// ---------------------------------------------------------------------------------------------
// LLM

/** What the LLM does when configured: the same words as the README's NOVA_LLM row. */
const LLM_USE = 'used only when a failed step matches no known error pattern: it explains the failure and may propose one fix, which is validated and bounded like library fixes';

function llmCheck(config: Config): DoctorCheck {
  if (config.llm === 'none') {
    const keyHint = config.openaiApiKey ? ' OPENAI_API_KEY is set: NOVA_LLM=openai would use it.' : '';
    return check('llm', 'llm', 'missing', 'NOVA_LLM=none: plans and troubleshooting come from rules, documentation, CI configuration and memory only',
      `Optional: NOVA_LLM=openai with NOVA_LLM_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server), or NOVA_LLM=ollama with NOVA_LLM_MODEL and OLLAMA_HOST; it is ${LLM_USE}.${keyHint}`);
  }
  let provider: LlmProvider | undefined;
  try {
    provider = createLlmProvider(config);
  } catch (e) {
    return check('llm', 'llm', 'error', errorMessage(e), isNovaError(e) ? e.hint ?? null : null);
  }
  if (!provider) return check('llm', 'llm', 'missing', `NOVA_LLM=${config.llm}: no provider`);
  const key = config.llm === 'openai' ? `, OPENAI_API_KEY ${config.openaiApiKey ? 'is set' : 'is not set'}` : '';
  return check('llm', 'llm', 'ok', `NOVA_LLM=${config.llm}: model ${provider.model} at ${provider.endpoint}${key} (not contacted); ${LLM_USE}`);
}

// ---------------------------------------------------------------------------------------------
// Toolchains

interface Tool { name: string; alt?: string[]; args: string[]; install: string; for: string }

export const TOOLS: Tool[] = [
  { name: 'node', args: ['--version'], install: 'Node.js 20+ (apt-get install nodejs, or nodejs.org)', for: 'Node.js' },
  { name: 'npm', args: ['--version'], install: 'apt-get install npm', for: 'Node.js' },
  { name: 'corepack', args: ['--version'], install: 'npm install -g corepack', for: 'pnpm/yarn' },
  { name: 'git', args: ['--version'], install: 'apt-get install git', for: 'cloning git URLs' },
  { name: 'python3', args: ['--version'], install: 'apt-get install python3 python3-venv', for: 'Python' },
  { name: 'pip', alt: ['pip3'], args: ['--version'], install: 'apt-get install python3-pip', for: 'Python' },
  { name: 'go', args: ['version'], install: 'apt-get install golang-go', for: 'Go' },
  { name: 'cargo', args: ['--version'], install: 'apt-get install cargo (or rustup)', for: 'Rust' },
  { name: 'java', args: ['-version'], install: 'apt-get install default-jdk', for: 'Java' },
  { name: 'mvn', args: ['-v'], install: 'apt-get install maven', for: 'Maven' },
  { name: 'gradle', args: ['--version'], install: 'apt-get install gradle (projects usually bring ./gradlew)', for: 'Gradle' },
  { name: 'ruby', args: ['--version'], install: 'apt-get install ruby-full', for: 'Ruby' },
  { name: 'php', args: ['--version'], install: 'apt-get install php-cli composer', for: 'PHP' },
  { name: 'dotnet', args: ['--version'], install: 'the dotnet-sdk package from Microsoft', for: '.NET' },
  { name: 'make', args: ['--version'], install: 'apt-get install make', for: 'make-based' },
  { name: 'cmake', args: ['--version'], install: 'apt-get install cmake', for: 'CMake' },
  { name: 'gcc', args: ['--version'], install: 'apt-get install build-essential', for: 'C/C++ and native-extension' },
];

const VERSION = /\d+\.\d+(?:\.\d+)?(?:[-+._][0-9A-Za-z.]+)?/;

async function toolCheck(tool: Tool, ms: number): Promise<DoctorCheck> {
  const found = [tool.name, ...(tool.alt ?? [])].map((n) => ({ n, path: onPath(n) })).find((f) => f.path);
  if (!found?.path) return check('toolchains', tool.name, 'missing', 'not on PATH', `Needed only for ${tool.for} repositories: ${tool.install}.`);
  const r = await run(found.path, tool.args, ms);
  const line = firstLine(r.output);
  const version = VERSION.exec(line)?.[0];
  const via = found.n === tool.name ? '' : ` (as ${found.n})`;
  if (r.timedOut) return check('toolchains', tool.name, 'ok', `${found.path}${via} (version check took over ${ms} ms)`);
  if (r.code !== 0 || !version) {
    return check('toolchains', tool.name, 'error', `${found.path}${via} is on PATH but \`${tool.name} ${tool.args.join(' ')}\` failed: ${line || r.error || `exit ${r.code}`}`, `Repair or reinstall it: ${tool.install}.`);
  }
  return check('toolchains', tool.name, 'ok', `${version}${via}`);
}

// ---------------------------------------------------------------------------------------------

/** Every check, run concurrently. `config` is a function so a broken configuration is a check result, not a crash. */
export async function runChecks(loadConfig: () => Config, opts: { timeoutMs?: number } = {}): Promise<DoctorCheck[]> {
  const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let config: Config | undefined;
  let configCheck: DoctorCheck;
  try {
    config = loadConfig();
    configCheck = check('configuration', 'config', 'ok', `NOVA_HOME=${config.home}; config file: ${config.configFile ?? 'none'}; tenant ${config.tenant}`, null, true);
  } catch (e) {
    configCheck = check('configuration', 'config', 'error', errorMessage(e), (e as { hint?: string }).hint ?? 'Fix the environment variable or config file named above.', true);
  }
  const skipped = (group: CheckGroup, name: string) => check(group, name, 'error', 'not checked: the configuration is invalid (see config)', 'Fix the configuration first.', group === 'store');

  // Load the drivers first so each check's durationMs measures the check, not module loading.
  await Promise.all([import('pg'), import('better-sqlite3'), import('dockerode'), import('../../memory/operational/redis-kv.js')]).catch(() => {});
  const timed = async (p: Promise<DoctorCheck> | DoctorCheck): Promise<DoctorCheck> => {
    const started = Date.now();
    const c = await p;
    return { ...c, durationMs: Date.now() - started };
  };
  const [store, redis, bwrap, docker, tools] = await Promise.all([
    timed(config ? (config.databaseUrl ? postgresCheck(config.databaseUrl, ms) : sqliteCheck(config)) : skipped('store', 'store')),
    timed(config ? redisCheck(config, ms) : skipped('services', 'redis')),
    timed(bwrapCheck(ms)),
    timed(dockerCheck(ms)),
    Promise.all(TOOLS.map((t) => timed(toolCheck(t, ms)))),
  ]);
  const rest = config ? [sandboxChoice(config, bwrap, docker), llmCheck(config)] : [skipped('llm', 'llm')];
  return [configCheck, store, redis, bwrap, docker, ...rest, ...tools];
}
