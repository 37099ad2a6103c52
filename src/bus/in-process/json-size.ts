/**
 * A cheap upper bound of the UTF-8 size of JSON.stringify(value), so the bus can accept ordinary
 * messages without serialising them (serialising was a third of the cost of a send). Returns -1 when
 * only serialising can tell: exotic values (BigInt, class instances, toJSON), deep nesting (or a
 * cycle), or a bound above `limit`.
 */
const MAX_DEPTH = 32;

export function jsonBytesUpperBound(value: unknown, limit: number): number {
  return bound(value, limit, 0);
}

function bound(v: unknown, limit: number, depth: number): number {
  switch (typeof v) {
    case 'string':
      return v.length * 6 + 2; // every UTF-16 unit at worst "\uXXXX"
    case 'number':
      return 24;
    case 'boolean':
      return 5;
    case 'undefined':
    case 'function':
    case 'symbol':
      return 4; // dropped, or null inside arrays
    case 'object': {
      if (v === null) return 4;
      if (depth >= MAX_DEPTH) return -1;
      let total = 2;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const n = bound(v[i], limit, depth + 1);
          if (n < 0) return -1;
          total += n + 1;
          if (total > limit) return -1;
        }
        return total;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return -1;
      const o = v as Record<string, unknown>;
      for (const k in o) {
        const n = bound(o[k], limit, depth + 1);
        if (n < 0) return -1;
        total += k.length * 6 + 4 + n;
        if (total > limit) return -1;
      }
      return total;
    }
    default:
      return -1; // bigint
  }
}
