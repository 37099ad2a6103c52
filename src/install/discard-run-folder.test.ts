import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/services.js';
import { discardRunFolder } from './discard-run-folder.js';

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runFolder(home: string, id: string, files = 200): string {
  const dir = join(home, 'runs', id);
  for (let i = 0; i < files; i++) {
    mkdirSync(join(dir, 'workspace', 'node_modules', `p${i % 20}`), { recursive: true });
    writeFileSync(join(dir, 'workspace', 'node_modules', `p${i % 20}`, `f${i}.js`), 'x');
  }
  return dir;
}

describe('discardRunFolder', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(() => dir?.cleanup());

  it('takes the run folder out of runs/ at once and deletes it in the background, links untouched', async () => {
    dir = tempDir('nova-discard-');
    const home = join(dir.path, 'home');
    const run = runFolder(home, '01RUN');
    // A link the sandbox left in the workspace: rm must delete the link, not what it points at.
    const outside = join(dir.path, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep.txt'), 'keep');
    symlinkSync(outside, join(run, 'workspace', 'link'));

    discardRunFolder(home, run);
    expect(existsSync(run)).toBe(false);
    await until(() => readdirSync(join(home, 'trash')).length === 0);
    expect(existsSync(join(outside, 'keep.txt'))).toBe(true);
  });

  it('leaves alone a recent trash entry (another run is deleting it)', async () => {
    dir = tempDir('nova-discard-');
    const home = join(dir.path, 'home');
    mkdirSync(join(home, 'trash', 'RECENT.2', 'x'), { recursive: true });
    discardRunFolder(home, runFolder(home, '01NEW', 10));
    await until(() => !readdirSync(join(home, 'trash')).some((n) => n.startsWith('01NEW')));
    expect(existsSync(join(home, 'trash', 'RECENT.2'))).toBe(true);
  });

  it('deletes in place when the trash is not a folder of its own', () => {
    dir = tempDir('nova-discard-');
    const home = join(dir.path, 'home');
    const elsewhere = join(dir.path, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(home);
    symlinkSync(elsewhere, join(home, 'trash'));
    const run = runFolder(home, '01RUN', 5);
    discardRunFolder(home, run);
    expect(existsSync(run)).toBe(false);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
