import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/services.js';
import { removeRunFolders } from './run-folders.js';

describe('removeRunFolders', () => {
  const dirs: { cleanup: () => void }[] = [];
  const dir = (p: string) => { const d = tempDir(p); dirs.push(d); return d.path; };
  afterEach(() => { for (const d of dirs.splice(0)) d.cleanup(); });

  it('removes nothing when NOVA_HOME/runs is a link to elsewhere', () => {
    const home = dir('nova-rf-home-');
    const elsewhere = dir('nova-rf-else-');
    mkdirSync(join(elsewhere, 'R1'));
    writeFileSync(join(elsewhere, 'R1', 'f'), 'x');
    symlinkSync(elsewhere, join(home, 'runs'));
    const r = removeRunFolders(home, ['R1']);
    expect(r.removed).toBe(0);
    expect(r.failed).toEqual([{ runId: 'R1', reason: expect.stringContaining('not a folder') }]);
    expect(existsSync(join(elsewhere, 'R1', 'f'))).toBe(true);
  });

  it('touches only names that are run ids, never a path that leaves NOVA_HOME/runs', () => {
    const home = dir('nova-rf-home-');
    mkdirSync(join(home, 'runs', 'R2'), { recursive: true });
    writeFileSync(join(home, 'keep.txt'), 'x');
    const r = removeRunFolders(home, ['..', '../keep.txt', 'R2/..', 'MISSING', 'R2']);
    expect(r.removed).toBe(1);
    expect(r.failed.map((f) => f.runId)).toEqual(['..', '../keep.txt', 'R2/..']);
    expect(existsSync(join(home, 'keep.txt'))).toBe(true);
    expect(existsSync(join(home, 'runs'))).toBe(true);
    expect(removeRunFolders(dir('nova-rf-empty-'), ['R3'])).toEqual({ removed: 0, bytesFreed: 0, failed: [] });
  });
});
