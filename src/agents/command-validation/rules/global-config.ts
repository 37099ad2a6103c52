/**
 * Commands that change the user's or the machine's configuration for every project, not just
 * this one: `git config --global`, `npm config set`, `pip config set`, `gem sources --add`, …
 * An install plan has no business changing how every later build on the machine behaves, so
 * these are warnings naming the file they write. The project-local forms stay allowed.
 */
import { hasFlag, optionValue } from '../unwrap.js';
import { warn, type CommandRule, type Finding } from './finding.js';

/** git options placed before the subcommand that take a separate value (`git -C dir config`). */
const GIT_VALUE_OPTS = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']);
/** `git config` actions that only read. */
const GIT_READ_OPTS = ['--get', '--get-all', '--get-regexp', '--get-urlmatch', '--get-color', '--get-colorbool', '--list', '-l'];
const GIT_NEW_READ_VERBS = new Set(['get', 'list']);

const outside = (what: string, file: string): Finding => warn(`${what} writes ${file}, outside the workspace`);

/** Index of the git subcommand, skipping git's own options. */
function gitSubcommand(w: string[]): number {
  for (let i = 1; i < w.length; i++) {
    const t = w[i]!;
    if (GIT_VALUE_OPTS.has(t)) { i++; continue; }
    if (t.startsWith('-')) continue;
    return i;
  }
  return -1;
}

function gitConfig(w: string[]): Finding[] {
  const at = gitSubcommand(w);
  if (at < 0 || w[at] !== 'config') return [];
  const args = w.slice(at + 1);
  const scope = args.includes('--system') ? 'system' : args.includes('--global') ? 'global' : null;
  if (!scope) return []; // repository-local (.git/config) is the project's own business
  if (args.some((t) => GIT_READ_OPTS.includes(t) || t.startsWith('--get='))) return [];
  const operands = args.filter((t) => !t.startsWith('-'));
  if (GIT_NEW_READ_VERBS.has(operands[0] ?? '')) return [];
  // the old syntax with only a key (`git config --global user.name`) reads it
  const writesByOption = args.some((t) => /^--(unset|unset-all|add|replace-all|edit|rename-section|remove-section)$/.test(t) || t === '-e');
  const newWriteVerb = ['set', 'unset', 'edit', 'rename-section', 'remove-section'].includes(operands[0] ?? '');
  if (!writesByOption && !newWriteVerb && operands.length < 2) return [];
  return [scope === 'system'
    ? outside('git config --system', '/etc/gitconfig (for every user of the machine)')
    : outside('git config --global', '~/.gitconfig')];
}

/** `--location=project` / `--location project`: npm and pnpm then write the project's .npmrc. */
function npmLocation(w: string[]): string | undefined {
  return optionValue(w, ['--location']);
}

function npmConfig(name: 'npm' | 'pnpm', w: string[]): Finding[] {
  const isSet = (name === 'npm' && (w[1] === 'set' || w[1] === 'delete')) ||
    (['config', 'c'].includes(w[1] ?? '') && ['set', 'delete', 'rm', 'edit'].includes(w[2] ?? ''));
  if (!isSet) return [];
  const location = npmLocation(w);
  if (location === 'project') return [];
  const verb = w[1] === 'set' || w[1] === 'delete' ? w[1] : `config ${w[2]}`;
  const global = location === 'global' || hasFlag(w, 'g', '--global');
  if (name === 'pnpm') return [outside(`pnpm ${verb}`, global ? 'the global pnpm configuration (~/.config/pnpm/rc)' : 'the pnpm user configuration (~/.config/pnpm/rc)')];
  return [outside(`npm ${verb}`, global ? 'the global npmrc (<npm prefix>/etc/npmrc)' : '~/.npmrc')];
}

function yarnConfig(w: string[]): Finding[] {
  if (w[1] !== 'config' || !['set', 'delete', 'unset'].includes(w[2] ?? '')) return [];
  if (hasFlag(w, 'H', '--home')) return [outside(`yarn config ${w[2]} --home`, '~/.yarnrc.yml')];
  // Yarn 1 writes the user's ~/.yarnrc; which Yarn runs is not known from the text
  return [outside(`yarn config ${w[2]}`, '~/.yarnrc (Yarn 1)')];
}

function pipConfig(w: string[], sub: number, inVenv: boolean): Finding[] {
  if (w[sub] !== 'config') return [];
  // the scope options may come before the action: `pip config --global set …`
  const action = w.slice(sub + 1).find((t) => !t.startsWith('-'));
  if (!['set', 'unset', 'edit'].includes(action ?? '')) return [];
  const what = `pip config ${action}`;
  if (w.includes('--global')) return [outside(`${what} --global`, '/etc/pip.conf (for every user of the machine)')];
  if (w.includes('--site')) return inVenv ? [] : [outside(`${what} --site`, 'pip.conf of the system Python')];
  return [outside(what, '~/.config/pip/pip.conf')];
}

function gemSources(w: string[]): Finding[] {
  if (w[1] !== 'sources') return [];
  const changes = w.slice(2).some((t) => ['--add', '-a', '--remove', '-r'].includes(t) || t.startsWith('--add=') || t.startsWith('--remove='));
  return changes ? [outside('gem sources', '~/.gemrc')] : [];
}

export const globalConfigRule: CommandRule = ({ u, rec }) => {
  const w = u.words;
  switch (u.name) {
    case 'git': return gitConfig(w);
    case 'npm': return npmConfig('npm', w);
    case 'pnpm': return npmConfig('pnpm', w);
    case 'yarn': return yarnConfig(w);
    case 'gem': return gemSources(w);
  }
  if (/^pip[0-9.]*$/.test(u.name)) return pipConfig(w, 1, rec.venv);
  if (/^python[0-9.]*$/.test(u.name) && w[1] === '-m' && w[2] === 'pip') return pipConfig(w, 3, rec.venv);
  return [];
};
