/**
 * The CLI's source files and their fingerprint (path, size, mtime). The build records it in
 * dist/manifest.json; bin/nova.js runs the compiled copy only while the sources still match it,
 * so an edited, added or deleted source file is never shadowed by a stale build.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under src/ that the CLI may load at run time: modules (not tests) and data files. */
export function sourceFiles(root) {
  return readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !/\.test\.ts$/.test(d.name))
    .map((d) => relative(root, join(d.parentPath ?? d.path, d.name)))
    .sort();
}

/**
 * `path size mtimeMs` per file, one string: equal fingerprints mean the same sources (and the
 * same build script: a changed one may compile differently).
 */
export function sourceFingerprint(root, files = sourceFiles(root)) {
  return [...files, 'scripts/build.mjs'].map((f) => {
    const s = statSync(join(root, f));
    return `${f} ${s.size} ${s.mtimeMs}`;
  }).join('\n');
}
