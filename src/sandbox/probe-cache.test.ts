import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/services.js';
import { prepareWorkspace } from './workspace.js';
import { createSandbox } from './factory.js';
import { provisionToolchain } from './toolchain.js';
import { ProbeCache, commandIdentity } from './probe-cache.js';
import type { ExecRequest, Sandbox } from './sandbox.js';

function tool(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  // Written beside and renamed over, as package managers and dpkg replace files.
  writeFileSync(join(dir, `.${name}.new`), `#!/bin/sh\necho ${text}\n`);
  chmodSync(join(dir, `.${name}.new`), 0o755);
  renameSync(join(dir, `.${name}.new`), join(dir, name));
}

describe('ProbeCache', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    dir = tempDir('nova-probe-cache-');
  });
  afterAll(() => dir?.cleanup());

  it('reuses a version only while the command resolves to the same file, for a day', () => {
    const a = join(dir.path, 'a');
    const b = join(dir.path, 'b');
    const path = `${a}:${b}`;
    tool(b, 'fake', 'fake 1.0.0');
    let now = 1_000_000;
    const cache = new ProbeCache(join(dir.path, 'cache', 'probes.json'), 'bwrap', path, () => now);
    const cmds = [{ tool: 'fake', cmd: 'fake --version' }, { tool: 'absent', cmd: 'absent --version' }];
    expect(cache.lookup(cmds)).toBeUndefined();
    cache.store(cmds, new Map([['fake', '1.0.0'], ['absent', undefined]]));
    expect(cache.lookup(cmds)).toEqual(new Map([['fake', '1.0.0'], ['absent', undefined]]));
    // Another sandbox kind or PATH is another key.
    expect(new ProbeCache(join(dir.path, 'cache', 'probes.json'), 'none', path, () => now).lookup(cmds)).toBeUndefined();

    tool(b, 'fake', 'fake 2.0.0'); // upgraded in place
    expect(cache.lookup(cmds)).toBeUndefined();
    cache.store(cmds, new Map([['fake', '2.0.0'], ['absent', undefined]]));
    expect(cache.lookup(cmds)?.get('fake')).toBe('2.0.0');

    tool(a, 'fake', 'fake 3.0.0'); // a newer one earlier on PATH
    expect(cache.lookup(cmds)).toBeUndefined();
    rmSync(join(a, 'fake'));
    expect(cache.lookup(cmds)?.get('fake')).toBe('2.0.0');

    tool(b, 'absent', 'absent 1.0.0'); // a tool that was missing got installed
    expect(cache.lookup(cmds)).toBeUndefined();
    rmSync(join(b, 'absent'));
    expect(cache.lookup(cmds)?.get('fake')).toBe('2.0.0');

    now += 25 * 3600_000;
    expect(cache.lookup(cmds)).toBeUndefined();
  });

  it('does not remember a tool that is there but printed no version', () => {
    const bin = join(dir.path, 'c');
    tool(bin, 'flaky', 'no version here');
    const cache = new ProbeCache(join(dir.path, 'flaky.json'), 'bwrap', bin);
    const cmds = [{ tool: 'flaky', cmd: 'flaky --version' }];
    cache.store(cmds, new Map([['flaky', undefined]]));
    expect(cache.lookup(cmds)).toBeUndefined();
  });

  it('names a command by the file it resolves to', () => {
    const bin = join(dir.path, 'd');
    tool(bin, 'x', 'x');
    expect(commandIdentity('x', bin)).toMatch(new RegExp(`^${join(bin, 'x')} -> ${join(bin, 'x')} \\d+ `));
    expect(commandIdentity('y', bin)).toBe('missing');
    expect(commandIdentity('x', `relative:${bin}`)).toMatch(/^\//);
    mkdirSync(join(bin, 'dir'));
    expect(commandIdentity('dir', bin)).toBe('missing');
  });
});

describe('provisionToolchain with a probe cache (bubblewrap)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sb: Sandbox;
  let execs: string[];
  beforeAll(async () => {
    dir = tempDir('nova-probe-cache-run-');
    mkdirSync(join(dir.path, 'repo'));
    writeFileSync(join(dir.path, 'repo', 'package.json'), JSON.stringify({ name: 'x' }));
    const real = await createSandbox(undefined, prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run')));
    execs = [];
    sb = Object.assign(Object.create(real) as Sandbox, { exec: (req: ExecRequest) => (execs.push(req.command), real.exec(req)) });
  });
  afterAll(async () => {
    await sb?.dispose();
    dir?.cleanup();
  });

  it('probes once, then answers from the cache until the cache no longer matches', async () => {
    const file = join(dir.path, 'cache', 'toolchain-probes.json');
    const ecosystems = [{ name: 'node' as const, root: '.', packageManager: 'npm', languageVersion: '>=18' }];
    const first = await provisionToolchain({ sandbox: sb, ecosystems, probeCacheFile: file });
    expect(execs).toHaveLength(1);
    expect(first.tools.find((t) => t.tool === 'node')).toMatchObject({ found: process.versions.node, via: 'system', ok: true });
    const npm = first.tools.find((t) => t.tool === 'npm')?.found;
    expect(npm).toMatch(/^\d+\.\d+\.\d+$/);

    const second = await provisionToolchain({ sandbox: sb, ecosystems, probeCacheFile: file });
    expect(execs).toHaveLength(1);
    expect(second.tools).toEqual(first.tools);

    // An entry whose file identity no longer matches is probed again.
    const data = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, { key: string }> };
    data.entries['npm --version'].key += ' changed';
    writeFileSync(file, JSON.stringify(data));
    const third = await provisionToolchain({ sandbox: sb, ecosystems, probeCacheFile: file });
    expect(execs).toHaveLength(2);
    expect(third.tools).toEqual(first.tools);
  }, 60_000);
});
