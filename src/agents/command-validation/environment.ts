/**
 * Can the command run here? The tools it calls against the tools detected on this machine,
 * their versions against the plan's constraints (semver), and the OS family a package manager
 * belongs to.
 */
import semver from 'semver';
import type { ValidationContext } from './types.js';
import { warn, type Finding } from './rules/finding.js';

/** Shell builtins and keywords: never "missing". */
export const BUILTINS = new Set([
  'cd', 'pushd', 'popd', 'dirs', 'export', 'unset', 'set', 'shopt', 'source', '.', 'eval', 'exec', 'exit', 'return', 'true', 'false',
  ':', 'echo', 'printf', 'read', 'test', '[', '[[', 'local', 'declare', 'typeset', 'readonly', 'alias', 'unalias', 'type', 'command',
  'builtin', 'hash', 'wait', 'trap', 'ulimit', 'umask', 'shift', 'getopts', 'let', 'history', 'jobs', 'fg', 'bg', 'kill', 'break',
  'continue', 'enable', 'help', 'logout', 'times', 'caller', 'compgen', 'complete', 'mapfile', 'readarray', 'suspend', 'disown', 'pwd',
]);

/** Which tools a constraint key governs: a `node` constraint matters to npm too. */
const CONSTRAINT_TOOLS: Record<string, string[]> = {
  node: ['node', 'nodejs', 'npm', 'npx', 'yarn', 'pnpm', 'corepack'],
  npm: ['npm', 'npx'],
  python: ['python', 'python3', 'pip', 'pip3', 'pytest', 'tox', 'nox', 'poetry', 'pdm', 'pipenv', 'hatch', 'uv'],
  go: ['go', 'gofmt'],
  rust: ['cargo', 'rustc', 'rustup'],
  java: ['java', 'javac', 'mvn', 'mvnw', 'gradle', 'gradlew'],
  ruby: ['ruby', 'gem', 'bundle', 'bundler', 'rake', 'rspec', 'rails'],
  php: ['php', 'composer', 'phpunit'],
  dotnet: ['dotnet'],
  bun: ['bun', 'bunx'],
  deno: ['deno'],
};

const DEBIAN_FAMILY = new Set(['apt-get', 'apt', 'dpkg', 'add-apt-repository', 'apt-cache']);
const LINUX_PMS = new Set([...DEBIAN_FAMILY, 'yum', 'dnf', 'apk', 'pacman', 'zypper', 'rpm', 'snap', 'emerge']);
const MAC_ONLY = new Set(['brew', 'port', 'xcode-select', 'xcrun', 'launchctl', 'defaults', 'softwareupdate']);
const WINDOWS_ONLY = new Set(['choco', 'winget', 'scoop', 'powershell', 'pwsh', 'msiexec', 'cmd', 'cmd.exe', 'reg', 'setx', 'iex', 'iwr', 'invoke-webrequest', 'invoke-expression', 'set-executionpolicy']);

/** Turn constraint spellings people use (`>=3.8,<4`, `~=3.10`, `3.11`) into semver ranges. */
export function toRange(constraint: string): string | null {
  let c = constraint.trim();
  c = c.replace(/~=\s*(\d+)\.(\d+)(?:\.(\d+))?/g, (_m, a: string, b: string, p?: string) => (p !== undefined ? `>=${a}.${b}.${p} <${a}.${Number(b) + 1}.0` : `>=${a}.${b}.0 <${Number(a) + 1}.0.0`));
  c = c.replace(/==\s*/g, '').replace(/,\s*/g, ' ').replace(/^v/, '');
  return semver.validRange(c, { loose: true });
}

export function versionOf(v: string): string | null {
  const c = semver.coerce(v, { loose: true });
  return c ? c.version : null;
}

export function environmentFindings(commands: string[], ctx: ValidationContext, provided: Set<string>, functions: Set<string>): { findings: Finding[]; missing: string[] } {
  const findings: Finding[] = [];
  const missing: string[] = [];
  const tv = ctx.toolVersions ?? {};
  const seen = new Set<string>();
  for (const raw of commands) {
    const name = raw.includes('/') ? raw.slice(raw.lastIndexOf('/') + 1) : raw;
    if (seen.has(name) || BUILTINS.has(name) || functions.has(raw) || raw.includes('/') || provided.has(name)) continue;
    seen.add(name);
    if (Object.prototype.hasOwnProperty.call(tv, name) && tv[name] === null) {
      missing.push(name);
      findings.push(warn(DEBIAN_FAMILY.has(name)
        ? `needs ${name}, which is not installed here (this is not a Debian or Ubuntu system)`
        : `needs ${name}, which is not installed here`));
    }
    const os = ctx.os;
    if (os && os !== 'linux' && LINUX_PMS.has(name)) findings.push(warn(`${name} is a Linux package manager; this machine runs ${os} (other platform)`));
    if (os && os !== 'macos' && MAC_ONLY.has(name)) findings.push(warn(`${name} is for macOS; this machine runs ${os} (other platform)`));
    if (os && os !== 'windows' && WINDOWS_ONLY.has(name.toLowerCase())) findings.push(warn(`${name} is for Windows; this machine runs ${os} (other platform)`));
  }
  for (const [key, constraint] of Object.entries(ctx.constraints ?? {})) {
    const tools = CONSTRAINT_TOOLS[key] ?? [key];
    if (!commands.some((c) => tools.includes(c.slice(c.lastIndexOf('/') + 1)))) continue;
    const installed = tv[key] ?? tools.map((t) => tv[t]).find((v) => typeof v === 'string');
    if (typeof installed !== 'string') continue;
    const range = toRange(constraint);
    const version = versionOf(installed);
    if (!range || !version) continue;
    if (!semver.satisfies(version, range, { loose: true })) {
      findings.push(warn(`${key} ${installed} is installed here but the project needs ${constraint}`));
    }
  }
  return { findings, missing };
}
