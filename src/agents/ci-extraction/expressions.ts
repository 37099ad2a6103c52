/**
 * A small evaluator for GitHub Actions `${{ }}` expressions, enough to substitute matrix values
 * and to decide `if:` conditions on a Linux runner. Unknown contexts (github.event, steps, needs…)
 * evaluate to UNKNOWN, and logic is three-valued, so `unknown && false` is still false.
 */

export const UNKNOWN = Symbol('unknown');
/**
 * `github.ref` of a push or pull_request run: some branch or pull-request ref, never a tag. It
 * decides tag tests (`startsWith(github.ref, 'refs/tags/')` is false) and nothing else.
 */
export const NOT_TAG_REF = Symbol('not-a-tag-ref');
export type ExprValue = string | number | boolean | null | Record<string, unknown> | unknown[] | typeof UNKNOWN | typeof NOT_TAG_REF;

/** The events we reproduce by default: a conditional step runs when its condition holds for each. */
export const REPRODUCED_EVENTS: readonly string[] = ['push', 'pull_request'];

/**
 * The folder inside the checkout that stands for `runner.workspace` (on GitHub the checkout's
 * parent, e.g. `${{ runner.workspace }}/build` for an out-of-tree build): plan steps cannot leave
 * the checkout, so that work happens in this folder instead.
 */
export const RUNNER_WORKSPACE_DIR = '.runner-workspace';

export interface ExprContext {
  matrix: Record<string, unknown>;
  /** Every value of the job's matrix is known here: a key the chosen entry lacks is null, as on GitHub. */
  matrixKnown?: boolean;
  env: Record<string, string>;
  /** Inputs of a composite action, when expanding one. */
  inputs?: Record<string, string>;
  /** The triggering event, when evaluating for one; unknown otherwise. */
  event?: string;
  /** The events a condition is decided for (default REPRODUCED_EVENTS; empty: the event is unknown). */
  events?: readonly string[];
  /** Relative path from the step's working directory back to the checkout root ('.' at the root). */
  fromCwd?: string;
}

type Tok = { t: 'str' | 'num' | 'id' | 'op' | 'punc'; v: string };

function tokenize(src: string): Tok[] | undefined {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let s = '';
      i++;
      while (i < src.length) {
        if (src[i] === "'" && src[i + 1] === "'") { s += "'"; i += 2; continue; }
        if (src[i] === "'") break;
        s += src[i++];
      }
      if (src[i] !== "'") return undefined;
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) { out.push({ t: 'op', v: two }); i += 2; continue; }
    if ('<>!'.includes(c)) { out.push({ t: 'op', v: c }); i++; continue; }
    if ('(),[]'.includes(c)) { out.push({ t: 'punc', v: c }); i++; continue; }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][\w-]*(\.[\w-]+|\.\*|\[[^\]]*\])*/.exec(src.slice(i));
    if (id) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    return undefined;
  }
  return out;
}

const truthy = (v: ExprValue): boolean | typeof UNKNOWN => (v === UNKNOWN ? UNKNOWN : v === NOT_TAG_REF || (!!v && v !== 0 && v !== ''));

const isTagRef = (v: ExprValue): boolean => typeof v === 'string' && /^refs\/tags(\/|$)/i.test(v);

function lookup(path: string, ctx: ExprContext): ExprValue {
  const parts = path.replace(/\[['"]?([^\]'"]+)['"]?\]/g, '.$1').split('.');
  const [root, ...rest] = parts;
  let cur: unknown;
  if (root === 'matrix') cur = ctx.matrix;
  else if (root === 'env') cur = ctx.env;
  else if (root === 'inputs' && ctx.inputs) cur = ctx.inputs;
  else if (root === 'runner') cur = { os: 'Linux', arch: 'X64', temp: '/tmp', name: 'linux' };
  else if (root === 'github') cur = { ref: NOT_TAG_REF, ref_type: 'branch', ...(ctx.event ? { event_name: ctx.event } : {}) };
  else if (root === 'true') return true;
  else if (root === 'false') return false;
  else if (root === 'null') return null;
  else return UNKNOWN;
  for (const [i, p] of rest.entries()) {
    if (cur && typeof cur === 'object' && p in (cur as Record<string, unknown>)) cur = (cur as Record<string, unknown>)[p];
    else if (root === 'matrix' && i === 0 && ctx.matrixKnown) return null; // `matrix.target` of an entry without one
    else return UNKNOWN;
  }
  if (cur === undefined) return UNKNOWN;
  return cur as ExprValue;
}

