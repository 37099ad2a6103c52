/**
 * JSONata expressions in definitions. A value is an expression when it is a string starting with
 * `=` (`"=input.file"`); `==` starts a literal string with `=`. Compiled expressions are cached by
 * source. Evaluation is bounded (time and recursion depth) so a bad expression fails its step
 * instead of hanging the engine, and results are plain JSON (what can be checkpointed).
 */
import { createRequire } from 'node:module';
import type Jsonata from 'jsonata';
import { NovaError } from '../errors.js';

// Required, not imported: importing this 250 KB CommonJS file from an ES module makes Node scan
// its source for export names first, ≈ 60 ms of every CLI start (require alone: ≈ 10 ms).
const jsonata = createRequire(import.meta.url)('jsonata') as typeof Jsonata;

const cache = new Map<string, Jsonata.Expression>();
const MAX_CACHE = 5000;
/** Wall-clock bound for one evaluation, and JSONata's stack depth bound. */
const LIMITS = { timeout: 2000, stack: 500 };

export class ExpressionError extends NovaError {
  constructor(source: string, message: string, position?: number) {
    super('EXPRESSION', `expression ${JSON.stringify(truncate(source))} failed: ${message}${position !== undefined ? ` (at character ${position})` : ''}`, {
      hint: 'Expressions are JSONata (https://docs.jsonata.org); they see input, steps, item, index, iteration, last, error and $runId, $stepKey.',
    });
    this.name = 'ExpressionError';
  }
}

function truncate(s: string): string {
  return s.length > 120 ? s.slice(0, 117) + '…' : s;
}

export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('=') && !value.startsWith('==');
}

/** Compile (cached); throws ExpressionError on a syntax error. */
export function compileExpression(source: string): Jsonata.Expression {
  let e = cache.get(source);
  if (e) return e;
  try {
    e = jsonata(source, LIMITS);
  } catch (err) {
    const j = err as { message?: string; position?: number };
    throw new ExpressionError(source, j.message ?? String(err), j.position);
  }
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(source, e);
  return e;
}

/** Turn JSONata results (sequences with extra flags, undefined, functions) into plain JSON. */
function toJson(source: string, v: unknown): unknown {
  if (v === undefined) return undefined;
  if (typeof v === 'function') throw new ExpressionError(source, 'result is a function, not a value');
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new ExpressionError(source, `result is ${v}, not a JSON number`);
    return v;
  }
  return JSON.parse(JSON.stringify(v)) as unknown;
}

export async function evaluateExpression(source: string, data: unknown, bindings: Record<string, unknown> = {}): Promise<unknown> {
  const e = compileExpression(source);
  try {
    return toJson(source, await e.evaluate(data, bindings));
  } catch (err) {
    if (err instanceof ExpressionError) throw err;
    const j = err as { message?: string; position?: number };
    throw new ExpressionError(source, j.message ?? String(err), j.position);
  }
}

/** Evaluate every `=expression` inside a JSON value (recursively); literals pass through. */
export async function resolveValue(value: unknown, data: unknown, bindings: Record<string, unknown> = {}): Promise<unknown> {
  if (typeof value === 'string') {
    if (isExpression(value)) return evaluateExpression(value.slice(1), data, bindings);
    return value.startsWith('==') ? value.slice(1) : value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(await resolveValue(v, data, bindings));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = await resolveValue(v, data, bindings);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return value;
}

/** Every expression source inside a JSON value, with its JSON path suffix (for validation). */
export function expressionsIn(value: unknown, path: (string | number)[] = []): { source: string; path: (string | number)[] }[] {
  if (typeof value === 'string' && isExpression(value)) return [{ source: value.slice(1), path }];
  if (Array.isArray(value)) return value.flatMap((v, i) => expressionsIn(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => expressionsIn(v, [...path, k]));
  return [];
}
