/**
 * Where a path points, in the terms the rules need: inside the workspace, a temporary area,
 * a device, a system directory, home (and its sensitive corners), or elsewhere.
 */
import { HOME, isWithin, normalizeAbs, resolveAgainst } from './state.js';
import type { ResolvedWord } from './words.js';

export type PathClass =
  | 'workspace-root' | 'workspace' | 'temp' | 'harmless-device' | 'block-device' | 'device'
  | 'root' | 'system' | 'shell-profile' | 'cron' | 'home-root' | 'ssh' | 'credentials' | 'home'
  | 'outside';

export interface PathInfo {
  /** Absolute normalised path (home as `/~/…`). */
  abs: string;
  cls: PathClass;
  /** The word had a glob: the path is the directory whose contents are matched. */
  contents: boolean;
}

const SYSTEM_TOP = ['/etc', '/usr', '/bin', '/sbin', '/boot', '/lib', '/lib32', '/lib64', '/libx32', '/sys', '/proc', '/dev', '/var', '/root', '/run', '/snap', '/System', '/Library', '/private', '/Applications'];
/** Top-level folders that are system places themselves but hold user data below. */
const SYSTEM_ONLY_ITSELF = ['/home', '/opt', '/mnt', '/media', '/srv', '/Users', '/Volumes', '/tmp', '/var/tmp'];
const TEMP = ['/tmp', '/var/tmp', '/dev/shm'];
const HARMLESS_DEVICES = new Set(['/dev/null', '/dev/zero', '/dev/stdout', '/dev/stderr', '/dev/stdin', '/dev/tty', '/dev/random', '/dev/urandom', '/dev/full']);
const BLOCK_DEVICE = /^\/dev\/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d|mapper\/|md\d|loop\d|dm-\d|sr\d|mem$|kmem$|port$|root$)/;
const PROFILES = new Set(['.bashrc', '.bash_profile', '.bash_login', '.bash_logout', '.profile', '.zshrc', '.zprofile', '.zshenv', '.zlogin', '.kshrc', '.cshrc', '.tcshrc', '.config/fish/config.fish', '.config/fish/conf.d', '.xprofile', '.xinitrc', '.pam_environment']);
const SYSTEM_PROFILES = ['/etc/profile', '/etc/profile.d', '/etc/bash.bashrc', '/etc/bashrc', '/etc/environment', '/etc/zsh', '/etc/zshrc', '/etc/zprofile', '/etc/zshenv'];
const CRON = ['/etc/crontab', '/etc/cron.d', '/etc/cron.daily', '/etc/cron.hourly', '/etc/cron.weekly', '/etc/cron.monthly', '/var/spool/cron', '/etc/anacrontab'];
const CREDENTIALS = ['.aws', '.netrc', '.npmrc', '.pypirc', '.docker/config.json', '.kube', '.git-credentials', '.gnupg', '.config/gh', '.config/gcloud', '.azure', '.gem/credentials', '.cargo/credentials', '.cargo/credentials.toml', '.m2/settings.xml', '.gradle/gradle.properties', '.vault-token', '.bash_history', '.zsh_history'];
/** Files outside home that hold secrets. */
const SYSTEM_SECRETS = ['/etc/shadow', '/etc/gshadow', '/etc/sudoers', '/etc/ssh', '/root', '/proc/self/environ', '/var/run/secrets'];