function compare(a: ExprValue, b: ExprValue, op: string): ExprValue {
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  if (a === NOT_TAG_REF || b === NOT_TAG_REF) {
    const other = a === NOT_TAG_REF ? b : a;
    if ((op === '==' || op === '!=') && isTagRef(other)) return op === '!=';
    return UNKNOWN;
  }
  const norm = (x: ExprValue) => (typeof x === 'string' ? x.toLowerCase() : x);
  const x = norm(a);
  const y = norm(b);
  // GitHub coerces mismatched types to numbers; strings of digits compare as numbers.
  let nx = typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x) ? Number(x) : x;
  let ny = typeof y === 'string' && /^-?\d+(\.\d+)?$/.test(y) ? Number(y) : y;
  // null and '' both coerce to 0 when compared with the other (`matrix.target != ''` without a target is false).
  if ((nx === null && ny === '') || (nx === '' && ny === null)) { nx = 0; ny = 0; }
  switch (op) {
    case '==': return nx === ny || JSON.stringify(nx) === JSON.stringify(ny);
    case '!=': return !(nx === ny || JSON.stringify(nx) === JSON.stringify(ny));
    case '<': return (nx as number) < (ny as number);
    case '>': return (nx as number) > (ny as number);
    case '<=': return (nx as number) <= (ny as number);
    case '>=': return (nx as number) >= (ny as number);
  }
  return UNKNOWN;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[], private readonly ctx: ExprContext) {}
  done(): boolean { return this.i >= this.toks.length; }
  private peek(): Tok | undefined { return this.toks[this.i]; }
  private eat(v: string): boolean {
    if (this.peek()?.v === v) { this.i++; return true; }
    return false;
  }
  or(): ExprValue {
    let left = this.and();
    while (this.eat('||')) {
      const right = this.and();
      const lt = truthy(left);
      if (lt === true) continue;
      if (lt === false) { left = right; continue; }
      left = truthy(right) === true ? right : UNKNOWN;
    }
    return left;
  }
  private and(): ExprValue {
    let left = this.cmp();
    while (this.eat('&&')) {
      const right = this.cmp();
      const lt = truthy(left);
      if (lt === false) continue;
      if (lt === true) { left = right; continue; }
      left = truthy(right) === false ? false : UNKNOWN;
    }
    return left;
  }
  private cmp(): ExprValue {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t?.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        this.i++;
        left = compare(left, this.unary(), t.v);
      } else return left;
    }
  }
  private unary(): ExprValue {
    if (this.eat('!')) {
      const v = truthy(this.unary());
      return v === UNKNOWN ? UNKNOWN : !v;
    }
    return this.primary();
  }
  private primary(): ExprValue {
    const t = this.toks[this.i++];
    if (!t) throw new Error('unexpected end');
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.v === '(') {
      const v = this.or();
      if (!this.eat(')')) throw new Error('missing )');
      return v;
    }
    if (t.t === 'id') {
      if (this.peek()?.v === '(') {
        this.i++;
        const args: ExprValue[] = [];
        if (!this.eat(')')) {
          do args.push(this.or()); while (this.eat(','));
          if (!this.eat(')')) throw new Error('missing )');
        }
        return this.call(t.v, args);
      }
      return lookup(t.v, this.ctx);
    }
    throw new Error(`unexpected ${t.v}`);
  }
  private call(name: string, args: ExprValue[]): ExprValue {
    const fn = name.toLowerCase();
    if (fn === 'always' || fn === 'success') return true;
    if (fn === 'failure' || fn === 'cancelled') return false;
    if (args.some((a) => a === UNKNOWN)) return UNKNOWN;
    if (args[0] === NOT_TAG_REF && (fn === 'startswith' || fn === 'contains') && /^refs\/tags/i.test(String(args[1]))) return false;
    if (args.some((a) => typeof a === 'symbol')) return UNKNOWN;
    const s = (v: ExprValue) => String(v).toLowerCase();
    if (fn === 'startswith') return s(args[0]).startsWith(s(args[1]));
    if (fn === 'endswith') return s(args[0]).endsWith(s(args[1]));
    if (fn === 'contains') return Array.isArray(args[0]) ? args[0].map((x) => String(x).toLowerCase()).includes(s(args[1])) : s(args[0]).includes(s(args[1]));
    if (fn === 'format') return String(args[0]).replace(/\{(\d+)\}/g, (_, k: string) => String(args[Number(k) + 1] ?? ''));
    if (fn === 'tojson') return JSON.stringify(args[0]);
    if (fn === 'fromjson') {
      try { return JSON.parse(String(args[0])) as ExprValue; } catch { return UNKNOWN; }
    }
    return UNKNOWN;
  }
}

