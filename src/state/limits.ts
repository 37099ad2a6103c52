/**
 * Bounds on shared state, and the checks that keep values JSON. A run's state lives in one row
 * and is read on every update, so it stays small; big artefacts belong in episodic memory.
 */

export type JsonPathSegment = string | number;

export interface StateLimits {
  /** Serialised size of a whole document (and of one update message). */
  maxDocBytes: number;
  /** Keys one document may hold. */
  maxKeys: number;
  /** Keys one update may touch. */
  maxKeysPerUpdate: number;
  /** Nesting depth of a value (also stops cyclic objects). */
  maxDepth: number;
}

export const DEFAULT_STATE_LIMITS: StateLimits = {
  maxDocBytes: 1024 * 1024,
  maxKeys: 1000,
  maxKeysPerUpdate: 100,
  maxDepth: 32,
};

/** Keys may not hold `*` (it is the pattern wildcard) nor control characters, nor be padded. */
export function keyProblem(key: string): string | undefined {
  if (key.includes('*')) return 'keys may not contain "*" (it is reserved for policy patterns)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'keys may not contain control characters';
  if (key.trim() !== key) return 'keys may not start or end with whitespace';
  if (key.startsWith('.') || key.endsWith('.') || key.includes('..')) return 'keys may not start or end with "." or contain ".."';
  return undefined;
}

/**
 * Problems that make `value` not plain JSON: undefined, functions, bigint, NaN, class instances
 * (a Date would silently come back as a string), or nesting deeper than maxDepth.
 */
export function jsonProblems(value: unknown, path: JsonPathSegment[], maxDepth: number, out: { path: JsonPathSegment[]; message: string }[] = []): { path: JsonPathSegment[]; message: string }[] {
  if (out.length >= 10) return out;
  if (path.length > maxDepth + 2) {
    out.push({ path, message: `is nested more than ${maxDepth} levels deep (or refers to itself)` });
    return out;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return out;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push({ path, message: `${value} is not a JSON number` });
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => jsonProblems(v, [...path, i], maxDepth, out));
    return out;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      out.push({ path, message: `is a ${(value as object).constructor?.name ?? 'class'} instance, not a plain JSON object` });
      return out;
    }
    for (const [k, v] of Object.entries(value)) jsonProblems(v, [...path, k], maxDepth, out);
    return out;
  }
  out.push({ path, message: `a ${typeof value} is not JSON${value === undefined ? ' (use null to delete a key)' : ''}` });
  return out;
}
