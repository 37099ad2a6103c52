/**
 * Roles a command plays in a data flow: fetches from the network, decodes hidden text, runs
 * code it reads, dumps secrets, sends data out. The flow rules combine these roles along
 * pipelines and substitutions.
 */
import { isDotenv, isSecretPath, pathOf } from './paths.js';
import { HOME } from './state.js';
import { hasFlag, operandIndexes, unwrap, type Unwrapped } from './unwrap.js';
import type { CmdRecord } from './walker.js';

const FETCHERS = new Set(['curl', 'wget', 'fetch', 'http', 'https', 'aria2c', 'lwp-request', 'GET', 'lynx', 'iwr', 'irm', 'invoke-webrequest', 'invoke-restmethod', 'wget2', 'xh', 'curlie']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'busybox', 'pwsh', 'powershell']);
const INTERPRETERS = /^(python[0-9.]*|pypy[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|deno|bun|php[0-9.]*|lua[0-9.]*|Rscript|R|tclsh|osascript|jshell|groovy|irb)$/;

export function isFetcher(u: Unwrapped): boolean {
  const n = u.name.toLowerCase();
  if (FETCHERS.has(n)) return true;
  if ((n === 'nc' || n === 'ncat' || n === 'netcat' || n === 'socat') && u.words.length > 2) return true;
  if (n === 'openssl' && u.words[1] === 's_client') return true;
  return false;
}

export function isDecoder(u: Unwrapped): boolean {
  const n = u.name;
  if (n === 'base64' || n === 'base32' || n === 'basenc') return hasFlag(u.words, 'd', '--decode') || u.words.includes('-D');
  if (n === 'xxd') return hasFlag(u.words, 'r', '-revert');
  if (n === 'uudecode') return true;
  if (n === 'openssl') return (u.words[1] === 'base64' || u.words[1] === 'enc') && u.words.includes('-d');
  return false;
}

/** The command's code comes from standard input (`sh`, `bash -s`, `python -`, `iex`). */
export function runsStdin(u: Unwrapped): boolean {
  const n = u.name.toLowerCase();
  if (n === 'iex' || n === 'invoke-expression') return true;
  if ((n === 'source' || n === '.') && (u.words[1] === '/dev/stdin' || u.words[1] === '-')) return true;
  const isShell = SHELLS.has(n);
  if (!isShell && !INTERPRETERS.test(u.name)) return false;
  if (n === 'busybox' && !SHELLS.has(u.words[1] ?? '')) return false;
  for (let i = isShell && n === 'busybox' ? 2 : 1; i < u.words.length; i++) {
    const t = u.words[i]!;
    if (t === '-' || t === '-s' || t === '/dev/stdin' || t === '--') return true;
    // python -c/-m, perl -e/-n/-p, ruby -e, node -e: the code or a filter is given inline
    if (!isShell && /^-[a-zA-Z]*[cemEnp]/.test(t)) return false;
    if (isShell && /^-[a-zA-Z]*c/.test(t) && !t.startsWith('--')) return false;
    if (t.startsWith('-')) continue;
    return false; // a script file or further arguments: stdin is data
  }
  return true;
}

export function isShellOrInterpreter(name: string): boolean {
  return SHELLS.has(name.toLowerCase()) || INTERPRETERS.test(name);
}

/** Words of this command that are run as code: `-c CODE`, `-e CODE`, script operands, eval args. */
export function codeWordIndexes(u: Unwrapped): number[] {
  const n = u.name.toLowerCase();
  const w = u.words;
  if (n === 'eval' || n === 'iex' || n === 'invoke-expression') return w.map((_x, i) => i).slice(1);
  if (n === 'source' || n === '.') return w.length > 1 ? [1] : [];
  if (!isShellOrInterpreter(u.name)) return [];
  const out: number[] = [];
  for (let i = 1; i < w.length; i++) {
    const t = w[i]!;
    if (/^-[a-zA-Z]*[ce]$/.test(t) || t === '--eval' || t === '--command' || t === '-Command' || t === '-EncodedCommand') { if (i + 1 < w.length) out.push(i + 1); return out; }
    if (t.startsWith('-')) continue;
    out.push(i); // the script itself
    return out;
  }
  return out;
}

const ENV_DUMPERS = new Set(['env', 'printenv', 'export', 'declare', 'typeset', 'set', 'compgen']);
const READERS = new Set(['cat', 'tac', 'head', 'tail', 'less', 'more', 'base64', 'xxd', 'od', 'strings', 'gzip', 'zip', 'tar', 'openssl', 'gpg', 'cp', 'dd', 'sed', 'awk', 'grep', 'jq', 'sort', 'uniq', 'xargs']);

/** The command prints environment variables or a secret file. Returns what it leaks, or undefined. */
export function secretSource(rec: CmdRecord, u: Unwrapped, workspace: string): string | undefined {
  const n = u.name;
  if (ENV_DUMPERS.has(n)) {
    if (n === 'env' && u.words.length === 1) return 'the environment (env)';
    if (n === 'printenv') return u.words.length === 1 ? 'the environment (printenv)' : secretVarsIn(u.words.slice(1)) ? `secret variable ${u.words[1]}` : undefined;
    if ((n === 'export' || n === 'declare' || n === 'typeset') && u.words.length <= 2 && (u.words.length === 1 || /^-[a-zA-Z]*[px]/.test(u.words[1]!))) return `the environment (${u.words.join(' ')})`;
    if (n === 'set' && u.words.length === 1) return 'all shell variables (set)';
    if (n === 'compgen' && u.words[1] === '-v') return 'all variable names';
  }
  if (n === 'history') return 'the shell history';
  if (n === 'echo' || n === 'printf') {
    const v = u.core.slice(1).flatMap((w) => w.vars).find((x) => isSecretVar(x));
    if (v) return `$${v}`;
  }
  if (n === 'gpg' && u.words.some((t) => t.startsWith('--export-secret'))) return 'private GPG keys';
  if (n === 'ssh-add' && u.words.includes('-L')) return undefined;
  if (READERS.has(n)) {
    for (const i of operandIndexes(u.words, ['-n', '-c', '-f', '-e', '-o'])) {
      const info = pathOf(u.core[i]!, rec.cwd, workspace);
      if (info && isSecretPath(info.abs)) return showSecret(info.abs);
      if (info && isDotenv(info.abs)) return `${u.words[i]} (environment secrets)`;
    }
  }
  for (const r of rec.redirs) {
    if (r.kind === 'read' && r.target) {
      const info = pathOf(r.target, rec.cwd, workspace);
      if (info && isSecretPath(info.abs)) return showSecret(info.abs);
    }
  }
  return undefined;
}

function showSecret(abs: string): string {
  return abs.startsWith(HOME) ? '~' + abs.slice(HOME.length) : abs;
}

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY|AUTH|SESSION|COOKIE|_PAT$|^PAT$)/i;
const NOT_SECRET = /^(TOKENIZERS_PARALLELISM|AUTHOR|AUTHORS|.*_URL|.*_HOST|.*_PORT|.*_USER(NAME)?|.*_FILE|.*_PATH|.*_DIR)$/i;

