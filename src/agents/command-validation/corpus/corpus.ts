/** Reads the security corpus files (kept as data so they can grow without code changes). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

function lines(name: string): string[] {
  return readFileSync(here(name), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
}

export function dangerousCorpus(): { expected: 'block' | 'warn'; command: string }[] {
  return lines('dangerous.txt').map((l) => {
    const m = /^(block|warn)\s+(.+)$/.exec(l);
    if (!m) throw new Error(`corpus/dangerous.txt: line without a verdict: ${l}`);
    return { expected: m[1] as 'block' | 'warn', command: m[2]! };
  });
}

export function ordinaryCorpus(): string[] {
  return lines('ordinary.txt');
}
