import { beforeAll, describe, expect, it } from 'vitest';
import { initValidator, validateCommand } from './index.js';
import { dangerousCorpus, ordinaryCorpus } from './corpus/corpus.js';

const ctx = { workspace: '/work/repo' };
const dangerous = dangerousCorpus();
const ordinary = ordinaryCorpus();

beforeAll(async () => { await initValidator(); });

describe('security corpus: dangerous commands', () => {
  it('has at least 60 entries, most of them blocked', () => {
    expect(dangerous.length).toBeGreaterThanOrEqual(60);
    expect(dangerous.filter((d) => d.expected === 'block').length).toBeGreaterThanOrEqual(60);
  });

  it.each(dangerous.map((d) => [d.expected, d.command] as const))('%s: %s', (expected, command) => {
    const v = validateCommand(command, ctx);
    expect(v.verdict, `reasons: ${v.reasons.join(' | ')}`).toBe(expected);
    expect(v.reasons.length).toBeGreaterThan(0);
  });
});

describe('security corpus: ordinary commands', () => {
  const results = ordinary.map((command) => ({ command, v: validateCommand(command, ctx) }));

  it('has at least 200 commands', () => {
    expect(ordinary.length).toBeGreaterThanOrEqual(200);
  });

  it.each(results.map((r) => [r.command, r.v] as const))('not blocked: %s', (_command, v) => {
    expect(v.verdict, v.reasons.join(' | ')).not.toBe('block');
    expect(v.parseError).toBeUndefined();
  });

  it('warns about at most 2% of them', () => {
    const warned = results.filter((r) => r.v.verdict === 'warn').map((r) => `${r.command}: ${r.v.reasons.join('; ')}`);
    expect(warned.length / ordinary.length, warned.join('\n')).toBeLessThanOrEqual(0.02);
  });
});
