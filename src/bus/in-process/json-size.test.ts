import { describe, expect, it } from 'vitest';
import { jsonBytesUpperBound } from './json-size.js';

const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');

describe('jsonBytesUpperBound', () => {
  it('never under-estimates the serialised size of plain JSON data', () => {
    const samples: unknown[] = [
      {}, [], '', 'plain', 'quote " backslash \\ newline \n tab \t', '\u0001\u0002\u001f control', 'é ü 日本語 😀 emoji',
      { a: 1, b: -1.2345678901234567e-300, c: true, d: null, e: [1, 'x', { f: [] }] },
      { 'key with "quotes"': 'v', 日本: '語' },
      [undefined, () => 1, Symbol('s')], { dropped: undefined },
      Object.assign(Object.create(null), { nullProto: 1 }),
      Array.from({ length: 200 }, (_, i) => ({ i, s: 'x'.repeat(i), u: '€'.repeat(i % 7) })),
    ];
    for (const v of samples) {
      const b = jsonBytesUpperBound(v, 10_000_000);
      expect(b, JSON.stringify(v)?.slice(0, 60)).toBeGreaterThanOrEqual(exact(v));
    }
  });

  it('gives up (-1) on what only serialising can judge, and above the limit', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(jsonBytesUpperBound(cyclic, 1e9)).toBe(-1);
    expect(jsonBytesUpperBound({ n: 10n }, 1e9)).toBe(-1);
    expect(jsonBytesUpperBound({ d: new Date() }, 1e9)).toBe(-1);
    expect(jsonBytesUpperBound({ m: new Map() }, 1e9)).toBe(-1);
    expect(jsonBytesUpperBound({ s: 'x'.repeat(1000) }, 1000)).toBe(-1);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(jsonBytesUpperBound(deep, 1e9)).toBe(-1);
  });
});
