/**
 * Walks the parser's tree in execution order and records every simple command with its
 * resolved words, redirections, working directory and pipeline position. State changes
 * (`cd`, assignments, `export`, `source venv/bin/activate`) are applied as the shell would, so
 * later commands are judged with the directory and variables they will really see.
 */
import type * as A from './ast.js';
import { endOf, posOf, walkNodes } from './ast.js';
import { operators, parseShell } from './parser.js';
import { forkState, type ShellState } from './state.js';
import { resolveSingle, resolveWord, type ResolvedWord, type WordHooks } from './words.js';
import { applyEffects } from './effects.js';
import { contentSource, runsStdin } from './roles.js';
import { unwrap } from './unwrap.js';

export type RedirKind = 'write' | 'append' | 'read' | 'readwrite' | 'dup' | 'heredoc' | 'herestring';

export interface RedirRecord {
  kind: RedirKind;
  /** File descriptor number written before the operator (`2>`), if any. */
  fd?: string;
  /** `&>`/`&>>`: both stdout and stderr. */
  all?: boolean;
  target: ResolvedWord | null;
  /** Here-document body as written (an inner script when a shell reads it). */
  body?: string;
  /** Here-document body with its expansions resolved (substitutions in it run in the outer shell). */
  bodyWord?: ResolvedWord;
}

export interface PipeInfo {
  stage: number;
  stages: CmdRecord[][];
}

export interface CmdRecord {
  /** Resolved words; argv[0] is the command. Empty for a bare assignment or a redirected group. */
  argv: ResolvedWord[];
  assigns: { name: string; value: ResolvedWord | null }[];
  redirs: RedirRecord[];
  /** Working directory the command runs in (null: unknown). */
  cwd: string | null;
  /** A Python virtual environment is active. */
  venv: boolean;
  /** Part of `$(…)`, backquotes or a process substitution. */
  inSubst: boolean;
  background: boolean;
  /** Nesting of `bash -c '…'` / `eval '…'` strings (0: the command as given). */
  depth: number;
  /** Byte range in the text as given (top level only), for rewriting suggestions. */
  range?: [number, number];
  source: string;
  /** Inside a function body (defined, maybe never called). */
  inFunction: boolean;
}

export interface StructuralFinding {
  level: 'block' | 'warn';
  reason: string;
}

export interface WalkResult {
  records: CmdRecord[];
  pipelines: CmdRecord[][][];
  structural: StructuralFinding[];
  /** Absolute paths the script needs that it did not create itself. */
  needs: Set<string>;
  /** Inner scripts (`bash -c '…'`) that did not parse. */
  innerParseErrors: string[];
}

interface Flags {
  inSubst: boolean;
  background: boolean;
  inFunction: boolean;
}

const MAX_DEPTH = 4;
const MAX_LOOP_ITEMS = 8;
/** More simple commands than this in one text is not a build step; it is refused rather than walked. */
export const MAX_RECORDS = 2000;

export class TooManyCommandsError extends Error {}

export class Walker {
  readonly result: WalkResult = { records: [], pipelines: [], structural: [], needs: new Set(), innerParseErrors: [] };
  private sinks: CmdRecord[][] = [];
  private unrolling = false;

  /** `parentResult`: an inner script (`bash -c '…'`) adds its findings to the outer walk's result. */
  constructor(private readonly src: Buffer, private readonly depth = 0, parentResult?: WalkResult) {
    if (parentResult) this.result = parentResult;
  }

  source(node: A.Node): string {
    const s = posOf(node);
    const e = endOf(node);
    if (s < 0 || e < s) return '';
    return this.src.subarray(s, e).toString('utf8');
  }

  /** The parser's last literal of a here-document ends after the closing delimiter; cut it there. */
  private heredocSource(word: A.Word): string {
    const last = word.Parts[word.Parts.length - 1];
    const start = posOf(word);
    if (start < 0) return '';
    const end = last?.type === 'Lit' ? (last as A.Lit).ValuePos + Buffer.byteLength((last as A.Lit).Value, 'utf8') : endOf(word);
    return this.src.subarray(start, end).toString('utf8');
  }

  walkFile(file: A.File, state: ShellState): void {
    this.walkStmts(file.Stmts, state, { inSubst: false, background: false, inFunction: false });
  }

  private push(rec: CmdRecord): void {
    if (this.result.records.length >= MAX_RECORDS) throw new TooManyCommandsError(`more than ${MAX_RECORDS} simple commands`);
    this.result.records.push(rec);
    for (const s of this.sinks) s.push(rec);
  }

  private collect(fn: () => void): CmdRecord[] {
    const sink: CmdRecord[] = [];
    this.sinks.push(sink);
    try { fn(); } finally { this.sinks.pop(); }
    return sink;
  }

