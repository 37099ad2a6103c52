/**
 * Command equivalence for deduplication. Two commands are the same step when they normalise to
 * the same text (`npm i` = `npm install`, `npm run test` = `npm test`, `python3 -m pytest` =
 * `pytest`), and they do the same job when they share an intent (`npm ci` and `npm install` both
 * install the project's dependencies; `go test ./...` and `go test -v ./...` both run its tests).
 */
import { gradleInvocation, mavenInvocation } from '../documentation/jvm-invocation.js';

/** Split on top-level `&&` (good enough for keys; the validator does the real parsing). */
function segments(command: string): string[] {
  return command.split(/\s*&&\s*/).map((s) => s.trim()).filter(Boolean);
}

function normaliseSegment(seg: string): string {
  let w = seg.split(' ');
  const rest = (n: number) => w.slice(n);
  // Interpreters and tool aliases.
  w = w.map((x, i) => (i === 0 && /^python3(\.\d+)?$/.test(x) ? 'python' : i === 0 && /^pip3(\.\d+)?$/.test(x) ? 'pip' : x));
  if (w[0] === 'python' && w[1] === '-m' && (w[2] === 'pip' || w[2] === 'pytest')) w = [w[2], ...rest(3)];
  if (w[0] === 'py.test') w = ['pytest', ...rest(1)];
  if (w[0] === 'npm') {
    if (w[1] === 'i' || w[1] === 'add' || w[1] === 'isntall') w = ['npm', 'install', ...rest(2)];
    if (w[1] === 'run-script') w = ['npm', 'run', ...rest(2)];
    if (w[1] === 't' || w[1] === 'tst') w = ['npm', 'test', ...rest(2)];
    if (w[1] === 'run' && (w[2] === 'test' || w[2] === 'start')) w = ['npm', w[2], ...rest(3)];
  }
  if (w[0] === 'yarn') {
    if (w.length === 1) w = ['yarn', 'install'];
    if (w[1] === 'run' && w[2]) w = ['yarn', ...rest(2)];
  }
  if (w[0] === 'pnpm') {
    if (w[1] === 'i') w = ['pnpm', 'install', ...rest(2)];
    if (w[1] === 'run' && (w[2] === 'test' || w[2] === 'start')) w = ['pnpm', ...rest(2)];
  }
  if (w[0] === 'bun' && w[1] === 'i') w = ['bun', 'install', ...rest(2)];
  return w.join(' ');
}

/** Whitespace-, alias- and trailing-separator-insensitive form of a command. */
export function normalizeCommand(command: string): string {
  const flat = command.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim().replace(/\s*;+$/, '');
  return segments(flat).map(normaliseSegment).join(' && ');
}

const NODE_BUILTINS = new Set(['add', 'remove', 'install', 'i', 'ci', 'dlx', 'exec', 'x', 'create', 'init', 'link', 'unlink', 'why', 'outdated', 'upgrade', 'up', 'update', 'publish', 'pack', 'config', 'set', 'global', 'cache', 'info', 'list', 'ls', 'audit', 'dedupe', 'import', 'workspace', 'workspaces', 'version', 'help', 'prune', 'rebuild', 'store', 'env', 'patch', 'fetch']);

