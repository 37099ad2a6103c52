/** Does a command need the network? Installs, downloads, clones — unless told to stay offline. */
import type { Unwrapped } from './unwrap.js';
import { isFetcher } from './roles.js';

const OFFLINE = new Set(['--offline', '-o', '--no-index', '--frozen-offline', '--no-restore', '--prefer-offline']);

const RULES: Record<string, (w: string[]) => boolean> = {
  npm: (w) => ['install', 'i', 'ci', 'add', 'update', 'up', 'upgrade', 'exec', 'x', 'audit', 'outdated', 'publish', 'view', 'info', 'init', 'create', 'dedupe', 'isntall'].includes(w[1] ?? ''),
  npx: () => true, pnpx: () => true, bunx: () => true,
  yarn: (w) => w.length === 1 || ['install', 'add', 'upgrade', 'up', 'dlx', 'global', 'create', 'set', 'npm', 'outdated', 'audit', 'publish'].includes(w[1] ?? '') || w[1]?.startsWith('-') === true,
  pnpm: (w) => ['install', 'i', 'add', 'update', 'up', 'dlx', 'create', 'fetch', 'audit', 'outdated', 'publish'].includes(w[1] ?? ''),
  bun: (w) => ['install', 'i', 'add', 'update', 'x', 'create', 'upgrade', 'pm'].includes(w[1] ?? ''),
  corepack: (w) => ['enable', 'prepare', 'install', 'up', 'use'].includes(w[1] ?? ''),
  pip: (w) => ['install', 'download', 'wheel', 'index', 'search'].includes(w[1] ?? ''),
  pipx: (w) => ['install', 'run', 'upgrade', 'inject', 'upgrade-all'].includes(w[1] ?? ''),
  uv: (w) => ['sync', 'lock', 'add', 'pip', 'tool', 'run', 'venv', 'python', 'export', 'remove', 'tree', 'build', 'publish'].includes(w[1] ?? '') || w[1] === 'x',
  uvx: () => true,
  poetry: (w) => ['install', 'add', 'update', 'lock', 'remove', 'sync', 'self', 'publish', 'build'].includes(w[1] ?? ''),
  pdm: (w) => ['install', 'sync', 'add', 'update', 'lock', 'remove', 'publish', 'venv'].includes(w[1] ?? ''),
  pipenv: (w) => ['install', 'sync', 'update', 'lock', 'upgrade'].includes(w[1] ?? ''),
  hatch: (w) => ['env', 'run', 'test', 'build', 'publish', 'shell'].includes(w[1] ?? ''),
  conda: (w) => ['install', 'create', 'update', 'env', 'search'].includes(w[1] ?? ''),
  mamba: (w) => ['install', 'create', 'update', 'env'].includes(w[1] ?? ''),
  micromamba: (w) => ['install', 'create', 'update', 'env'].includes(w[1] ?? ''),
  tox: () => true, nox: () => true, 'pre-commit': (w) => ['install', 'run', 'autoupdate', 'install-hooks'].includes(w[1] ?? ''),
  go: (w) => ['get', 'install', 'build', 'test', 'run', 'vet', 'generate', 'list'].includes(w[1] ?? '') || (w[1] === 'mod' && ['download', 'tidy', 'vendor', 'why', 'graph', 'verify'].includes(w[2] ?? '')),
  cargo: (w) => ['build', 'b', 'test', 't', 'run', 'r', 'fetch', 'install', 'update', 'check', 'c', 'clippy', 'doc', 'bench', 'add', 'publish', 'generate-lockfile', 'vendor', 'nextest', 'tarpaulin', 'llvm-cov'].includes(w[1] ?? ''),
  rustup: () => true,
  mvn: () => true, mvnw: () => true, gradle: () => true, gradlew: () => true, sbt: () => true, lein: () => true, ant: () => false,
  bundle: (w) => w.length === 1 || ['install', 'update', 'add', 'exec', 'lock', 'outdated'].includes(w[1] ?? ''),
  bundler: () => true,
  gem: (w) => ['install', 'update', 'fetch', 'push', 'search'].includes(w[1] ?? ''),
  composer: (w) => ['install', 'update', 'require', 'create-project', 'global', 'self-update', 'outdated', 'remove'].includes(w[1] ?? ''),
  dotnet: (w) => ['restore', 'build', 'test', 'run', 'publish', 'pack', 'tool', 'add', 'workload', 'new'].includes(w[1] ?? ''),
  nuget: () => true,
  'apt-get': (w) => ['install', 'update', 'upgrade', 'dist-upgrade', 'download', 'source', 'build-dep'].includes(w[1] ?? '') || w.includes('install') || w.includes('update'),
  apt: (w) => ['install', 'update', 'upgrade', 'full-upgrade'].includes(w[1] ?? ''),
  apk: (w) => ['add', 'update', 'upgrade', 'fetch'].includes(w[1] ?? ''),
  dnf: (w) => ['install', 'update', 'upgrade', 'makecache', 'groupinstall', 'builddep'].includes(w[1] ?? ''),
  yum: (w) => ['install', 'update', 'upgrade', 'makecache', 'groupinstall'].includes(w[1] ?? ''),
  zypper: (w) => ['install', 'in', 'refresh', 'update'].includes(w[1] ?? ''),
  pacman: (w) => w.some((t) => /^-S/.test(t)),
  brew: (w) => ['install', 'update', 'upgrade', 'tap', 'bundle', 'reinstall', 'fetch'].includes(w[1] ?? ''),
  port: (w) => ['install', 'selfupdate'].includes(w[1] ?? ''),
  choco: () => true, winget: () => true, scoop: () => true,
  git: (w) => {
    const s = w[1] ?? '';
    if (['clone', 'fetch', 'pull', 'push', 'ls-remote'].includes(s)) return true;
    if (s === 'remote') return w[2] === 'update';
    if (s === 'submodule') return ['update', 'sync', 'add'].includes(w[2] ?? '');
    if (s === 'lfs') return ['pull', 'fetch'].includes(w[2] ?? '');
    return false;
  },
  docker: (w) => ['build', 'pull', 'push', 'run', 'login', 'buildx', 'compose', 'create'].includes(w[1] ?? ''),
  'docker-compose': (w) => ['up', 'build', 'pull', 'run', 'push'].includes(w[1] ?? ''),
  podman: (w) => ['build', 'pull', 'push', 'run'].includes(w[1] ?? ''),
  helm: (w) => ['install', 'upgrade', 'repo', 'dependency', 'pull'].includes(w[1] ?? ''),
  nvm: (w) => ['install', 'ls-remote'].includes(w[1] ?? ''),
  fnm: (w) => ['install'].includes(w[1] ?? ''),
  volta: (w) => ['install', 'fetch', 'pin'].includes(w[1] ?? ''),
  pyenv: (w) => ['install', 'update'].includes(w[1] ?? ''),
  rbenv: (w) => ['install'].includes(w[1] ?? ''),
  asdf: (w) => ['install', 'plugin'].includes(w[1] ?? ''),
  mise: (w) => ['install', 'use'].includes(w[1] ?? ''),
  sdk: (w) => ['install', 'update', 'upgrade'].includes(w[1] ?? ''),
  meson: (w) => w[1] === 'subprojects' || w[1] === 'wrap',
  deno: (w) => ['install', 'cache', 'run', 'test', 'task', 'add', 'compile'].includes(w[1] ?? ''),
  swift: (w) => ['build', 'test', 'run', 'package'].includes(w[1] ?? ''),
  stack: () => true, cabal: (w) => ['update', 'install', 'build', 'test', 'run'].includes(w[1] ?? ''),
  mix: (w) => ['deps.get', 'deps.update', 'local.hex', 'local.rebar', 'hex.publish'].includes(w[1] ?? ''),
  rebar3: () => true,
  opam: (w) => ['install', 'update', 'init', 'pin'].includes(w[1] ?? ''),
  vcpkg: (w) => ['install', 'update'].includes(w[1] ?? ''),
  conan: (w) => ['install', 'create', 'download', 'upload'].includes(w[1] ?? ''),
  ssh: () => true, scp: () => true, rsync: (w) => w.some((t) => /^[^/]*:/.test(t)), ping: () => true, dig: () => true, nslookup: () => true,
  'ssh-keyscan': () => true,
  terraform: (w) => ['init', 'plan', 'apply', 'destroy'].includes(w[1] ?? ''),
  playwright: (w) => w[1] === 'install',
  huggingface: () => true,
};

export function needsNetwork(u: Unwrapped): boolean {
  if (!u.name) return false;
  if (isFetcher(u)) return true;
  if (u.words.some((t) => OFFLINE.has(t)) && !['npm', 'yarn', 'pnpm'].includes(u.name)) return false;
  let n = u.name;
  if (/^pip[0-9.]*$/.test(n)) n = 'pip';
  if (/^python[0-9.]*$/.test(n)) {
    const m = u.words.indexOf('-m');
    if (m > 0) {
      const mod = u.words[m + 1];
      const sub = { ...u, words: [mod ?? '', ...u.words.slice(m + 2)], name: mod ?? '' };
      if (mod === 'pip' || mod === 'pipx' || mod === 'tox' || mod === 'nox' || mod === 'poetry') return needsNetwork(sub);
    }
    return false;
  }
  const rule = RULES[n];
  return rule ? rule(u.words) : false;
}