  private hooks(state: ShellState, flags: Flags): WordHooks {
    return {
      state,
      source: (n) => this.source(n),
      subst: (stmts) => this.collect(() => this.walkStmts(stmts, forkState(state), { ...flags, inSubst: true, background: false })),
    };
  }

  walkStmts(stmts: A.Stmt[], state: ShellState, flags: Flags): void {
    for (const s of stmts) if (s) this.walkStmt(s, state, flags);
  }

  private walkStmt(stmt: A.Stmt, state: ShellState, flags: Flags): void {
    const f = stmt.Background ? { ...flags, background: true } : flags;
    const cmd = stmt.Cmd;
    if (!cmd) return;
    const redirs = stmt.Redirs;
    const kind = cmd.type;
    if (kind === 'CallExpr') {
      this.walkCall(cmd as A.CallExpr, redirs, state, f, stmt);
      return;
    }
    if (redirs.length) {
      // redirections on a compound command (`{ …; } > file`) are judged like any other
      this.push(this.record([], [], this.resolveRedirs(redirs, state, f), state, f, stmt));
    }
    this.walkCompound(cmd, kind, state, f);
  }

  private walkCompound(cmd: A.Node, kind: string, state: ShellState, f: Flags): void {
    switch (kind) {
      case 'BinaryCmd': {
        const bc = cmd as A.BinaryCmd;
        const op = bc.Op;
        if (op === operators().pipe || op === operators().pipeAll) {
          const stageStmts: A.Stmt[] = [];
          flattenPipe(bc, stageStmts);
          const stages = stageStmts.map((s) => this.collect(() => this.walkStmt(s, forkState(state), f)));
          this.result.pipelines.push(stages);
          return;
        }
        if (bc.X) this.walkStmt(bc.X, state, f);
        if (bc.Y) this.walkStmt(bc.Y, state, f);
        return;
      }
      case 'Subshell':
        this.walkStmts((cmd as A.Subshell).Stmts, forkState(state), f);
        return;
      case 'Block':
        this.walkStmts((cmd as A.Block).Stmts, state, f);
        return;
      case 'IfClause': {
        let ic: A.IfClause | null = cmd as A.IfClause;
        while (ic) {
          this.walkStmts(ic.Cond, state, f);
          this.walkStmts(ic.Then, state, f);
          ic = ic.Else;
        }
        return;
      }
      case 'WhileClause': {
        const wc = cmd as A.WhileClause;
        this.walkStmts(wc.Cond, state, f);
        this.walkStmts(wc.Do, state, f);
        return;
      }
      case 'ForClause': {
        const fc = cmd as A.ForClause;
        if (fc.Loop?.type === 'WordIter') {
          const wi = fc.Loop as A.WordIter;
          const h = this.hooks(state, f);
          const items: ResolvedWord[] = [];
          for (const w of wi.Items) if (w) items.push(...resolveWord(w, h));
          const name = wi.Name?.Value ?? '';
          // a short list of known values: judge the body once per value, as the shell runs it
          // only the outermost such loop is unrolled: nested unrolling would multiply the work
          if (name && !this.unrolling && items.length && items.length <= MAX_LOOP_ITEMS && items.every((i) => i.known && !i.glob)) {
            this.unrolling = true;
            try {
              for (const item of items) { setVar(state, name, item, false); this.walkStmts(fc.Do, state, f); }
            } finally { this.unrolling = false; }
            return;
          }
          if (name) { state.vars.delete(name); state.opaqueVars.add(name); }
        }
        this.walkStmts(fc.Do, state, f);
        return;
      }
      case 'CaseClause': {
        const cc = cmd as A.CaseClause;
        if (cc.Word) resolveWord(cc.Word, this.hooks(state, f));
        for (const item of cc.Items) if (item) this.walkStmts(item.Stmts, state, f);
        return;
      }
      case 'FuncDecl': {
        const fd = cmd as A.FuncDecl;
        const name = fd.Name?.Value ?? '';
        state.functions.add(name);
        if (fd.Body && isForkBomb(fd.Body, name)) {
          this.result.structural.push({ level: 'block', reason: `fork bomb: function ${name} starts copies of itself in a pipeline or in the background` });
        }
        if (fd.Body) this.walkStmt(fd.Body, forkState(state), { ...f, inFunction: true });
        return;
      }
      case 'DeclClause': {
        const dc = cmd as A.DeclClause;
        const variant = dc.Variant?.Value ?? 'declare';
        const h = this.hooks(state, f);
        const assigns: CmdRecord['assigns'] = [];
        const argv: ResolvedWord[] = [{ text: variant, known: true, knownPrefix: variant, vars: [], substs: [], glob: false, source: variant }];
        for (const a of dc.Args) {
          if (!a) continue;
          if (a.Naked && a.Value && !a.Name) { argv.push(...resolveWord(a.Value, h)); continue; }
          const name = a.Name?.Value ?? '';
          const value = a.Value ? resolveSingle(a.Value, h) : null;
          assigns.push({ name, value });
          if (a.Naked && !a.Value) {
            argv.push({ text: name, known: true, knownPrefix: name, vars: [], substs: [], glob: false, source: name });
            if (variant === 'export') state.carried.add(name);
            continue;
          }
          setVar(state, name, a.Array ? null : value, variant === 'export' || variant === 'declare' || variant === 'typeset' || variant === 'readonly');
        }
        this.push(this.record(argv, assigns, [], state, f, undefined, cmd));
        return;
      }
      case 'TimeClause': {
        const tc = cmd as A.TimeClause;
        if (tc.Stmt) this.walkStmt(tc.Stmt, state, f);
        return;
      }
      case 'CoprocClause': {
        const cc = cmd as A.CoprocClause;
        if (cc.Stmt) this.walkStmt(cc.Stmt, forkState(state), f);
        return;
      }
      default:
        // [[ … ]], (( … )), let: only substitutions inside them can run commands
        this.walkNestedSubsts(cmd, state, f);
    }
  }

