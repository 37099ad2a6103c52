/**
 * Turns parser words into values: quotes removed, escapes applied, known variables and `~`
 * expanded, brace expansion done. Unknown parts are tracked rather than guessed, so rules can
 * tell "deletes build/" from "deletes whatever $DIR is" from "deletes /… if $DIR is empty".
 */
import type { DblQuoted, CmdSubst, Lit, Node, ParamExp, ProcSubst, SglQuoted, Stmt, Word } from './ast.js';
import { operators } from './parser.js';
import { HOME, type ShellState } from './state.js';
import type { CmdRecord } from './walker.js';

export interface SubstInfo {
  kind: 'cmd' | 'proc-in' | 'proc-out';
  records: CmdRecord[];
}

export interface ResolvedWord {
  /** The value, each unknown expansion taken as empty (what the shell gives when it is unset). */
  text: string;
  /** Every part of the word is known. */
  known: boolean;
  /** Known text before the first unknown part. */
  knownPrefix: string;
  /** The word starts with an unguarded variable whose value is unknown (`"$DIR/"*`, SC2115). */
  leadingUnknownVar?: string;
  /** Variables referenced. */
  vars: string[];
  /** Commands run by `$(…)`, backquotes, `<(…)` and `>(…)` inside the word. */
  substs: SubstInfo[];
  /** Contains unquoted glob characters. */
  glob: boolean;
  /** The word as written. */
  source: string;
  /** Expands a variable that holds downloaded or decoded text: where that text came from. */
  taint?: string;
}

export interface WordHooks {
  state: ShellState;
  source(node: Node): string;
  /** Analyse statements of a substitution; returns the simple commands found. */
  subst(stmts: Stmt[], kind: SubstInfo['kind']): CmdRecord[];
}

const MAX_BRACE_WORDS = 16;

/** A word being resolved: everything but its source text. */
type Acc = Omit<ResolvedWord, 'source'>;

/** Resolve one word; brace expansion may turn it into several. */
export function resolveWord(word: Word, hooks: WordHooks): ResolvedWord[] {
  const source = hooks.source(word);
  return expandBraces(word.Parts).map((parts) => {
    const acc: Acc = { text: '', known: true, knownPrefix: '', vars: [], substs: [], glob: false };
    resolveParts(parts, hooks, acc, false, true);
    return { ...acc, source };
  });
}

/** Resolve without brace expansion: for places where one value is wanted (assignments, redirect targets). */
export function resolveSingle(word: Word, hooks: WordHooks): ResolvedWord {
  const acc: Acc = { text: '', known: true, knownPrefix: '', vars: [], substs: [], glob: false };
  resolveParts(word.Parts, hooks, acc, false, true);
  return { ...acc, source: hooks.source(word) };
}

/**
 * Bash brace expansion on unquoted literal parts: `/{usr,etc}` → `/usr`, `/etc`; `x{1..3}`.
 * Each variant is a list of parts, with expanded literals as new Lit nodes.
 */
function expandBraces(parts: Node[]): Node[][] {
  let combos: Node[][] = [[]];
  for (const part of parts) {
    const alts = part.type === 'Lit' ? braceAlternatives((part as Lit).Value) : undefined;
    if (!alts) { combos.forEach((c) => c.push(part)); continue; }
    const lit = part as Lit;
    const next: Node[][] = [];
    for (const c of combos) for (const a of alts) next.push([...c, { ...lit, Value: a } as Lit]);
    if (next.length > MAX_BRACE_WORDS) return [parts];
    combos = next;
  }
  return combos;
}

