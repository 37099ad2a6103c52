/**
 * The shell parser: mvdan/sh compiled to JavaScript (the `mvdan-sh` package, GopherJS). Chosen
 * over `sh-syntax` (the same parser compiled to WASM) because sh-syntax is asynchronous and its
 * JSON AST drops the command nodes' concrete types, so it cannot be walked; mvdan-sh gives the
 * full typed tree synchronously (~0.1 ms per command).
 */
import { createRequire } from 'node:module';
import type * as Sh from 'mvdan-sh';

type ShModule = typeof Sh;
export type ShNode = Sh.Node;
export type { Sh };

let shModule: ShModule | undefined;
let parser: Sh.Parser | undefined;

/** Operator numbers, learned from the parser itself (they are Go iota constants). */
export interface Operators {
  rdrOut: number; appOut: number; rdrIn: number; rdrInOut: number; dplIn: number; dplOut: number;
  clbOut: number; hdoc: number; dashHdoc: number; wordHdoc: number; rdrAll: number; appAll: number;
  andStmt: number; orStmt: number; pipe: number; pipeAll: number;
  cmdIn: number; cmdOut: number;
  // parameter expansion operators
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

export function syntax(): ShModule['syntax'] {
  return load().syntax;
}

function calibrate(): Operators {
  const sx = syntax();
  const p = sx.NewParser();
  const redirOp = (src: string): number => {
    const st = p.Parse(src, '').Stmts[0]!;
    return st.Redirs[st.Redirs.length - 1]!.Op as number;
  };
  const binOp = (src: string): number => (p.Parse(src, '').Stmts[0]!.Cmd as Sh.BinaryCmd).Op as number;
  const procOp = (src: string): number => {
    const call = p.Parse(src, '').Stmts[0]!.Cmd as Sh.CallExpr;
    return (call.Args[1]!.Parts[0] as Sh.ProcSubst).Op as number;
  };
  const expOp = (src: string): number => {
    const call = p.Parse(src, '').Stmts[0]!.Cmd as Sh.CallExpr;
    return (call.Args[1]!.Parts[0] as Sh.ParamExp).Exp!.Op as number;
  };
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

/** Load the parser and learn its operator numbers. Synchronous; safe to call many times. */
export function initParser(): void {
  if (parser) return;
  const sx = syntax();
  ops = calibrate();
  parser = sx.NewParser(sx.KeepComments(false), sx.Variant(sx.LangBash));
}

export function operators(): Operators {
  initParser();
  return ops!;
}

export function nodeType(node: ShNode): string {
  return syntax().NodeType(node);
}

export type ParseOutcome = { ok: true; file: Sh.File } | { ok: false; error: string };

/** Parse bash text. Never throws for bad input: the parser's message comes back instead. */
export function parseShell(text: string): ParseOutcome {
  initParser();
  try {
    return { ok: true, file: parser!.Parse(text, '') };
  } catch (e) {
    return { ok: false, error: parseErrorMessage(e) };
  }
}

function parseErrorMessage(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { Error?: unknown }).Error === 'function') {
    return String((e as { Error: () => string }).Error());
  }
  return e instanceof Error ? e.message : String(e);
}

/** Byte offset (Go strings are UTF-8) of a position. */
export function offsetOf(pos: Sh.Pos): number {
  return pos.Offset();
}
