/**
 * A plain-object copy of mvdan/sh's syntax tree. mvdan-sh (GopherJS) hands out its Go structs
 * through wrappers that deep-copy on every property access (~30 µs each, most of the validation
 * time); reading the Go values once and building plain objects makes walking cost nothing.
 * The reader relies on GopherJS's value layout (struct fields as properties, slices as
 * `$array/$offset/$length`), so mvdan-sh is pinned and the layout is checked at start-up.
 */

/** Byte offset into the parsed text; -1 when the parser left the position unset. */
export type Offset = number;

export interface Node { type: string }
export interface File extends Node { type: 'File'; Stmts: Stmt[] }
export interface Stmt extends Node {
  type: 'Stmt'; Cmd: Command | null; Position: Offset; Semicolon: Offset;
  Negated: boolean; Background: boolean; Coprocess: boolean; Redirs: Redirect[];
}
export type Command = Node;
export interface Lit extends Node { type: 'Lit'; ValuePos: Offset; ValueEnd: Offset; Value: string }
export interface Word extends Node { type: 'Word'; Parts: Node[] }
export interface SglQuoted extends Node { type: 'SglQuoted'; Left: Offset; Right: Offset; Dollar: boolean; Value: string }
export interface DblQuoted extends Node { type: 'DblQuoted'; Left: Offset; Right: Offset; Dollar: boolean; Parts: Node[] }
export interface CmdSubst extends Node { type: 'CmdSubst'; Left: Offset; Right: Offset; Stmts: Stmt[]; Backquotes: boolean }
export interface Expansion extends Node { type: 'Expansion'; Op: number; Word: Word | null }
export interface ParamExp extends Node {
  type: 'ParamExp'; Dollar: Offset; Rbrace: Offset; Short: boolean; Excl: boolean; Length: boolean; Width: boolean;
  Param: Lit | null; Index: Node | null; Slice: Node | null; Repl: Node | null; Exp: Expansion | null;
}
export interface ArithmExp extends Node { type: 'ArithmExp'; Left: Offset; Right: Offset; Bracket: boolean }
export interface ProcSubst extends Node { type: 'ProcSubst'; OpPos: Offset; Rparen: Offset; Op: number; Stmts: Stmt[] }
export interface ExtGlob extends Node { type: 'ExtGlob'; OpPos: Offset; Pattern: Lit | null }
export interface Redirect extends Node { type: 'Redirect'; OpPos: Offset; Op: number; N: Lit | null; Word: Word | null; Hdoc: Word | null }
export interface Assign extends Node {
  type: 'Assign'; Append: boolean; Naked: boolean; Name: Lit | null; Index: Node | null; Value: Word | null; Array: (Node & { Rparen: Offset }) | null;
}
export interface CallExpr extends Node { type: 'CallExpr'; Assigns: Assign[]; Args: Word[] }
export interface BinaryCmd extends Node { type: 'BinaryCmd'; OpPos: Offset; Op: number; X: Stmt | null; Y: Stmt | null }
export interface Subshell extends Node { type: 'Subshell'; Lparen: Offset; Rparen: Offset; Stmts: Stmt[] }
export interface Block extends Node { type: 'Block'; Lbrace: Offset; Rbrace: Offset; Stmts: Stmt[] }
export interface IfClause extends Node { type: 'IfClause'; Cond: Stmt[]; Then: Stmt[]; Else: IfClause | null }
export interface WhileClause extends Node { type: 'WhileClause'; Cond: Stmt[]; Do: Stmt[] }
export interface WordIter extends Node { type: 'WordIter'; Name: Lit | null; Items: Word[] }
export interface ForClause extends Node { type: 'ForClause'; Loop: Node | null; Do: Stmt[] }
export interface CaseItem extends Node { type: 'CaseItem'; Patterns: Word[]; Stmts: Stmt[] }
export interface CaseClause extends Node { type: 'CaseClause'; Word: Word | null; Items: CaseItem[] }
export interface FuncDecl extends Node { type: 'FuncDecl'; Position: Offset; Name: Lit | null; Body: Stmt | null }
export interface DeclClause extends Node { type: 'DeclClause'; Variant: Lit | null; Args: Assign[] }
export interface TimeClause extends Node { type: 'TimeClause'; Stmt: Stmt | null }
export interface CoprocClause extends Node { type: 'CoprocClause'; Stmt: Stmt | null }

interface GoValue { constructor?: { string?: string; nil?: unknown }; [k: string]: unknown }

