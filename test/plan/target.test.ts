import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { NovaError } from '../../src/errors.js';
import { isGitUrl, resolveTarget, workspaceName } from '../../src/repo/target.js';
import { tempDir } from '../../src/testing/services.js';
import { buildFixture } from '../fixtures/build.js';
import { ECOSYSTEM_FIXTURES } from '../fixtures/repos.js';

const home = tempDir('nova-target-home-');
const config = loadConfig({ NOVA_HOME: home.path } as NodeJS.ProcessEnv, home.path);
const repo = buildFixture(ECOSYSTEM_FIXTURES.find((f) => f.name === 'go-module')!);

afterAll(() => { home.cleanup(); repo.cleanup(); });

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

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

describe('resolveTarget', () => {
  it('uses a local folder in place', async () => {
    expect(await resolveTarget(repo.root, config)).toEqual({ root: repo.root, kind: 'local' });
  });
  it('missing paths, files and empty targets are clear errors with exit code 2', async () => {
    const missing = await failure(resolveTarget(join(repo.root, 'nope'), config));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('no such folder');
    expect(missing.exitCode).toBe(2);
    const file = await failure(resolveTarget(join(repo.root, 'go.mod'), config));
    expect(file.message).toMatch(/is a file, not a repository folder/);
    expect((await failure(resolveTarget('  ', config))).code).toBe('BAD_INPUT');
  });
  // Reason for the skip: root reads every folder whatever its mode, so the case cannot occur as root.
  it.skipIf(process.getuid?.() === 0)('an unreadable folder is a clear error (skipped as root: root can read any folder)', async () => {
    const locked = join(home.path, 'locked');
    mkdirSync(locked, { mode: 0o000 });
    try {
      const e = await failure(resolveTarget(locked, config));
      expect(e.code).toBe('PERMISSION_DENIED');
      expect(e.exitCode).toBe(2);
    } finally {
      chmodSync(locked, 0o755);
    }
  });
  it('refuses targets that git would read as options, and remote helpers', async () => {
    const opt = await failure(resolveTarget('--upload-pack=touch /tmp/pwned', config));
    expect(opt.message).toMatch(/starts with "-"/);
    expect((await failure(resolveTarget('ext::sh -c touch% /tmp/pwned', config))).code).toBe('BAD_INPUT');
    expect(existsSync('/tmp/pwned')).toBe(false);
  });
  it('recognises git URL forms', () => {
    for (const u of ['https://github.com/a/b.git', 'ssh://git@host/a/b', 'git@github.com:a/b.git', 'file:///tmp/x', 'git://host/x']) expect(isGitUrl(u)).toBe(true);
    for (const p of ['./repo', '/abs/path', 'C:\\x', 'relative/dir']) expect(isGitUrl(p)).toBe(false);
    expect(workspaceName('https://github.com/a/b.git')).toMatch(/^github\.com-a-b-[0-9a-f]{10}$/);
    expect(workspaceName('git@host:../../etc.git')).not.toContain('/');
  });
  it('clones a file:// URL shallowly into NOVA_HOME/workspaces and reuses it', async () => {
    const url = `file://${repo.root}`;
    const r = await resolveTarget(url, config);
    expect(r.kind).toBe('git');
    expect(r.url).toBe(url);
    expect(r.root.startsWith(join(home.path, 'workspaces'))).toBe(true);
    expect(existsSync(join(r.root, 'go.mod'))).toBe(true);
    expect(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: r.root, encoding: 'utf8' }).trim()).toBe('1');
    expect((await resolveTarget(url, config)).root).toBe(r.root);
    expect(readdirSync(join(home.path, 'workspaces')).filter((n) => n.includes('.partial-'))).toEqual([]);
  });
  it('a URL that is not a repository fails with git\'s own message and leaves nothing behind', async () => {
    const notRepo = join(home.path, 'not-a-repo');
    mkdirSync(notRepo);
    writeFileSync(join(notRepo, 'x'), 'y');
    const e = await failure(resolveTarget(`file://${notRepo}`, config));
    expect(e.message).toMatch(/could not clone .*not-a-repo.*(does not appear to be a git repository|not a git repository|Could not read)/i);
    expect(e.exitCode).toBe(2);
    expect(readdirSync(join(home.path, 'workspaces')).filter((n) => n.includes('not-a-repo'))).toEqual([]);
  });
  it('an unreachable host fails without prompting for credentials', async () => {
    const e = await failure(resolveTarget('https://127.0.0.1:9/none/repo.git', config, { timeoutMs: 20_000 }));
    expect(e.message).toMatch(/could not clone/);
  });
});

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