  private walkNestedSubsts(node: A.Node, state: ShellState, f: Flags): void {
    const found: A.Node[] = [];
    walkNodes(node, (n) => {
      if (n.type === 'CmdSubst' || n.type === 'ProcSubst') { found.push(n); return false; }
      return true;
    });
    for (const n of found) {
      const stmts = (n as A.CmdSubst).Stmts;
      this.collect(() => this.walkStmts(stmts, forkState(state), { ...f, inSubst: true }));
    }
  }

  private walkCall(call: A.CallExpr, redirNodes: A.Redirect[], state: ShellState, f: Flags, stmt: A.Stmt): void {
    const h = this.hooks(state, f);
    const assigns: CmdRecord['assigns'] = [];
    for (const a of call.Assigns) {
      if (!a) continue;
      assigns.push({ name: a.Name?.Value ?? '', value: a.Value ? resolveSingle(a.Value, h) : null });
    }
    const argv: ResolvedWord[] = [];
    for (const w of call.Args) if (w) argv.push(...resolveWord(w, h));
    const redirs = this.resolveRedirs(redirNodes, state, f);
    if (argv.length === 0) {
      // bare assignments change the shell itself
      call.Assigns.forEach((a, i) => { if (a) setVar(state, a.Name?.Value ?? '', a.Array ? null : assigns[i]!.value, true); });
    }
    const rec = this.record(argv, assigns, redirs, state, f, stmt, call);
    this.push(rec);
    applyEffects(rec, state, this.result.needs);
    this.walkInnerScript(rec, state, f);
  }

  /** `bash -c '…'`, `sh -c`, `su -c`, `eval '…'`: the string is shell code; judge it too. */
  private walkInnerScript(rec: CmdRecord, state: ShellState, f: Flags): void {
    if (this.depth >= MAX_DEPTH) return;
    const code = innerScript(rec);
    if (code === undefined) return;
    const parsed = parseShell(code.text);
    if (!parsed.ok) { this.result.innerParseErrors.push(`${code.text.slice(0, 60)}: ${parsed.error}`); return; }
    const inner = new Walker(Buffer.from(code.text, 'utf8'), this.depth + 1, this.result);
    inner.sinks = this.sinks;
    inner.walkStmts(parsed.file.Stmts, code.sameShell ? state : forkState(state), f);
  }

  private resolveRedirs(redirs: A.Redirect[], state: ShellState, f: Flags): RedirRecord[] {
    const ops = operators();
    const h = this.hooks(state, f);
    return redirs.map((r) => {
      const op = r.Op;
      const target = r.Word ? resolveSingle(r.Word, h) : null;
      const fd = r.N?.Value;
      let kind: RedirKind;
      let all = false;
      if (op === ops.rdrOut || op === ops.clbOut) kind = 'write';
      else if (op === ops.appOut) kind = 'append';
      else if (op === ops.rdrAll) { kind = 'write'; all = true; }
      else if (op === ops.appAll) { kind = 'append'; all = true; }
      else if (op === ops.rdrIn) kind = 'read';
      else if (op === ops.rdrInOut) kind = 'readwrite';
      else if (op === ops.hdoc || op === ops.dashHdoc) kind = 'heredoc';
      else if (op === ops.wordHdoc) kind = 'herestring';
      else kind = 'dup';
      const rec: RedirRecord = { kind, target, all };
      if (fd !== undefined) rec.fd = fd;
      if (r.Hdoc) { rec.bodyWord = resolveSingle(r.Hdoc, h); rec.body = this.heredocSource(r.Hdoc); }
      return rec;
    });
  }

