/**
 * Compiles the CLI's TypeScript (src/, tests left out) to plain ES modules in dist/src/, so
 * `node bin/nova.js` starts without transpiling through tsx (≈ 1 s of every run on a busy
 * 2-core machine). Runs on `npm ci`/`npm install` (prepare) and `npm run build`.
 *
 * Transpile only, file by file (as tsx does): type errors are `npm run typecheck`'s business.
 * Data files under src/ are copied beside the modules; package.json and workflows/ are linked
 * into dist/ so paths the modules compute from import.meta.url resolve as from src/.
 * dist/manifest.json records the sources' fingerprint; bin/nova.js falls back to tsx when the
 * sources no longer match it. Without TypeScript (e.g. `npm ci --omit=dev`) nothing is built
 * and the CLI keeps running through tsx.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFiles, sourceFingerprint } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

let ts;
try {
  ts = (await import('typescript')).default;
} catch {
  console.warn('nova build: TypeScript is not installed; the CLI will run its sources through tsx');
  process.exit(0);
}

const t0 = Date.now();
const files = sourceFiles(root);
// The fingerprint is taken before compiling: a file edited meanwhile makes the build stale, not wrong.
const fingerprint = sourceFingerprint(root, files);
rmSync(dist, { recursive: true, force: true });
const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  esModuleInterop: true,
};
for (const f of files) {
  const out = join(dist, f.replace(/\.ts$/, '.js'));
  mkdirSync(dirname(out), { recursive: true });
  if (!f.endsWith('.ts')) {
    copyFileSync(join(root, f), out);
    continue;
  }
  const r = ts.transpileModule(readFileSync(join(root, f), 'utf8'), { fileName: join(root, f), compilerOptions, reportDiagnostics: true });
  const errors = (r.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) {
    // A syntax error: leave no build, so the CLI runs the sources through tsx (and reports it there).
    rmSync(dist, { recursive: true, force: true });
    console.warn(`nova build: ${f}: ${ts.flattenDiagnosticMessageText(errors[0].messageText, '\n')}; not built, the CLI will run its sources through tsx`);
    process.exit(0);
  }
  writeFileSync(out, r.outputText);
}
symlinkSync('../package.json', join(dist, 'package.json'));
symlinkSync('../workflows', join(dist, 'workflows'));
// Last, so an interrupted build has no manifest and is not used.
writeFileSync(join(dist, 'manifest.json'), JSON.stringify({ fingerprint }) + '\n');
console.log(`nova build: ${files.length} files to dist/ in ${Date.now() - t0} ms`);
