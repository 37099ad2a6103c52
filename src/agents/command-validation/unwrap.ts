/**
 * Commands that run another command (`sudo`, `env`, `nice`, `timeout`, `xargs`, …): step over
 * them, with their options, to the command that really runs, keeping the wrappers for rules
 * that care (privilege escalation).
 */
import type { ResolvedWord } from './words.js';
import { baseName } from './walker.js';

export interface Unwrapped {
  /** Wrapper command names, outermost first (`sudo`, `env`). */
  wrappers: string[];
  /** The wrappers as written (`/usr/bin/sudo`), for the list of commands used. */
  wrapperWords: string[];
  /** The command that runs, with its arguments (may be empty: `sudo -s`). */
  core: ResolvedWord[];
  /** Core argv as plain text. */
  words: string[];
  /** Core command name without its directory (`/usr/bin/pip3` → `pip3`). */
  name: string;
}

/** Per wrapper: options that take a value, and whether a bare value (duration, user) comes first. */
const WRAPPERS: Record<string, { valueOpts: string[]; positional?: number; assignments?: boolean }> = {
  sudo: { valueOpts: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-T', '-U', '--user', '--group', '--chdir', '--prompt', '--host', '--role', '--type', '--close-from', '--command-timeout', '--other-user'] },
  doas: { valueOpts: ['-u', '-C'] },
  pkexec: { valueOpts: ['--user'] },
  runuser: { valueOpts: ['-u', '-g', '-G', '--user', '--group'] },
  env: { valueOpts: ['-u', '-C', '-S', '--unset', '--chdir', '--split-string'], assignments: true },
  nice: { valueOpts: ['-n', '--adjustment'] },
  ionice: { valueOpts: ['-c', '-n', '-p', '-P', '-u', '--class', '--classdata'] },
  nohup: { valueOpts: [] },
  time: { valueOpts: ['-f', '-o', '--format', '--output'] },
  timeout: { valueOpts: ['-s', '-k', '--signal', '--kill-after'], positional: 1 },
  stdbuf: { valueOpts: ['-i', '-o', '-e', '--input', '--output', '--error'] },
  setsid: { valueOpts: [] },
  command: { valueOpts: [] },
  builtin: { valueOpts: [] },
  exec: { valueOpts: ['-a'] },
  xargs: { valueOpts: ['-I', '-i', '-n', '-P', '-d', '-E', '-e', '-L', '-l', '-s', '-a', '--max-args', '--max-procs', '--delimiter', '--arg-file', '--replace', '--max-lines', '--max-chars'] },
  chronic: { valueOpts: [] },
  unbuffer: { valueOpts: [] },
  caffeinate: { valueOpts: [] },
  flock: { valueOpts: ['-w', '-E', '--timeout', '--conflict-exit-code'], positional: 1 },
  strace: { valueOpts: ['-e', '-o', '-p', '-s', '-u'] },
  watch: { valueOpts: ['-n', '-d', '--interval'] },
};

export const PRIVILEGE_WRAPPERS = new Set(['sudo', 'doas', 'pkexec', 'runuser']);

export function unwrap(argv: ResolvedWord[]): Unwrapped {
  const wrappers: string[] = [];
  const wrapperWords: string[] = [];
  let i = 0;
  let lastStart = 0;
  for (let guard = 0; guard < 8 && i < argv.length; guard++) {
    const name = baseName(argv[i]!.text);
    const spec = WRAPPERS[name];
    if (!spec) break;
    // `command -v x` and `command -V x` only look a command up
    if (name === 'command' && argv[i + 1] && /^-[vV]$/.test(argv[i + 1]!.text)) break;
    wrappers.push(name);
    wrapperWords.push(argv[i]!.text);
    lastStart = i;
    i++;
    let positional = spec.positional ?? 0;
    while (i < argv.length) {
      const t = argv[i]!.text;
      if (t === '--') { i++; break; }
      if (t.startsWith('-') && t.length > 1) {
        const eq = t.indexOf('=');
        const opt = eq > 0 ? t.slice(0, eq) : t;
        i++;
        if (eq < 0 && spec.valueOpts.includes(opt)) i++;
        continue;
      }
      if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) { i++; continue; }
      if (positional > 0) { positional--; i++; continue; }
      break;
    }
  }
  if (i >= argv.length && wrappers.length) {
    // nothing after the wrapper: the wrapper is the command (`env` prints the environment, `sudo -s` opens a shell)
    wrappers.pop();
    wrapperWords.pop();
    i = lastStart;
  }
  const core = argv.slice(i);
  const words = core.map((w) => w.text);
  return { wrappers, wrapperWords, core, words, name: words.length ? baseName(words[0]!) : '' };
}

/** Arguments that are not options (after `--`, everything). */
export function operands(words: string[], valueOpts: string[] = []): string[] {
  const out: string[] = [];
  let i = 1;
  for (; i < words.length; i++) {
    const t = words[i]!;
    if (t === '--') { out.push(...words.slice(i + 1)); break; }
    if (t.startsWith('-') && t.length > 1) {
      if (!t.includes('=') && valueOpts.includes(t)) i++;
      continue;
    }
    out.push(t);
  }
  return out;
}

/** Indexes (into words) of the operands, for when the resolved word objects are needed. */
export function operandIndexes(words: string[], valueOpts: string[] = []): number[] {
  const out: number[] = [];
  for (let i = 1; i < words.length; i++) {
    const t = words[i]!;
    if (t === '--') { for (let j = i + 1; j < words.length; j++) out.push(j); break; }
    if (t.startsWith('-') && t.length > 1) {
      if (!t.includes('=') && valueOpts.includes(t)) i++;
      continue;
    }
    out.push(i);
  }
  return out;
}

/** Short flags may be bundled (`-rf`): does the command carry flag `f` or one of the long forms? */
export function hasFlag(words: string[], short: string | null, ...long: string[]): boolean {
  for (const t of words.slice(1)) {
    if (t === '--') return false;
    if (long.some((l) => t === l || t.startsWith(l + '='))) return true;
    if (short && /^-[A-Za-z0-9]+$/.test(t) && t.slice(1).includes(short)) return true;
  }
  return false;
}

/** Value of an option given as `-o v`, `-ov`, `--out v` or `--out=v`. */
export function optionValue(words: string[], names: string[]): string | undefined {
  for (let i = 1; i < words.length; i++) {
    const t = words[i]!;
    if (t === '--') return undefined;
    for (const n of names) {
      if (t === n) return words[i + 1];
      if (n.startsWith('--') && t.startsWith(n + '=')) return t.slice(n.length + 1);
      if (!n.startsWith('--') && n.length === 2 && t.startsWith(n) && t.length > 2 && !t.startsWith('--')) return t.slice(2);
      // bundled short flags ending in the option: `curl -fsSLo file`
      if (!n.startsWith('--') && n.length === 2 && /^-[A-Za-z]{2,}$/.test(t) && t.endsWith(n[1]!)) return words[i + 1];
    }
  }
  return undefined;
}
