/**
 * Target resolution: turn what the user typed (a folder or a git URL) into a folder on disk.
 * Git URLs are cloned shallowly into NOVA_HOME/workspaces/<safe-name>, without credential
 * prompts (an unattended run must fail fast, not hang on a password prompt) and with a timeout.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, accessSync, constants } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { NovaError } from '../errors.js';

export interface ResolvedTarget {
  /** Absolute folder that holds the repository. */
  root: string;
  kind: 'local' | 'git';
  /** The URL that was cloned (git targets only). */
  url?: string;
}

export interface ResolveOptions {
  /** Clone timeout in milliseconds (default 120 s). */
  timeoutMs?: number;
  /** Re-clone even when a workspace for the URL already exists. */
  refresh?: boolean;
}

const URL_SCHEMES = /^(https?|ssh|git|file):\/\//i;
// scp-like syntax: user@host:path (no scheme). A Windows drive letter (C:\) is not one.
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\\]/;

/** Whether `target` should be treated as a git URL rather than a local path. */
export function isGitUrl(target: string): boolean {
  return URL_SCHEMES.test(target) || SCP_LIKE.test(target);
}

/**
 * A folder name for a URL: readable (host and path) yet unique (short hash of the full URL),
 * never containing path separators or leading dots.
 */
export function workspaceName(url: string): string {
  const readable = url
    .replace(URL_SCHEMES, '')
    .replace(/^[^@/]*@/, '')
    .replace(/\.git\/?$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(-60) || 'repo';
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 10);
  return `${readable}-${hash}`;
}

function checkUrl(url: string): void {
  // A target that starts with '-' would be read by git as an option (e.g. --upload-pack=…).
  if (url.startsWith('-')) {
    throw new NovaError('BAD_INPUT', `refusing target "${url}": it starts with "-" and would be read as a git option`, {
      hint: 'Give a repository URL (https://…, ssh://…, git@host:path, file://…) or a folder path.',
    });
  }
  if (/[\s\0]/.test(url)) {
    throw new NovaError('BAD_INPUT', `refusing git URL "${url}": it contains whitespace or control characters`, { hint: 'Check the URL for stray spaces.' });
  }
  // ext:: and fd:: transports run arbitrary commands; other "::" remote helpers are refused too.
  if (/^[a-z0-9+.-]+::/i.test(url)) {
    throw new NovaError('BAD_INPUT', `refusing git URL "${url}": remote-helper transports ("…::") are not allowed`, { hint: 'Use an https://, ssh:// or file:// URL.' });
  }
  if (/(^|[?&\s])-(-upload-pack|-receive-pack|u\b|c\b|-config)/.test(url)) {
    throw new NovaError('BAD_INPUT', `refusing git URL "${url}": it carries a git option`, { hint: 'Give a plain repository URL.' });
  }
}

function runGit(args: string[], opts: { cwd?: string; timeoutMs: number }): Promise<{ code: number; stderr: string; timedOut: boolean }> {
  return new Promise((done) => {
    execFile('git', args, {
      cwd: opts.cwd,
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 4 * 1024 * 1024,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        // Never ask for SSH passphrases or unknown host keys interactively.
        GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new',
        GCM_INTERACTIVE: 'never',
        GIT_ASKPASS: '',
        SSH_ASKPASS: '',
      },
    }, (err, _stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      if (e && e.code === 'ENOENT') {
        done({ code: 127, stderr: 'git is not installed', timedOut: false });
        return;
      }
      done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr: String(stderr ?? ''), timedOut: !!e?.killed });
    });
  });
}

/** The most useful lines of git's error output (it prints progress and hints too). */
function gitMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Cloning into/.test(l));
  const important = lines.filter((l) => /^(fatal|error|remote):/i.test(l));
  return (important.length ? important : lines).slice(0, 4).join(' / ') || 'no message from git';
}

