/**
 * bin/nova.js runs the compiled CLI (dist/, from scripts/build.mjs) only while it matches the
 * sources, and the TypeScript sources through tsx otherwise. Checked on a copy of the project
 * (its own dist/, node_modules linked): the compiled CLI answers like the sources do, an edited
 * or added source file makes the launcher fall back at once, and so does a command that loads a
 * user's TypeScript module.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../src/testing/services.js';

const dir = tempDir('nova-launcher-');
const root = join(dir.path, 'nova');
const FALLBACK = /running the TypeScript sources through tsx/;

interface Result { code: number | null; stdout: string; stderr: string }

function run(file: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, {
      cwd: root, encoding: 'utf8', timeout: 120_000,
      env: { PATH: process.env.PATH ?? '', HOME: dir.path, NOVA_HOME: join(dir.path, 'home'), NOVA_DEBUG: '1' },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
}

const nova = (...args: string[]) => run(process.execPath, [join(root, 'bin/nova.js'), ...args]);

beforeAll(async () => {
  for (const p of ['bin', 'scripts', 'src', 'workflows', 'package.json']) cpSync(join(process.cwd(), p), join(root, p), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(process.cwd(), 'node_modules'), join(root, 'node_modules'));
  const built = await run(process.execPath, [join(root, 'scripts/build.mjs')]);
  expect(built.code, built.stderr).toBe(0);
}, 180_000);
afterAll(() => dir.cleanup());

describe('bin/nova.js', () => {
  it('runs the compiled CLI while it matches the sources, with the same answers', async () => {
    expect(existsSync(join(root, 'dist/src/cli/main.js'))).toBe(true);
    const compiled = await nova('schema', 'plan', '--json');
    expect(compiled.code).toBe(0);
    expect(compiled.stderr).not.toMatch(FALLBACK);
    const version = await nova('--version', '--json');
    expect(JSON.parse(version.stdout)).toEqual({ version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version });
    // The same command through the sources (a user's module path forces them) prints the same.
    const sources = await run(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'schema', 'plan', '--json']);
    expect(sources.code).toBe(0);
    expect(compiled.stdout).toBe(sources.stdout);
  }, 120_000);

  it('falls back to tsx for `worker` (a user module may import the sources)', async () => {
    const r = await nova('worker', '--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(FALLBACK);
  }, 120_000);

  it('falls back to tsx as soon as a source file or the build script changes, or a source is added', async () => {
    const file = join(root, 'src/cli/commands/schema.ts');
    appendFileSync(file, '\n// edited\n');
    const edited = await nova('--version');
    expect(edited.code).toBe(0);
    expect(edited.stderr).toMatch(FALLBACK);

    const rebuild = async () => {
      const built = await run(process.execPath, [join(root, 'scripts/build.mjs')]);
      expect(built.code).toBe(0);
      expect((await nova('--version')).stderr).not.toMatch(FALLBACK);
    };
    await rebuild();
    // A changed build script may compile differently.
    appendFileSync(join(root, 'scripts/build.mjs'), '\n// edited\n');
    expect((await nova('--version')).stderr).toMatch(FALLBACK);
    await rebuild();

    writeFileSync(join(root, 'src/cli/new-module.ts'), 'export const x = 1;\n');
    expect((await nova('--version')).stderr).toMatch(FALLBACK);
  }, 180_000);

  it('falls back to tsx when the build has files missing, instead of failing with a module error', async () => {
    const built = await run(process.execPath, [join(root, 'scripts/build.mjs')]);
    expect(built.code).toBe(0);
    rmSync(join(root, 'dist/src/cli/output.js'));
    const r = await nova('--version', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the build in dist\/ is incomplete/);
    expect(JSON.parse(r.stdout)).toHaveProperty('version');
  }, 180_000);
});
