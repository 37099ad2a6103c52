/**
 * Warnings, not blocks: things that can be right but need a person's eye — running as root,
 * installing into the system rather than the project, eval of variables, publishing, docker
 * with host privileges.
 */
import { hasFlag, PRIVILEGE_WRAPPERS } from '../unwrap.js';
import { warn, type CommandRule, type Finding } from './finding.js';

export const privilegeRule: CommandRule = ({ u, rec }) => {
  const out: Finding[] = [];
  const w0 = rec.argv[0]?.text ?? '';
  for (const wr of u.wrappers) {
    if (PRIVILEGE_WRAPPERS.has(wr)) out.push(warn(`${wr} runs ${u.name ? u.words.slice(0, 3).join(' ') : 'a shell'} with raised privileges`));
  }
  if (u.name === 'su' || (u.name === 'sudo' && !u.wrappers.length)) out.push(warn(`${u.name} switches to another user${u.words.includes('-c') ? ' to run a command' : ''}`));
  else if (!u.name && u.wrappers.some((x) => PRIVILEGE_WRAPPERS.has(x)) && !out.length) out.push(warn(`${w0} opens a root shell`));
  return out;
};

const NODE_PMS = new Set(['npm', 'pnpm', 'bun', 'yarn', 'cnpm']);

export const globalInstallRule: CommandRule = ({ u, rec }) => {
  const w = u.words;
  const n = u.name;
  const out: Finding[] = [];
  if (NODE_PMS.has(n)) {
    const installing = ['install', 'i', 'add', 'isntall', 'update', 'link', 'remove', 'uninstall', 'rm'].includes(w[1] ?? '');
    if ((installing && (hasFlag(w, 'g', '--global') || w.includes('--location=global'))) || (n === 'yarn' && w[1] === 'global' && w[2] === 'add')) {
      out.push(warn(`${w.slice(0, 2).join(' ')} -g installs into the system-wide Node.js folder, not the project`));
    }
  }
  if (/^pip[0-9.]*$/.test(n) || (/^python[0-9.]*$/.test(n) && w[1] === '-m' && w[2] === 'pip')) {
    const sub = n.startsWith('pip') ? w[1] : w[3];
    if (sub === 'install') {
      if (w.includes('--break-system-packages')) out.push(warn('pip install --break-system-packages overrides the protection of the system Python'));
      else if (w.includes('--user') && !rec.venv) out.push(warn('pip install --user installs into the home directory, not the project'));
      else if (u.wrappers.some((x) => x === 'sudo' || x === 'doas')) out.push(warn('sudo pip install installs into the system Python'));
      else if (w[0]!.startsWith('/usr/')) out.push(warn(`${w[0]} install installs into the system Python`));
    }
  }
  if (n === 'gem') {
    if (w[1] === 'update' && w.includes('--system')) out.push(warn('gem update --system replaces the system RubyGems'));
    else if (w[1] === 'install' && u.wrappers.some((x) => x === 'sudo' || x === 'doas')) out.push(warn('sudo gem install installs into the system Ruby'));
  }
  if (n === 'composer' && w[1] === 'global') out.push(warn('composer global installs outside the project'));
  if (n === 'dotnet' && w[1] === 'tool' && w[2] === 'install' && hasFlag(w, 'g', '--global')) out.push(warn('dotnet tool install -g installs outside the project'));
  return out;
};

export const evalRule: CommandRule = ({ u }) => {
  if (u.name !== 'eval') return [];
  const dynamic = u.core.slice(1).filter((x) => !x.known);
  const varsOnly = dynamic.filter((x) => x.vars.length && !x.substs.length);
  if (varsOnly.length) return [warn(`eval runs the value of ${varsOnly.map((x) => x.source).join(' ')} as code`)];
  return [];
};

const PUBLISHERS: Record<string, (w: string[]) => boolean> = {
  git: (w) => w[1] === 'push',
  npm: (w) => w[1] === 'publish' || w[1] === 'unpublish',
  yarn: (w) => w[1] === 'publish' || (w[1] === 'npm' && w[2] === 'publish'),
  pnpm: (w) => w[1] === 'publish',
  twine: (w) => w[1] === 'upload',
  cargo: (w) => w[1] === 'publish' || w[1] === 'yank',
  gem: (w) => w[1] === 'push' || w[1] === 'yank',
  poetry: (w) => w[1] === 'publish',
  flit: (w) => w[1] === 'publish',
  hatch: (w) => w[1] === 'publish',
  uv: (w) => w[1] === 'publish',
  docker: (w) => w[1] === 'push' || (w[1] === 'image' && w[2] === 'push'),
  mvn: (w) => w.includes('deploy'),
  gh: (w) => (w[1] === 'release' && w[2] === 'create') || (w[1] === 'repo' && w[2] === 'delete'),
  dotnet: (w) => w[1] === 'nuget' && w[2] === 'push',
};

export const publishRule: CommandRule = ({ u }) => {
  const check = PUBLISHERS[u.name];
  if (check && check(u.words)) return [warn(`${u.words.slice(0, 2).join(' ')} publishes to a remote, outside this machine`)];
  return [];
};

export const dockerRule: CommandRule = ({ u }) => {
  if (u.name !== 'docker' && u.name !== 'podman') return [];
  const w = u.words;
  if (!['run', 'create', 'exec'].includes(w[1] ?? '') && !(w[1] === 'container' && ['run', 'create'].includes(w[2] ?? ''))) return [];
  const out: Finding[] = [];
  if (w.includes('--privileged')) out.push(warn(`${u.name} ${w[1]} --privileged gives the container full access to the host`));
  w.forEach((t, i) => {
    const v = t === '-v' || t === '--volume' || t === '--mount' ? w[i + 1] : t.startsWith('--volume=') || t.startsWith('-v=') ? t.slice(t.indexOf('=') + 1) : undefined;
    if (v && (/^\/(:|$)/.test(v) || v.startsWith('/var/run/docker.sock') || /source=\/(,|$)/.test(v))) out.push(warn(`${u.name} ${w[1]} mounts ${v.split(':')[0]} from the host`));
    if (/^--(pid|ipc|userns|uts)=host$/.test(t) || (t === '--pid' && w[i + 1] === 'host')) out.push(warn(`${u.name} ${w[1]} ${t} shares the host's namespaces`));
    if (/^--cap-add(=|$)/.test(t) && /ALL|SYS_ADMIN|SYS_PTRACE|SYS_MODULE/.test(t.includes('=') ? t : w[i + 1] ?? '')) out.push(warn(`${u.name} ${w[1]} adds powerful capabilities to the container`));
  });
  return out;
};
