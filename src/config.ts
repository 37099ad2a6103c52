/**
 * The one place that reads the environment and `novasystem.config.json`. Everything else receives
 * a Config. Environment wins over the file; the file wins over defaults.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { NovaError } from './errors.js';
import { parseJsonText, parseOrThrow } from './protocol/validate.js';
import { TENANT_HINT, TenantName } from './protocol/common.js';

export const SandboxKind = z.enum(['bwrap', 'docker', 'none']);
export type SandboxKind = z.infer<typeof SandboxKind>;
export const LlmKind = z.enum(['none', 'openai', 'ollama']);

const FileConfig = z.object({
  home: z.string().optional(),
  databaseUrl: z.string().optional(),
  redisUrl: z.string().optional(),
  sandbox: SandboxKind.optional(),
  llm: LlmKind.optional(),
  llmModel: z.string().optional(),
  tenant: z.string().optional(),
}).strict();

export interface Config {
  home: string;
  /** SQLite file used when no databaseUrl is set. */
  sqlitePath: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** undefined = choose automatically (bwrap when installed, else refuse without --sandbox none). */
  sandbox?: SandboxKind;
  llm: z.infer<typeof LlmKind>;
  llmModel?: string;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  ollamaHost?: string;
  tenant: string;
  /** `NOVA_REQUIRE_SERVICES=1`: tests treat a missing PostgreSQL/Redis as a failure, not a skip. */
  requireServices: boolean;
  debug: boolean;
  /** The config file that was read, if any. */
  configFile?: string;
  /**
   * Host variables passed into sandboxed commands: proxy settings, CA bundles and registry
   * mirrors, without which dependency downloads fail behind TLS-intercepting proxies.
   */
  sandboxPassEnv?: Record<string, string>;
}

/** Network plumbing a sandboxed install needs; never credentials-by-design variables. */
export const SANDBOX_PASS_ENV = [
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'PIP_CERT', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO',
  'npm_config_registry', 'COREPACK_NPM_REGISTRY', 'YARN_NPM_REGISTRY_SERVER', 'PIP_INDEX_URL', 'GOPROXY',
];

function pickEnum<T extends z.ZodEnum>(schema: T, value: string | undefined, variable: string): z.infer<T> | undefined {
  if (value === undefined || value === '') return undefined;
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new NovaError('BAD_INPUT', `${variable}="${value}" is not one of: ${schema.options.join(', ')}`, { hint: `Set ${variable} to one of ${schema.options.join(', ')} or unset it.` });
  }
  return r.data as z.infer<T>;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/** The config file's text; a folder, a device or an oversized file is refused before reading it. */
function readConfigText(f: string): string {
  const st = statSync(f);
  if (!st.isFile()) throw new NovaError('BAD_INPUT', `config file ${f} is not a regular file`, { hint: 'Give the path of a JSON file such as novasystem.config.json (see docs for its keys).' });
  if (st.size > MAX_CONFIG_BYTES) throw new NovaError('BAD_INPUT', `config file ${f} is ${st.size} bytes, more than ${MAX_CONFIG_BYTES}`, { hint: 'A config file holds a few settings (home, databaseUrl, redisUrl, sandbox, llm, llmModel, tenant); check that it is the right file.' });
  return readFileSync(f, 'utf8');
}

/** A service URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  // NOVA_CONFIG names a file the user wants read: missing is an error, unlike the optional ./novasystem.config.json.
  const fileCandidates = env.NOVA_CONFIG ? [resolve(cwd, env.NOVA_CONFIG)] : [join(cwd, 'novasystem.config.json')];
  let file: z.infer<typeof FileConfig> = {};
  let configFile: string | undefined;
  for (const f of fileCandidates) {
    if (!existsSync(f)) {
      if (env.NOVA_CONFIG) throw new NovaError('BAD_INPUT', `NOVA_CONFIG names ${f}, which does not exist`, { hint: 'Point NOVA_CONFIG at a JSON config file, or unset it to read ./novasystem.config.json.' });
      continue;
    }
    file = parseOrThrow(FileConfig, parseJsonText(readConfigText(f), `config file ${f}`, MAX_CONFIG_BYTES), `config file ${f}`, 'Allowed keys: home, databaseUrl, redisUrl, sandbox, llm, llmModel, tenant.');
    configFile = f;
    break;
  }
  const home = resolve(env.NOVA_HOME || file.home || join(homedir(), '.novasystem'));
  // Kernel pseudo-filesystems are no place for a store (and creating folders under /proc can spin).
  if (/^\/(proc|sys|dev)(\/|$)/.test(home)) {
    throw new NovaError('BAD_INPUT', `NOVA_HOME=${home} is inside /${home.split('/')[1]}, a kernel pseudo-filesystem`, { hint: 'Point NOVA_HOME at an ordinary writable folder, e.g. ~/.novasystem.' });
  }
  const databaseUrl = env.NOVA_DATABASE_URL || file.databaseUrl || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new NovaError('BAD_INPUT', `NOVA_DATABASE_URL must be a postgres:// URL, got "${databaseUrl}"`, { hint: 'Unset it to use the embedded SQLite store, or give postgres://user@host:5432/db.' });
  }
  const redisUrl = env.NOVA_REDIS_URL || file.redisUrl || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new NovaError('BAD_INPUT', `NOVA_REDIS_URL must be a redis:// URL, got "${redisUrl}"`, { hint: 'Example: redis://127.0.0.1:6379/0' });
  }
  return {
    home,
    sqlitePath: join(home, 'nova.sqlite'),
    databaseUrl,
    redisUrl,
    sandbox: pickEnum(SandboxKind, env.NOVA_SANDBOX, 'NOVA_SANDBOX') ?? file.sandbox,
    llm: pickEnum(LlmKind, env.NOVA_LLM, 'NOVA_LLM') ?? file.llm ?? 'none',
    llmModel: env.NOVA_LLM_MODEL || file.llmModel,
    openaiApiKey: env.OPENAI_API_KEY,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    ollamaHost: env.OLLAMA_HOST,
    tenant: parseOrThrow(TenantName, env.NOVA_TENANT || file.tenant || 'default', env.NOVA_TENANT ? 'NOVA_TENANT' : 'tenant of the config file', TENANT_HINT),
    requireServices: env.NOVA_REQUIRE_SERVICES === '1',
    debug: !!env.NOVA_DEBUG,
    configFile,
    sandboxPassEnv: Object.fromEntries(SANDBOX_PASS_ENV.filter((k) => env[k]).map((k) => [k, env[k] as string])),
  };
}