/** What one normalised simple command does, or undefined when it is not a recognised job. */
function segmentIntent(seg: string): string | undefined {
  const w = seg.split(' ');
  const flagsOnly = (from: number) => w.slice(from).every((x) => x.startsWith('-'));
  const [a, b, c] = w;
  switch (a) {
    case 'npm':
      if ((b === 'ci' || b === 'install') && flagsOnly(2)) return 'node:install';
      if (b === 'test' || b === 'start') return `node:script:${b}`;
      if (b === 'run' && c) return `node:script:${c}`;
      return undefined;
    case 'yarn': case 'pnpm': case 'bun':
      if (b === 'install' && flagsOnly(2)) return 'node:install';
      if (b === 'run' && c) return `node:script:${c}`;
      if (a !== 'bun' && b && !b.startsWith('-') && !NODE_BUILTINS.has(b)) return `node:script:${b}`;
      return undefined;
    case 'pip':
      if (b === 'install') {
        const args = w.slice(2).filter((x) => !/^(-U|--upgrade|--user|-q|--quiet|--no-cache-dir|--pre)$/.test(x));
        if (args.length === 1 && /^["']?\.(\[[^\]]*\])?["']?$/.test(args[0])) return 'python:install-self';
        if (args.length === 2 && /^(-e|--editable)$/.test(args[0]) && /^["']?\.(\[[^\]]*\])?["']?$/.test(args[1])) return 'python:install-self';
        if (args.length === 2 && /^(-r|--requirement)$/.test(args[0])) return `python:requirements:${args[1]}`;
      }
      return undefined;
    case 'python':
      if (b === 'setup.py' && (c === 'install' || c === 'develop')) return 'python:install-self';
      if (b === '-m' && c === 'unittest') return 'python:test';
      return undefined;
    case 'poetry': if (b === 'install') return 'python:install-self'; break;
    case 'uv': if (b === 'sync') return 'python:install-self'; if (b === 'pip' && c === 'install') return segmentIntent(w.slice(1).join(' ')); break;
    case 'pdm': if (b === 'install' || b === 'sync') return 'python:install-self'; break;
    case 'pipenv': if (b === 'install' || b === 'sync') return 'python:install-self'; break;
    case 'pytest': return 'python:test';
    case 'hatch': if (b === 'test') return 'python:test'; if (b === 'env' && c === 'create') return 'python:install-self'; break;
    case 'go': if (b === 'mod' && c === 'download') return 'go:download'; if (b === 'build' || b === 'test' || b === 'vet') return `go:${b}`; break;
    case 'cargo': if (b === 'build' || b === 'test' || b === 'fetch' || b === 'check') return `cargo:${b}`; break;
    case 'mvn': case './mvnw': {
      // A run that skips the tests is a different job from one that runs them
      // (`mvn install -DskipTests` builds; `mvn verify` tests).
      const { goals, skipsTests } = mavenInvocation(w.slice(1));
      const last = ['install', 'verify', 'test', 'package', 'compile'].find((g) => goals.includes(g));
      return last ? `maven:${last === 'install' || last === 'verify' ? 'verify' : last}${skipsTests ? ':no-tests' : ''}` : undefined;
    }
    case 'gradle': case './gradlew': {
      const { tasks, excluded } = gradleInvocation(w.slice(1));
      return tasks.length === 1 ? `gradle:${tasks[0].replace(/^:/, '')}${excluded.length ? `:-${[...excluded].sort().join(',')}` : ''}` : undefined;
    }
    case 'bundle': if (b === 'install') return 'ruby:install'; if (b === 'exec') return segmentIntent(w.slice(2).join(' ')); break;
    case 'rspec': return 'ruby:rspec';
    case 'rake': return !b || b === 'test' || b === 'spec' ? 'ruby:rake-test' : undefined;
    case 'composer': if (b === 'install') return 'php:install'; if (b === 'test') return 'php:test'; break;
    case 'vendor/bin/phpunit': case 'phpunit': case './vendor/bin/phpunit': return 'php:test';
    case 'dotnet': if (b === 'restore' || b === 'build' || b === 'test') return `dotnet:${b}`; break;
    case 'cmake':
      if (b === '--build') return 'cmake:build';
      if (w.includes('-B') || w.some((x) => x.startsWith('-B')) || w.includes('..') || w.includes('-S')) return 'cmake:configure';
      break;
    case 'ctest': return 'cmake:test';
    case 'meson': if (b === 'setup' || (b && !['compile', 'test', 'install'].includes(b))) return 'meson:setup'; return `meson:${b}`;
    case 'make': {
      const targets = w.slice(1).filter((x) => !x.startsWith('-') && !x.includes('='));
      return `make:${targets.join(',') || 'all'}`;
    }
    case './configure': return 'autotools:configure';
  }
  return undefined;
}

/** Intent of a whole command: only single-job commands have one. */
export function commandIntent(command: string): string | undefined {
  const segs = segments(normalizeCommand(command));
  if (segs.length !== 1) return undefined;
  return segmentIntent(segs[0]);
}

const FAMILY_OF: [RegExp, string][] = [
  [/^(npm|npx|yarn|pnpm|pnpx|bun|bunx|node|corepack)$/, 'node'],
  [/^(pip|python|pytest|uv|uvx|poetry|pdm|pipenv|tox|nox|hatch|flit|py\.test|pre-commit)$/, 'python'],
  [/^go$/, 'go'],
  [/^(cargo|rustup|rustc)$/, 'rust'],
  [/^(mvn|\.\/mvnw)$/, 'java-maven'],
  [/^(gradle|\.\/gradlew)$/, 'java-gradle'],
  [/^(bundle|rake|rspec|gem|ruby|rails)$/, 'ruby'],
  [/^(composer|php|vendor\/bin\/\S+|\.\/vendor\/bin\/\S+|phpunit)$/, 'php'],
  [/^dotnet$/, 'dotnet'],
  [/^(cmake|ctest|meson|ninja|make|\.\/configure|autoreconf|\.\/autogen\.sh|\.\/bootstrap)$/, 'native'],
];

/** Toolchain families a command uses (by the first word of each `&&` part). */
export function commandFamilies(command: string): Set<string> {
  const out = new Set<string>();
  for (const seg of segments(normalizeCommand(command))) {
    let words = seg.split(' ');
    while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) words = words.slice(1);
    if (words[0] === 'sudo') words = words.slice(1);
    const first = words[0] ?? '';
    for (const [re, fam] of FAMILY_OF) if (re.test(first)) { out.add(fam); break; }
  }
  return out;
}

/** `make x`, `just x`, `task x`, or a repository script: runs whatever toolchain it wraps. */
export function isTaskRunner(command: string): boolean {
  const first = command.trim().split(/\s+/).find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '';
  return /^(make|gmake|just|task|mage|\.\/[\w./-]+\.(sh|bash)|(bash|sh) [\w./-]+|scripts?\/\S+)$/.test(first) || /^(bash|sh) \S+\.sh/.test(command.trim());
}

/** Family of an ecosystem name, in the same vocabulary as commandFamilies. */
export function ecosystemFamily(name: string): string {
  return name === 'cmake' || name === 'meson' || name === 'autotools' || name === 'make' ? 'native' : name;
}