/** Evaluate one expression (the text inside `${{ }}`, or a bare `if:` condition). */
export function evaluate(expr: string, ctx: ExprContext): ExprValue {
  const toks = tokenize(expr);
  if (!toks || toks.length === 0) return UNKNOWN;
  try {
    const p = new Parser(toks, ctx);
    const v = p.or();
    return p.done() ? v : UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}

/**
 * Whether an `if:` condition is true, false or unknown on our Linux runner with the chosen matrix
 * entry, for the events we reproduce (push and pull_request unless the context names others):
 * decided only when all of them agree.
 */
export function conditionHolds(cond: string, ctx: ExprContext): boolean | typeof UNKNOWN {
  const inner = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(cond)?.[1] ?? cond;
  const events = ctx.events ?? REPRODUCED_EVENTS;
  const results: (boolean | typeof UNKNOWN)[] = events.length ? events.map((event) => truthy(evaluate(inner, { ...ctx, event }))) : [truthy(evaluate(inner, { ...ctx, event: undefined }))];
  return results.every((r) => r === results[0]) ? results[0] : UNKNOWN;
}

export interface Substituted {
  text: string;
  /** `secrets.NAME` and `github.token` references: credentials a person must supply. */
  secrets: string[];
  /** Expressions that could not be resolved here. */
  unresolved: string[];
  /** `runner.workspace` was used: it was mapped to RUNNER_WORKSPACE_DIR inside the checkout. */
  runnerWorkspace: boolean;
}

/** Replace `${{ … }}` in a script or value: matrix/env/runner values, secrets as `$NAME`. */
export function substitute(text: string, ctx: ExprContext): Substituted {
  const secrets: string[] = [];
  const unresolved: string[] = [];
  let runnerWorkspace = false;
  const replace = (whole: string, expr: string): string => {
    const secret = /^secrets\.([A-Za-z_][\w]*)$/.exec(expr);
    if (secret) { secrets.push(`secrets.${secret[1]}`); return `$${secret[1]}`; }
    if (/^github\.token$/.test(expr)) { secrets.push('github.token'); return '$GITHUB_TOKEN'; }
    // The checkout, seen from the step's folder; the runner's workspace is the checkout's parent,
    // which a plan cannot reach: it stands for a folder inside the checkout (see RUNNER_WORKSPACE_DIR).
    if (/^github\.workspace$/.test(expr)) return ctx.fromCwd ?? '.';
    if (/^runner\.workspace$/.test(expr)) { runnerWorkspace = true; return ctx.fromCwd && ctx.fromCwd !== '.' ? `${ctx.fromCwd}/${RUNNER_WORKSPACE_DIR}` : RUNNER_WORKSPACE_DIR; }
    const envRef = /^env\.([A-Za-z_]\w*)$/.exec(expr);
    if (envRef && !(envRef[1] in ctx.env)) return `$${envRef[1]}`;
    const v = evaluate(expr, ctx);
    if (v === UNKNOWN || v === null || typeof v === 'object' || typeof v === 'symbol') {
      unresolved.push(whole);
      return whole;
    }
    return String(v);
  };
  // A linear scan (not a lazy regex): unterminated `${{` runs must not cost quadratic time.
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('${{', pos);
    const close = open < 0 ? -1 : text.indexOf('}}', open + 3);
    if (open < 0 || close < 0) { out += text.slice(pos); break; }
    out += text.slice(pos, open) + replace(text.slice(open, close + 2), text.slice(open + 3, close).trim());
    pos = close + 2;
  }
  return { text: out, secrets, unresolved, runnerWorkspace };
}