/** Copy a GopherJS value of the syntax package into plain objects. */
export function fromGo(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== 'object') return v ?? null;
  const g = v as GoValue;
  const ctor = g.constructor;
  if (ctor && ctor.nil === v) return ctor.string?.startsWith('[]') ? [] : null; // nil slice: empty
  if ('$array' in g) {
    const arr = g.$array as unknown[];
    const off = g.$offset as number;
    const len = g.$length as number;
    const out: unknown[] = new Array(len);
    for (let i = 0; i < len; i++) out[i] = fromGo(arr[off + i]);
    return out;
  }
  const ts = ctor?.string ?? '';
  if (ts === '*syntax.Pos' || ts === 'syntax.Pos') return (g.lineCol as number) === 0 ? -1 : (g.offs as number);
  if (!ts.startsWith('*syntax.') && !ts.startsWith('syntax.')) return null; // interface nil and anything unexpected
  const node: Record<string, unknown> = { type: ts.replace(/^\*?syntax\./, '') };
  for (const k of Object.keys(g)) {
    if (k === '$val' || k === 'Comments' || k === 'Last' || k.endsWith('Last')) continue;
    node[k] = fromGo(g[k]);
  }
  return node;
}

/** The Go struct behind a value mvdan-sh returned to JavaScript. */
export function internal(v: unknown): unknown {
  return (v as { __internal_object__?: unknown }).__internal_object__;
}

export function posOf(n: Node | null | undefined): Offset {
  if (!n) return -1;
  const x = n as unknown as Record<string, unknown>;
  switch (n.type) {
    case 'Word': return posOf((n as Word).Parts[0]);
    case 'Lit': return (n as Lit).ValuePos;
    case 'SglQuoted': case 'DblQuoted': case 'CmdSubst': case 'ArithmExp': return x.Left as number;
    case 'ParamExp': return (n as ParamExp).Dollar;
    case 'ProcSubst': case 'ExtGlob': case 'Redirect': return x.OpPos as number;
    case 'CallExpr': { const c = n as CallExpr; return posOf(c.Assigns[0] ?? c.Args[0]); }
    case 'Assign': { const a = n as Assign; return a.Name ? posOf(a.Name) : posOf(a.Value); }
    case 'Stmt': case 'FuncDecl': return x.Position as number;
    case 'BinaryCmd': return posOf((n as BinaryCmd).X);
    case 'Subshell': return (n as Subshell).Lparen;
    case 'Block': return (n as Block).Lbrace;
    case 'DeclClause': return posOf((n as DeclClause).Variant);
    default: return -1;
  }
}

const add = (p: Offset, n: number): Offset => (p < 0 ? p : p + n);

/** End offset, as mvdan/sh's Node.End() computes it. */
export function endOf(n: Node | null | undefined): Offset {
  if (!n) return -1;
  switch (n.type) {
    case 'Word': { const p = (n as Word).Parts; return endOf(p[p.length - 1]); }
    case 'Lit': return (n as Lit).ValueEnd;
    case 'SglQuoted': case 'DblQuoted': case 'CmdSubst': return add((n as SglQuoted).Right, 1);
    case 'ArithmExp': { const a = n as ArithmExp; return add(a.Right, a.Bracket ? 1 : 2); }
    case 'ParamExp': { const p = n as ParamExp; return p.Rbrace >= 0 ? p.Rbrace + 1 : endOf(p.Param); }
    case 'ProcSubst': return add((n as ProcSubst).Rparen, 1);
    case 'ExtGlob': return add(endOf((n as ExtGlob).Pattern), 1);
    case 'Redirect': { const r = n as Redirect; return endOf(r.Word); }
    case 'CallExpr': { const c = n as CallExpr; return c.Args.length ? endOf(c.Args[c.Args.length - 1]) : endOf(c.Assigns[c.Assigns.length - 1]); }
    case 'Assign': {
      const a = n as Assign;
      if (a.Value) return endOf(a.Value);
      if (a.Array) return add(a.Array.Rparen, 1);
      return a.Naked ? endOf(a.Name) : add(endOf(a.Name), 1);
    }
    case 'Stmt': {
      const s = n as Stmt;
      if (s.Semicolon >= 0) return s.Semicolon + 1;
      let end = s.Cmd ? endOf(s.Cmd) : s.Position;
      if (s.Redirs.length) end = Math.max(end, endOf(s.Redirs[s.Redirs.length - 1]));
      return end;
    }
    case 'BinaryCmd': return endOf((n as BinaryCmd).Y);
    case 'Subshell': return add((n as Subshell).Rparen, 1);
    case 'Block': return add((n as Block).Rbrace, 1);
    case 'FuncDecl': return endOf((n as FuncDecl).Body);
    case 'DeclClause': { const d = n as DeclClause; return d.Args.length ? endOf(d.Args[d.Args.length - 1]) : endOf(d.Variant); }
    default: return -1;
  }
}

/** Visit every node below `n` (depth first); return false from `fn` to skip a subtree. */
export function walkNodes(n: unknown, fn: (node: Node) => boolean): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) { for (const x of n) walkNodes(x, fn); return; }
  const node = n as Node & Record<string, unknown>;
  if (typeof node.type === 'string' && !fn(node)) return;
  for (const k of Object.keys(node)) if (k !== 'type') walkNodes(node[k], fn);
}