  private record(argv: ResolvedWord[], assigns: CmdRecord['assigns'], redirs: RedirRecord[], state: ShellState, f: Flags, stmt?: A.Stmt, node?: A.Node): CmdRecord {
    const n = node ?? stmt!;
    const rec: CmdRecord = {
      argv, assigns, redirs, cwd: state.cwd, venv: state.venv, inSubst: f.inSubst, background: f.background,
      depth: this.depth, source: this.source(n), inFunction: f.inFunction,
    };
    if (this.depth === 0 && n) { const s = posOf(n); const e = endOf(n); if (s >= 0 && e >= s) rec.range = [s, e]; }
    return rec;
  }
}

function flattenPipe(bc: A.BinaryCmd, out: A.Stmt[]): void {
  const ops = operators();
  for (const side of [bc.X, bc.Y]) {
    if (!side) continue;
    const c = side.Cmd;
    if (c && c.type === 'BinaryCmd' && !side.Redirs.length && !side.Background
      && [ops.pipe, ops.pipeAll].includes((c as A.BinaryCmd).Op)) flattenPipe(c as A.BinaryCmd, out);
    else out.push(side);
  }
}

function setVar(state: ShellState, name: string, value: ResolvedWord | null, carry: boolean): void {
  if (!name) return;
  const taint = value ? value.taint ?? value.substs.map((s) => contentSource(s.records)).find(Boolean) : undefined;
  if (taint) state.tainted.set(name, taint);
  else state.tainted.delete(name);
  if (value && value.known) { state.vars.set(name, value.text); state.opaqueVars.delete(name); }
  else if (!value) { state.vars.set(name, ''); state.opaqueVars.delete(name); }
  else { state.vars.delete(name); state.opaqueVars.add(name); }
  if (carry) state.carried.add(name);
  if (name === 'VIRTUAL_ENV' || (name === 'PATH' && value && /(^|[/:])\.?venv\/bin/.test(value.text))) state.venv = true;
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'busybox']);

/** The shell code a command runs as a string, if it is written out in full. */
function innerScript(rec: CmdRecord): { text: string; sameShell: boolean } | undefined {
  // step over sudo/env/timeout/…; their own options are judged by the rules
  const { core, name } = unwrap(rec.argv);
  if (!core.length) return undefined;
  if (name === 'eval') {
    const rest = core.slice(1);
    if (rest.length && rest.every((w) => w.known)) return { text: rest.map((w) => w.text).join(' '), sameShell: true };
    return undefined;
  }
  // `bash <<'EOF' … EOF` and `sh <<< "…"`: the here-document is the script
  if (SHELLS.has(name) && runsStdin({ wrappers: [], wrapperWords: [], core, words: core.map((w) => w.text), name })) {
    const doc = rec.redirs.find((r) => (r.kind === 'heredoc' && r.body !== undefined) || (r.kind === 'herestring' && r.target?.known));
    if (doc) return { text: doc.kind === 'heredoc' ? doc.body! : doc.target!.text, sameShell: false };
  }
  if (SHELLS.has(name) || name === 'su') {
    for (let i = 1; i < core.length; i++) {
      const t = core[i]!.text;
      if (t === '-c' || t === '--command' || (/^-[a-z]*c[a-z]*$/.test(t) && !t.startsWith('--'))) {
        const w = core[i + 1];
        if (w && w.known) return { text: w.text, sameShell: false };
        return undefined;
      }
    }
  }
  return undefined;
}

export function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** A function that starts itself in a pipeline or in the background: `:(){ :|:& };:`. */
function isForkBomb(body: A.Stmt, name: string): boolean {
  const ops = operators();
  let bomb = false;
  const visit = (stmt: A.Stmt | null, piped: boolean): void => {
    if (!stmt || bomb) return;
    const bg = piped || stmt.Background;
    const c = stmt.Cmd;
    if (!c) return;
    const t = c.type;
    if (t === 'CallExpr') {
      const a0 = (c as A.CallExpr).Args[0];
      if (a0 && a0.Parts.length === 1 && (a0.Parts[0] as A.Lit).Value === name && bg) bomb = true;
    } else if (t === 'BinaryCmd') {
      const bc = c as A.BinaryCmd;
      const isPipe = [ops.pipe, ops.pipeAll].includes(bc.Op);
      visit(bc.X, bg || isPipe);
      visit(bc.Y, bg || isPipe);
    } else if (t === 'Block' || t === 'Subshell') {
      for (const s of (c as A.Block).Stmts) visit(s, bg);
    } else if (t === 'WhileClause' || t === 'ForClause') {
      for (const s of (c as A.WhileClause).Do) visit(s, bg);
    } else if (t === 'IfClause') {
      for (const s of (c as A.IfClause).Then) visit(s, bg);
    }
  };
  visit(body, false);
  return bomb;
}
