#!/usr/bin/env node
// Launcher. Runs the compiled CLI (dist/, built by `npm ci`/`npm run build`) while it matches the
// sources; otherwise — no build, a source edited since, or a command that loads a user's
// TypeScript module (`nova worker --agents-module x.ts`, whose imports of our sources need the
// same module instances) — runs the TypeScript sources through tsx, as `npx nova` always did.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceFingerprint } from '../scripts/sources.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function compiledIsCurrent() {
  if (process.argv.slice(2).some((a) => a === 'worker' || a.startsWith('--agents-module'))) return false;
  try {
    const { fingerprint } = JSON.parse(readFileSync(new URL('../dist/manifest.json', import.meta.url), 'utf8'));
    return fingerprint === sourceFingerprint(root);
  } catch {
    return false;
  }
}

if (compiledIsCurrent()) {
  await import('../dist/src/cli/main.js');
} else {
  if (process.env.NOVA_DEBUG) process.stderr.write('nova: running the TypeScript sources through tsx (no current build in dist/; `npm run build` makes one)\n');
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
