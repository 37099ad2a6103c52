/**
 * Writes outside the workspace: redirections and the targets of cp/mv/install/ln/tee/touch/
 * mkdir/sed -i/truncate. System directories, `~/.ssh`, shell start-up files, disks and cron are
 * blocked; other places outside the workspace are warned about.
 */
import { CLASS_LABEL, pathOf, type PathClass } from '../paths.js';
import { displayPath } from '../state.js';
import { operandIndexes, optionValue } from '../unwrap.js';
import type { ResolvedWord } from '../words.js';
import { block, warn, type CommandRule, type Finding, type RuleInput } from './finding.js';

const BLOCKED: PathClass[] = ['root', 'system', 'shell-profile', 'cron', 'block-device', 'device', 'ssh', 'home-root'];
const WARNED: PathClass[] = ['home', 'credentials', 'outside'];

export function judgeWrite(how: string, word: ResolvedWord, input: RuleInput): Finding | undefined {
  const info = pathOf(word, input.rec.cwd, input.workspace);
  if (!info) {
    if (word.leadingUnknownVar && word.text.startsWith('/')) {
      return warn(`${how} ${word.source}, which becomes ${word.text} when $${word.leadingUnknownVar} is unset or empty`);
    }
    return undefined;
  }
  const shown = `${displayPath(info.abs, input.workspace)} (${CLASS_LABEL[info.cls]})`;
  if (info.cls === 'ssh' && /\/\.ssh\/known_hosts$/.test(info.abs)) return warn(`${how} ${shown}`);
  if (BLOCKED.includes(info.cls)) return block(`${how} ${shown}`);
  if (WARNED.includes(info.cls)) return warn(`${how} ${shown}`);
  return undefined;
}

export const redirectRule: CommandRule = (input) => {
  const out: Finding[] = [];
  for (const r of input.rec.redirs) {
    if (!r.target) continue;
    if (r.kind === 'write' || r.kind === 'append' || r.kind === 'readwrite') {
      const f = judgeWrite(r.kind === 'append' ? 'appends to' : 'writes to', r.target, input);
      if (f) out.push(f);
    }
  }
  return out;
};

/** For each writing command: which of its words are written to. */
function writtenWords(input: RuleInput): { how: string; word: ResolvedWord }[] {
  const { u } = input;
  const w = u.words;
  const at = (i: number | undefined) => (i === undefined ? undefined : u.core[i]);
  const res: { how: string; word: ResolvedWord }[] = [];
  const add = (how: string, word: ResolvedWord | undefined) => { if (word) res.push({ how, word }); };
  switch (u.name) {
    case 'cp': case 'mv': case 'install': case 'ln': case 'rsync': case 'scp': {
      const tIdx = w.findIndex((t) => t === '-t' || t === '--target-directory');
      const tEq = w.findIndex((t) => t.startsWith('--target-directory='));
      if (tIdx > 0) { add(`${u.name} writes into`, at(tIdx + 1)); break; }
      if (tEq > 0) { const x = u.core[tEq]!; add(`${u.name} writes into`, { ...x, text: x.text.slice(x.text.indexOf('=') + 1) }); break; }
      const idx = operandIndexes(w, ['-m', '-o', '-g', '--mode', '--owner', '--group', '-S', '--suffix', '-e', '-P']);
      if (u.name === 'install' && (w.includes('-d') || w.includes('--directory'))) { idx.forEach((i) => add('install creates', at(i))); break; }
      if (u.name === 'scp' || u.name === 'rsync') { const last = at(idx[idx.length - 1]); if (last && !/^[^/]*:/.test(last.text) && idx.length >= 2) add(`${u.name} writes to`, last); break; }
      if (idx.length >= 2) add(`${u.name} writes to`, at(idx[idx.length - 1]));
      else if (u.name === 'ln' && idx.length === 1) break;
      break;
    }
    case 'tee':
      operandIndexes(w).forEach((i) => add('tee writes to', at(i)));
      break;
    case 'touch': case 'mkdir': case 'truncate':
      operandIndexes(w, ['-m', '--mode', '-s', '--size', '-r', '--reference', '-d', '--date', '-t']).forEach((i) => add(`${u.name} writes to`, at(i)));
      break;
    case 'sed': case 'perl':
      if (w.some((t) => /^-[a-zA-Z]*i/.test(t) || t.startsWith('--in-place'))) {
        const idx = operandIndexes(w, ['-e', '-f', '--expression', '--file']);
        const hasScriptOpt = w.some((t) => t === '-e' || t === '-f' || t === '--expression');
        (hasScriptOpt ? idx : idx.slice(1)).forEach((i) => add(`${u.name} -i edits`, at(i)));
      }
      break;
    case 'curl': {
      const i = w.findIndex((t) => t === '-o' || t === '--output');
      if (i > 0) add('curl saves to', at(i + 1));
      break;
    }
    case 'wget': {
      const i = w.findIndex((t) => t === '-O' || t === '--output-document' || t === '-P' || t === '--directory-prefix');
      if (i > 0 && w[i + 1] !== '-') add('wget saves to', at(i + 1));
      break;
    }
    case 'tar': {
      const c = w.findIndex((t) => t === '-C' || t === '--directory');
      if (c > 0 && w.some((t) => /^-?[a-zA-Z]*x/.test(t) || t === '--extract')) add('tar extracts into', at(c + 1));
      break;
    }
    case 'unzip': {
      const d = w.indexOf('-d');
      if (d > 0) add('unzip extracts into', at(d + 1));
      break;
    }
    case 'git':
      if (w[1] === 'clone') {
        const idx = operandIndexes(w.slice(1), ['-b', '--branch', '--depth', '-o', '--origin', '-c', '--config', '--reference', '-j', '--jobs', '--filter']);
        if (idx.length >= 2) add('git clone writes to', at(idx[1]! + 1));
      }
      break;
    case 'ssh-keygen': {
      const i = w.indexOf('-f');
      if (i > 0 && !w.some((t) => /^-[a-zA-Z]*[lyBD]/.test(t))) add('ssh-keygen writes', at(i + 1));
      break;
    }
    case 'gpg': {
      const v = optionValue(w, ['-o', '--output']);
      const i = w.findIndex((t) => t === '-o' || t === '--output');
      if (v && i > 0) add('gpg writes to', at(i + 1));
      break;
    }
  }
  return res;
}

export const writeTargetRule: CommandRule = (input) => {
  const out: Finding[] = [];
  for (const { how, word } of writtenWords(input)) {
    const f = judgeWrite(how, word, input);
    if (f) out.push(f);
  }
  return out;
};

export const crontabRule: CommandRule = ({ u }) => {
  if (u.name !== 'crontab') return [];
  const args = u.words.slice(1);
  if (args.length === 1 && args[0] === '-l') return [];
  if (args.includes('-l') && !args.some((a) => a === '-r' || a === '-e' || a === '-' || !a.startsWith('-'))) return [];
  return [block(`crontab ${args.join(' ')} changes scheduled jobs`.replace(/\s+changes/, ' changes'))];
};
