import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../testing/services.js';
import { appendLine } from './append-line.js';

let allowed: ReturnType<typeof tempDir>;
let outside: ReturnType<typeof tempDir>;
beforeEach(() => { allowed = tempDir('nova-append-'); outside = tempDir('nova-outside-'); });
afterEach(() => { allowed.cleanup(); outside.cleanup(); });

describe('util.append-line', () => {
  it('appends, and with unique skips a line that is already there (idempotent re-run)', () => {
    const f = join(allowed.path, 'log.txt');
    expect(appendLine(f, 'a', { allowedDirs: [allowed.path], unique: true }).appended).toBe(true);
    expect(appendLine(f, 'b', { allowedDirs: [allowed.path], unique: true }).appended).toBe(true);
    expect(appendLine(f, 'a', { allowedDirs: [allowed.path], unique: true }).appended).toBe(false);
    expect(appendLine(f, 'a', { allowedDirs: [allowed.path] }).appended).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('a\nb\na\n');
  });

  it('refuses paths outside the allowed folders, also through .. and symlinked folders', () => {
    const deny = /outside the allowed folders/;
    expect(() => appendLine(join(outside.path, 'x.txt'), 'x', { allowedDirs: [allowed.path] })).toThrow(deny);
    expect(() => appendLine(join(allowed.path, '..', 'x.txt'), 'x', { allowedDirs: [allowed.path] })).toThrow(deny);
    symlinkSync(outside.path, join(allowed.path, 'escape'));
    expect(() => appendLine(join(allowed.path, 'escape', 'x.txt'), 'x', { allowedDirs: [allowed.path] })).toThrow(deny);
  });

  it('refuses to follow a symlinked file, and lines with line breaks', () => {
    const target = join(outside.path, 'secret.txt');
    writeFileSync(target, 'keep\n');
    symlinkSync(target, join(allowed.path, 'link.txt'));
    expect(() => appendLine(join(allowed.path, 'link.txt'), 'x', { allowedDirs: [allowed.path] })).toThrow(/is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('keep\n');
    mkdirSync(join(allowed.path, 'd'));
    expect(() => appendLine(join(allowed.path, 'd', 'f'), 'two\nlines', { allowedDirs: [allowed.path] })).toThrow(/must not contain line breaks/);
  });
});