export function classifyAbs(abs: string, workspace: string): PathClass {
  if (isWithin(abs, workspace)) return abs === workspace ? 'workspace-root' : 'workspace';
  if (abs === '/') return 'root';
  if (abs === HOME) return 'home-root';
  if (abs.startsWith(HOME + '/')) {
    const rel = abs.slice(HOME.length + 1);
    if (rel === '.ssh' || rel.startsWith('.ssh/')) return 'ssh';
    for (const p of PROFILES) if (rel === p || rel.startsWith(p + '/')) return 'shell-profile';
    for (const c of CREDENTIALS) if (rel === c || rel.startsWith(c + '/')) return 'credentials';
    return 'home';
  }
  if (HARMLESS_DEVICES.has(abs) || abs.startsWith('/dev/fd/') || abs.startsWith('/proc/self/fd/')) return 'harmless-device';
  if (BLOCK_DEVICE.test(abs)) return 'block-device';
  if (SYSTEM_PROFILES.some((p) => isWithin(abs, p))) return 'shell-profile';
  if (CRON.some((p) => isWithin(abs, p))) return 'cron';
  if (TEMP.some((t) => abs.startsWith(t + '/'))) return 'temp';
  if (isWithin(abs, '/dev')) return 'device';
  if (SYSTEM_ONLY_ITSELF.includes(abs)) return 'system';
  if (SYSTEM_TOP.some((p) => isWithin(abs, p))) return 'system';
  return 'outside';
}

/** Package-manager caches that install recipes (Dockerfiles above all) routinely empty. */
const CACHES = ['/var/lib/apt/lists', '/var/cache/apt', '/var/cache/apk', '/var/cache/yum', '/var/cache/dnf', '/var/cache/zypp', '/root/.cache', HOME + '/.cache', HOME + '/.npm/_cacache', '/usr/local/share/.cache'];

export function isPackageCache(abs: string): boolean {
  return CACHES.some((c) => isWithin(abs, c));
}

/** A dotenv file with real values (not `.env.example`). */
export function isDotenv(abs: string): boolean {
  return /(^|\/)\.env(\.[\w-]+)?$/.test(abs) && !/\.(example|sample|template|dist|defaults)$/.test(abs);
}

export function isSecretPath(abs: string): boolean {
  const cls = classifyAbs(abs, '/\0no-workspace');
  if (cls === 'ssh' || cls === 'credentials') return true;
  if (SYSTEM_SECRETS.some((p) => isWithin(abs, p))) return true;
  if (/^\/proc\/[^/]+\/environ$/.test(abs)) return true;
  return false;
}

/**
 * Resolve a word used as a path. Undefined when it cannot be known (a dynamic word, or a
 * relative path while the working directory is unknown).
 */
export function pathOf(word: ResolvedWord, cwd: string | null, workspace: string): PathInfo | undefined {
  let text: string;
  if (word.known) text = word.text;
  else if (word.knownPrefix.includes('/') && word.knownPrefix.startsWith('/')) {
    // `/opt/$X/lib`: the known leading folders already say where it is
    text = word.knownPrefix.slice(0, word.knownPrefix.lastIndexOf('/') + 1) + '\0unknown';
  } else return undefined;
  if (text === '') return undefined;
  let contents = false;
  if (word.glob) {
    const parts = text.split('/');
    const idx = parts.findIndex((p) => /[*?[]/.test(p));
    if (idx >= 0) { text = parts.slice(0, idx).join('/') || (text.startsWith('/') ? '/' : '.'); contents = true; }
  }
  const abs = resolveAgainst(cwd, text);
  if (abs === null) return undefined;
  const clean = abs.endsWith('/\0unknown') ? normalizeAbs(abs.slice(0, -'/\0unknown'.length) || '/') : abs;
  const unknownTail = abs !== clean;
  const cls = classifyAbs(clean, workspace);
  // `/opt/$X` is somewhere below /opt; only the folder itself is unknown
  return { abs: clean, cls: unknownTail && cls === 'workspace-root' ? 'workspace' : cls, contents: contents || unknownTail };
}

export const CLASS_LABEL: Record<PathClass, string> = {
  'workspace-root': 'the whole workspace',
  workspace: 'inside the workspace',
  temp: 'a temporary directory',
  'harmless-device': 'a harmless device',
  'block-device': 'a disk device',
  device: 'a device file',
  root: 'the root directory',
  system: 'a system directory',
  'shell-profile': 'a shell start-up file',
  cron: 'the scheduled-jobs configuration',
  'home-root': 'the home directory',
  ssh: 'SSH keys and configuration',
  credentials: 'a credentials file',
  home: 'in the home directory, outside the workspace',
  outside: 'outside the workspace',
};
