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

async function runSources(why) {
  if (process.env.NOVA_DEBUG) process.stderr.write(`nova: running the TypeScript sources through tsx (${why}; \`npm run build\` makes a current one)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

if (!compiledIsCurrent()) {
  await runSources('no current build in dist/');
} else {
  try {
    await import('../dist/src/cli/main.js');
  } catch (e) {
    // A build with files missing (dist/ partly deleted): the sources still work. Anything else,
    // and a module missing outside dist/, is a real error.
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('/dist/')) throw e;
    await runSources('the build in dist/ is incomplete');
  }
}
