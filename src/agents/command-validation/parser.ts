/**
 * The shell parser: mvdan/sh compiled to JavaScript (the `mvdan-sh` package, GopherJS). Chosen
 * over `sh-syntax` (the same parser compiled to WASM) because sh-syntax is asynchronous, builds
 * a new WASM instance per call, and its JSON AST drops the command nodes' concrete types, so it
 * cannot be walked; mvdan-sh gives the full typed tree synchronously. The tree is copied into
 * plain objects (ast.ts) right after parsing.
 */
import { createRequire } from 'node:module';
import type * as Sh from 'mvdan-sh';
import { NovaError } from '../../errors.js';
import { fromGo, internal, type BinaryCmd, type CallExpr, type File, type ParamExp, type ProcSubst } from './ast.js';

type ShModule = typeof Sh;

let shModule: ShModule | undefined;
let parser: Sh.Parser | undefined;

/** Operator numbers, learned from the parser itself (they are Go iota constants). */
export interface Operators {
  rdrOut: number; appOut: number; rdrIn: number; rdrInOut: number; dplIn: number; dplOut: number;
  clbOut: number; hdoc: number; dashHdoc: number; wordHdoc: number; rdrAll: number; appAll: number;
  andStmt: number; orStmt: number; pipe: number; pipeAll: number;
  cmdIn: number; cmdOut: number;
  alternateUnset: number; alternateUnsetOrNull: number; defaultUnset: number; defaultUnsetOrNull: number;
  errorUnset: number; errorUnsetOrNull: number; assignUnset: number; assignUnsetOrNull: number;
}
let ops: Operators | undefined;

function load(): ShModule {
  if (!shModule) {
    const require = createRequire(import.meta.url);
    shModule = require('mvdan-sh') as ShModule;
  }
  return shModule;
}

function rawParse(p: Sh.Parser, src: string): File {
  return fromGo(internal(p.Parse(src, ''))) as File;
}

function calibrate(p: Sh.Parser): Operators {
  const first = (src: string) => rawParse(p, src).Stmts[0]!;
  const redirOp = (src: string): number => { const st = first(src); return st.Redirs[st.Redirs.length - 1]!.Op; };
  const binOp = (src: string): number => (first(src).Cmd as BinaryCmd).Op;
  const part = (src: string) => (first(src).Cmd as CallExpr).Args[1]!.Parts[0]!;
  const procOp = (src: string): number => (part(src) as ProcSubst).Op;
  const expOp = (src: string): number => (part(src) as ParamExp).Exp!.Op;
  return {
    rdrOut: redirOp('a > b'), appOut: redirOp('a >> b'), rdrIn: redirOp('a < b'), rdrInOut: redirOp('a <> b'),
    dplIn: redirOp('a <&3'), dplOut: redirOp('a >&2'), clbOut: redirOp('a >| b'), hdoc: redirOp('a <<E\nx\nE\n'),
    dashHdoc: redirOp('a <<-E\nx\nE\n'), wordHdoc: redirOp('a <<< b'), rdrAll: redirOp('a &> b'), appAll: redirOp('a &>> b'),
    andStmt: binOp('a && b'), orStmt: binOp('a || b'), pipe: binOp('a | b'), pipeAll: binOp('a |& b'),
    cmdIn: procOp('a <(b)'), cmdOut: procOp('a >(b)'),
    alternateUnset: expOp('a ${x+y}'), alternateUnsetOrNull: expOp('a ${x:+y}'),
    defaultUnset: expOp('a ${x-y}'), defaultUnsetOrNull: expOp('a ${x:-y}'),
    errorUnset: expOp('a ${x?y}'), errorUnsetOrNull: expOp('a ${x:?y}'),
    assignUnset: expOp('a ${x=y}'), assignUnsetOrNull: expOp('a ${x:=y}'),
  };
}

/** Check that the GopherJS value layout is the one ast.ts reads (it is not a public API). */
function checkLayout(p: Sh.Parser): void {
  const f = rawParse(p, 'a "b$c" | d > e');
  const bc = f?.Stmts?.[0]?.Cmd as BinaryCmd | undefined;
  const call = bc?.X?.Cmd as CallExpr | undefined;
  const ok = bc?.type === 'BinaryCmd' && call?.type === 'CallExpr' && call.Args[1]?.Parts[0]?.type === 'DblQuoted'
    && bc.Y?.Redirs[0]?.type === 'Redirect' && call.Args[0]?.Parts[0]?.type === 'Lit' && (call.Args[0].Parts[0] as { ValuePos?: number }).ValuePos === 0;
  if (!ok) {
    throw new NovaError('INTERNAL', 'the installed mvdan-sh package has an unexpected internal layout', {
      hint: 'install the pinned version: npm install mvdan-sh@0.10.1',
    });
  }
}

/** Load the parser, check it, and learn its operator numbers. Synchronous; safe to call often. */
export function initParser(): void {
  if (parser) return;
  const sx = load().syntax;
  const p = sx.NewParser(sx.KeepComments(false), sx.Variant(sx.LangBash));
  checkLayout(p);
  ops = calibrate(p);
  parser = p;
}

export function operators(): Operators {
  initParser();
  return ops!;
}

export type ParseOutcome = { ok: true; file: File } | { ok: false; error: string };

/** Parse bash text. Never throws for bad input: the parser's message comes back instead. */
export function parseShell(text: string): ParseOutcome {
  initParser();
  let raw: unknown;
  try {
    raw = parser!.Parse(text, '');
  } catch (e) {
    if (e instanceof RangeError) throw e; // stack exhausted on absurd nesting: not a syntax error
    return { ok: false, error: parseErrorMessage(e) };
  }
  return { ok: true, file: fromGo(internal(raw)) as File };
}

function parseErrorMessage(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { Error?: unknown }).Error === 'function') {
    return String((e as { Error: () => string }).Error());
  }
  return e instanceof Error ? e.message : String(e);
}
