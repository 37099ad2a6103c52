import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { NovaError } from '../errors.js';
import { tempDir } from '../testing/services.js';
import { resolveTarget } from './target.js';

const home = tempDir('nova-target-home-');
const config = loadConfig({ NOVA_HOME: home.path } as NodeJS.ProcessEnv, home.path);
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

afterAll(() => home.cleanup());

/** A one-commit repository with a package.json, and a bare clone of it (what mirrors keep). */
function repoAndBareClone(name: string): { work: string; bare: string } {
  const work = join(home.path, name);
  mkdirSync(work);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: work, env: GIT_ENV });
  execFileSync('git', ['add', '-A'], { cwd: work, env: GIT_ENV });
  execFileSync('git', ['commit', '-q', '--no-verify', '-m', 'one'], { cwd: work, env: GIT_ENV });
  const bare = join(home.path, `${name}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare], { env: GIT_ENV });
  return { work, bare };
}

async function failure(p: Promise<unknown>): Promise<NovaError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(NovaError);
    return e as NovaError;
  }
  throw new Error('expected a NovaError');
}

describe('resolveTarget with git directories and mistyped addresses', () => {
  it('checks out a bare repository instead of planning its git internals, and follows its new commits', async () => {
    const { work, bare } = repoAndBareClone('bare-one');
    const r = await resolveTarget(bare, config);
    expect(r.kind).toBe('git');
    expect(r.url).toBe(`file://${bare}`);
    expect(JSON.parse(readFileSync(join(r.root, 'package.json'), 'utf8')).name).toBe('bare-one');

    writeFileSync(join(work, 'README.md'), 'new\n');
    execFileSync('git', ['add', '-A'], { cwd: work, env: GIT_ENV });
    execFileSync('git', ['commit', '-q', '--no-verify', '-m', 'two'], { cwd: work, env: GIT_ENV });
    execFileSync('git', ['push', '-q', bare, 'main'], { cwd: work, env: GIT_ENV });
    expect(existsSync(join((await resolveTarget(bare, config)).root, 'README.md'))).toBe(true);
  });

  it("plans the work tree when given a work tree's .git folder", async () => {
    const { work } = repoAndBareClone('dotgit-one');
    expect(await resolveTarget(join(work, '.git'), config)).toEqual({ root: work, kind: 'local' });
  });

  it('names an unsupported URL scheme instead of looking for a folder called "ftp:"', async () => {
    const e = await failure(resolveTarget('ftp://example.com/x/y', config));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('cannot fetch a repository over ftp://: ftp://example.com/x/y');
  });

  it('suggests https:// for a repository address typed without it', async () => {
    const e = await failure(resolveTarget('github.com/sindresorhus/slugify', config));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('looks like a repository address without its scheme');
    expect(e.hint).toBe('For the repository, give its URL: https://github.com/sindresorhus/slugify');
    // A missing relative folder that is not an address keeps the plain message.
    expect((await failure(resolveTarget('no-such-dir/sub', config))).hint).toMatch(/^Give the path of a repository folder/);
  });
});