export function isSecretVar(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.test(name);
}

function secretVarsIn(names: string[]): boolean {
  return names.some((n) => isSecretVar(n));
}

const SENDERS = new Set(['curl', 'wget', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'scp', 'sftp', 'ftp', 'rsync', 'http', 'https', 'xh', 'mail', 'mailx', 'sendmail', 'mutt', 'iwr', 'irm', 'invoke-webrequest', 'invoke-restmethod', 'aws', 'gsutil', 'rclone', 'openssl', 'curlie', 'wget2']);

export function isSender(u: Unwrapped): boolean {
  const n = u.name.toLowerCase();
  if (!SENDERS.has(n)) return false;
  if (n === 'openssl') return u.words[1] === 's_client';
  if (n === 'aws') return u.words[1] === 's3' && ['cp', 'sync', 'mv'].includes(u.words[2] ?? '');
  if (n === 'gsutil') return u.words[1] === 'cp';
  return true;
}

/** curl/wget/httpie options whose value is sent as the request body. */
export const DATA_OPTIONS = ['-d', '--data', '--data-binary', '--data-raw', '--data-urlencode', '--data-ascii', '-F', '--form', '--form-string', '-T', '--upload-file', '--json', '--post-data', '--post-file', '--body-data', '--body-file'];

export function unwrapRecord(rec: CmdRecord): Unwrapped {
  return unwrap(rec.argv);
}

/** Where a list of commands gets text that must not be run: a download or a decoder. */
export function contentSource(recs: CmdRecord[]): string | undefined {
  for (const r of recs) {
    const u = unwrap(r.argv);
    if (isFetcher(u)) return `downloaded content (${u.name})`;
    if (isDecoder(u)) return `decoded hidden text (${u.words.slice(0, 2).join(' ')})`;
    for (const w of r.argv) {
      if (w.taint) return w.taint;
      for (const s of w.substs) { const k = contentSource(s.records); if (k) return k; }
    }
  }
  return undefined;
}
