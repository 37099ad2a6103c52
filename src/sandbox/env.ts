/**
 * The environment a sandboxed command starts from. Nothing of NovaSystem's own environment leaks
 * in (it may hold tokens); the caller's step environment is layered on top, and per-run tool
 * folders go first on PATH.
 */
import { dirname } from 'node:path';

export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** PATH with the folder of the running node first, so `node` inside is the node we run on. */
export function basePath(): string {
  const nodeDir = dirname(process.execPath);
  return SYSTEM_PATH.split(':').includes(nodeDir) ? SYSTEM_PATH : `${nodeDir}:${SYSTEM_PATH}`;
}

export function sandboxEnv(o: { home: string; tmp: string; extra?: Record<string, string>; pathPrepend?: string[]; path?: string; pass?: Record<string, string> }): Record<string, string> {
  const env: Record<string, string> = {
    PATH: o.path ?? basePath(),
    HOME: o.home,
    TMPDIR: o.tmp,
    USER: 'nova',
    LOGNAME: 'nova',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    // Package managers must never stop to ask a question nobody will answer.
    COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
  };
  for (const [k, v] of Object.entries(o.pass ?? {})) env[k] = v;
  for (const [k, v] of Object.entries(o.extra ?? {})) env[k] = v;
  if (o.pathPrepend?.length) env.PATH = [...o.pathPrepend, env.PATH].join(':');
  return env;
}