async function cloneTarget(url: string, config: Config, opts: ResolveOptions): Promise<ResolvedTarget> {
  checkUrl(url);
  const workspaces = join(config.home, 'workspaces');
  mkdirSync(workspaces, { recursive: true });
  const dest = join(workspaces, workspaceName(url));
  if (existsSync(join(dest, '.git')) && !opts.refresh) return { root: dest, kind: 'git', url };
  // Clone next to the destination and rename, so a failed or interrupted clone never leaves a
  // half-written workspace that a later run would mistake for a good one.
  const tmp = `${dest}.partial-${process.pid}-${Date.now()}`;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const r = await runGit(['clone', '--depth', '1', '--no-tags', '--quiet', '--', url, tmp], { timeoutMs });
  if (r.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    if (r.code === 127) throw new NovaError('UNAVAILABLE', 'git is not installed, so a URL target cannot be cloned', { hint: 'Install git (apt-get install git) or give a local folder.', exitCode: 2 });
    if (r.timedOut) throw new NovaError('TIMEOUT', `cloning ${url} took longer than ${Math.round(timeoutMs / 1000)} s`, { hint: 'Check the network, or clone it yourself and give the folder path.', exitCode: 2 });
    throw new NovaError('BAD_INPUT', `could not clone ${url}: ${gitMessage(r.stderr)}`, {
      hint: 'Check the URL and that the repository is public (credential prompts are disabled), or clone it yourself and give the folder path.',
    });
  }
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return { root: dest, kind: 'git', url };
}

// Any "scheme://" prefix: one git cannot clone from is refused by name, not looked for as a folder.
const ANY_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
// "github.com/owner/repo": a repository address typed without its https:// (a domain, then a path).
const SCHEMELESS_ADDRESS = /^(?:[a-z0-9-]+\.)+[a-z]{2,}\/[^/\s]+\/[^\s]+$/i;

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A git directory itself — a bare repository (as mirrors and servers keep them) or a work tree's
 * `.git` — holds no project files to read, only history: HEAD, objects/ and refs/.
 */
function isGitDir(root: string): boolean {
  return existsSync(join(root, 'HEAD')) && isDir(join(root, 'objects')) && isDir(join(root, 'refs'));
}

function localTarget(target: string): ResolvedTarget {
  const root = resolve(target);
  let st;
  try {
    st = statSync(root);
  } catch {
    if (SCHEMELESS_ADDRESS.test(target) && !existsSync(resolve(target.split('/')[0]))) {
      throw new NovaError('NOT_FOUND', `no such folder: ${root} (${target} looks like a repository address without its scheme)`, {
        hint: `For the repository, give its URL: https://${target}`,
      });
    }
    throw new NovaError('NOT_FOUND', `no such folder: ${root}`, { hint: 'Give the path of a repository folder, or a git URL (https://…, git@host:path).' });
  }
  if (!st.isDirectory()) {
    throw new NovaError('BAD_INPUT', `${root} is a file, not a repository folder`, { hint: 'Give the folder that contains the project, not a file inside it.' });
  }
  try {
    accessSync(root, constants.R_OK | constants.X_OK);
  } catch {
    throw new NovaError('PERMISSION_DENIED', `cannot read folder ${root}`, { hint: 'Check the folder permissions.', exitCode: 2 });
  }
  return { root, kind: 'local' };
}

/**
 * Resolve a target to a folder. Local folders are used in place (they need not be git
 * repositories: a downloaded source tarball is fine); URLs are cloned into the workspace.
 */
export async function resolveTarget(target: string, config: Config, opts: ResolveOptions = {}): Promise<ResolvedTarget> {
  if (typeof target !== 'string' || target.trim() === '') {
    throw new NovaError('BAD_INPUT', 'no target given', { hint: 'Give a repository folder or a git URL, e.g. nova plan ./my-project' });
  }
  // Option-like targets and remote-helper syntax are refused before anything else looks at them.
  if (target.startsWith('-') || /^[a-z0-9+.-]+::/i.test(target)) checkUrl(target);
  if (isGitUrl(target)) return cloneTarget(target, config, opts);
  const scheme = ANY_SCHEME.exec(target);
  if (scheme) {
    throw new NovaError('BAD_INPUT', `cannot fetch a repository over ${scheme[1]}://: ${target}`, {
      hint: 'Give a git URL (https://, ssh://, git://, file://, or git@host:path) or a local folder.',
    });
  }
  const local = localTarget(target);
  if (isGitDir(local.root)) {
    // A work tree's .git: plan the work tree around it (its files, uncommitted changes included).
    if (basename(local.root) === '.git' && !isGitDir(dirname(local.root))) return localTarget(dirname(local.root));
    // A bare repository: check out its default branch into the workspace, afresh each time so
    // the plan follows the repository as it is now.
    return cloneTarget(`file://${local.root}`, config, { ...opts, refresh: true });
  }
  return local;
}
