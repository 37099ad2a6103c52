import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/services.js';
import { prepareWorkspace } from './workspace.js';
import { OutputCapture } from './output-capture.js';

describe('prepareWorkspace', () => {
  let dir: ReturnType<typeof tempDir>;
  let repo: string;
  beforeEach(() => {
    dir = tempDir('nova-ws-');
    repo = join(dir.path, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    mkdirSync(join(repo, 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(join(repo, 'node_modules', 'left-pad', 'index.js'), '');
    writeFileSync(join(repo, 'src', 'index.js'), 'console.log(1)\n');
    writeFileSync(join(repo, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    symlinkSync('/etc/passwd', join(repo, 'escape'));
    symlinkSync('src/index.js', join(repo, 'inner'));
    execFileSync('git', ['init', '-q'], { cwd: repo });
    execFileSync('mkfifo', [join(repo, 'pipe')]);
  });
  afterEach(() => dir.cleanup());

  it('copies the repository with .git, keeps symlinks as symlinks, skips node_modules and special files', () => {
    const r = prepareWorkspace(repo, join(dir.path, 'run'));
    expect(readFileSync(join(r.workspace, 'src', 'index.js'), 'utf8')).toBe('console.log(1)\n');
    expect(existsSync(join(r.workspace, '.git', 'HEAD'))).toBe(true);
    expect(existsSync(join(r.workspace, 'node_modules'))).toBe(false);
    expect(lstatSync(join(r.workspace, 'escape')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(r.workspace, 'escape'))).toBe('/etc/passwd');
    expect(readlinkSync(join(r.workspace, 'inner'))).toBe('src/index.js');
    expect(statSync(join(r.workspace, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(r.skipped).toEqual(['pipe']);
    expect(existsSync(r.home) && existsSync(r.tmp)).toBe(true);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: r.workspace, encoding: 'utf8' })).toContain('src/');
  });

  it('refuses a run folder inside the repository and an existing workspace', () => {
    expect(() => prepareWorkspace(repo, join(repo, 'runs', 'x'))).toThrow(/inside the repository/);
    prepareWorkspace(repo, join(dir.path, 'run'));
    expect(() => prepareWorkspace(repo, join(dir.path, 'run'))).toThrow(/already exists/);
  });

  it('stops at the size limit and leaves nothing half-copied', () => {
    writeFileSync(join(repo, 'big.bin'), Buffer.alloc(64 * 1024));
    expect(() => prepareWorkspace(repo, join(dir.path, 'run'), { maxBytes: 32 * 1024 })).toThrow(/larger than/);
    expect(existsSync(join(dir.path, 'run', 'workspace'))).toBe(false);
  });
});

describe('OutputCapture', () => {
  it('keeps everything under the cap and head plus tail over it', () => {
    const small = new OutputCapture(100);
    small.push(Buffer.from('hello'), 'stdout');
    expect(small.text()).toBe('hello');
    expect(small.truncated).toBe(false);
    const c = new OutputCapture(40);
    for (let i = 0; i < 100; i++) c.push(Buffer.from(`${i};`), 'stdout');
    expect(c.truncated).toBe(true);
    expect(c.text().startsWith('0;1;2;3;4;')).toBe(true);
    expect(c.text().endsWith('97;98;99;')).toBe(true);
    expect(c.text()).toMatch(/\[… \d+ bytes truncated …\]/);
  });

  it('streams UTF-8 split across chunks intact', () => {
    const seen: string[] = [];
    const c = new OutputCapture(100, (t) => seen.push(t));
    const euro = Buffer.from('€');
    c.push(euro.subarray(0, 1), 'stdout');
    c.push(euro.subarray(1), 'stdout');
    c.end();
    expect(seen.join('')).toBe('€');
  });
});