function braceAlternatives(v: string): string[] | undefined {
  const open = findUnescaped(v, '{', 0);
  if (open < 0) return undefined;
  let depth = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < v.length; i++) {
    const ch = v[i];
    if (ch === '\\') { i++; continue; }
    if (ch === '{') depth++;
    else if (ch === '}') { depth--; if (depth === 0) { close = i; break; } }
    else if (ch === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return undefined;
  const pre = v.slice(0, open);
  const post = v.slice(close + 1);
  const inner = v.slice(open + 1, close);
  let items: string[];
  const seq = /^(-?\d+)\.\.(-?\d+)$/.exec(inner) ?? /^([a-zA-Z])\.\.([a-zA-Z])$/.exec(inner);
  if (commas.length) {
    items = [];
    let start = open + 1;
    for (const c of [...commas, close]) { items.push(v.slice(start, c)); start = c + 1; }
  } else if (seq) {
    const num = /\d/.test(seq[1]!);
    const a = num ? Number(seq[1]) : seq[1]!.charCodeAt(0);
    const b = num ? Number(seq[2]) : seq[2]!.charCodeAt(0);
    if (Math.abs(b - a) >= MAX_BRACE_WORDS) return undefined;
    items = [];
    for (let i = a; a <= b ? i <= b : i >= b; i += a <= b ? 1 : -1) items.push(num ? String(i) : String.fromCharCode(i));
  } else {
    const rest = braceAlternatives(post);
    return rest ? rest.map((r) => v.slice(0, close + 1) + r) : undefined;
  }
  // expand the rest once, then combine; stop as soon as there would be too many words
  const tails = braceAlternatives(post) ?? [post];
  const out: string[] = [];
  for (const it of items) {
    for (const head of braceAlternatives(it) ?? [it]) {
      for (const tail of tails) {
        out.push(pre + head + tail);
        if (out.length > MAX_BRACE_WORDS) return undefined;
      }
    }
  }
  return out;
}

function findUnescaped(v: string, ch: string, from: number): number {
  for (let i = from; i < v.length; i++) {
    if (v[i] === '\\') { i++; continue; }
    if (v[i] === ch) return i;
  }
  return -1;
}

function append(acc: Acc, text: string): void {
  acc.text += text;
  if (acc.known) acc.knownPrefix += text;
}

function markUnknown(acc: Acc, atStart: boolean, varName?: string): void {
  if (acc.known && atStart && varName) acc.leadingUnknownVar = varName;
  acc.known = false;
}

function resolveParts(parts: Node[], hooks: WordHooks, acc: Acc, quoted: boolean, wordStart: boolean): void {
  parts.forEach((part, i) => {
    const atStart = wordStart && i === 0 && acc.text === '';
    switch (part.type) {
      case 'Lit': {
        let v = (part as Lit).Value;
        if (!quoted) {
          if (atStart && v.startsWith('~')) {
            const slash = v.indexOf('/');
            const user = slash < 0 ? v.slice(1) : v.slice(1, slash);
            const rest = slash < 0 ? '' : v.slice(slash);
            v = (user === '' ? HOME : '/home/' + user) + rest;
          }
          if (/(^|[^\\])[*?[]/.test(v)) acc.glob = true;
          v = v.replace(/\\(.)/gs, '$1');
        } else {
          v = v.replace(/\\([$`"\\\n])/g, '$1');
        }
        append(acc, v);
        break;
      }
      case 'SglQuoted': {
        const sq = part as SglQuoted;
        append(acc, sq.Dollar ? ansiC(sq.Value) : sq.Value);
        break;
      }
      case 'DblQuoted':
        resolveParts((part as DblQuoted).Parts, hooks, acc, true, atStart);
        break;
      case 'ParamExp':
        resolveParam(part as ParamExp, hooks, acc, atStart);
        break;
      case 'CmdSubst': {
        const cs = part as CmdSubst;
        const records = hooks.subst(cs.Stmts, 'cmd');
        acc.substs.push({ kind: 'cmd', records });
        const v = staticSubstValue(records, hooks.state);
        if (v !== undefined) append(acc, v);
        else markUnknown(acc, false);
        break;
      }
      case 'ProcSubst': {
        const ps = part as ProcSubst;
        const kind = ps.Op === operators().cmdOut ? 'proc-out' : 'proc-in';
        acc.substs.push({ kind, records: hooks.subst(ps.Stmts, kind) });
        append(acc, '/dev/fd/63');
        break;
      }
      case 'ArithmExp':
        markUnknown(acc, false);
        break;
      case 'ExtGlob':
        acc.glob = true;
        append(acc, hooks.source(part));
        break;
      default:
        markUnknown(acc, false);
    }
  });
}

function resolveParam(pe: ParamExp, hooks: WordHooks, acc: Acc, atStart: boolean): void {
  const name = pe.Param?.Value ?? '';
  acc.vars.push(name);
  const st = hooks.state;
  const taint = st.tainted.get(name);
  if (taint) acc.taint = taint;
  const value = name === 'PWD' ? (st.cwd ?? undefined) : st.vars.get(name);
  const ops = operators();
  if (pe.Length || pe.Excl || pe.Slice || pe.Repl || pe.Index) { markUnknown(acc, false); return; }
  const op = pe.Exp ? pe.Exp.Op : undefined;
  if (op === undefined) {
    if (value !== undefined) append(acc, value);
    else markUnknown(acc, atStart, name);
    return;
  }
  if (op === ops.defaultUnset || op === ops.defaultUnsetOrNull || op === ops.assignUnset || op === ops.assignUnsetOrNull) {
    if (value !== undefined) append(acc, value);
    else if (st.opaqueVars.has(name)) markUnknown(acc, false);
    else if (pe.Exp!.Word) resolveParts(pe.Exp!.Word.Parts, hooks, acc, true, atStart);
    return;
  }
  if (op === ops.errorUnset || op === ops.errorUnsetOrNull) {
    // ${VAR:?} stops the shell when VAR is unset: never silently empty
    if (value !== undefined) append(acc, value);
    else markUnknown(acc, false);
    return;
  }
  markUnknown(acc, false);
}

/** Values of a few substitutions that are the same everywhere (`$(pwd)`, `$(mktemp -d)`). */
function staticSubstValue(records: CmdRecord[], st: ShellState): string | undefined {
  if (records.length !== 1) return undefined;
  const argv = records[0]!.argv.map((w) => w.text);
  const cmd = argv[0];
  if (cmd === 'pwd' && argv.length === 1) return st.cwd ?? undefined;
  if (cmd === 'mktemp') return '/tmp/tmp.XXXXXXXXXX';
  if (cmd === 'git' && argv[1] === 'rev-parse' && argv[2] === '--show-toplevel') return st.workspace;
  if (cmd === 'nproc' || cmd === 'getconf') return '2';
  return undefined;
}

function ansiC(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v' };
    return map[e] ?? e;
  });
}
