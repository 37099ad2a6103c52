import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/services.js';
import { prepareWorkspace } from './workspace.js';
import { createSandbox } from './factory.js';
import { provisionToolchain } from './toolchain.js';
import { parseVersion, satisfies, toRange } from './toolchain-versions.js';
import type { Sandbox } from './sandbox.js';

describe('toolchain version reading', () => {
  it('reads versions from --version output', () => {
    expect(parseVersion('v20.20.2')).toBe('20.20.2');
    expect(parseVersion('Python 3.11.2')).toBe('3.11.2');
    expect(parseVersion('go version go1.22.1 linux/amd64')).toBe('1.22.1');
    expect(parseVersion('openjdk version "17.0.2" 2022-01-18')).toBe('17.0.2');
    expect(parseVersion('java version "1.8.0_292"')).toBe('8.0.292');
    expect(parseVersion('nothing here')).toBeUndefined();
  });

  it('reads constraints the way each version file means them', () => {
    expect(toRange('20.11.1', 'major')).toBe('20.x');
    expect(toRange('3.12', 'line')).toBe('~3.12.0');
    expect(toRange('1.22', 'minimum')).toBe('>=1.22.0');
    expect(toRange('>=3.8, <4')).toBe('>=3.8.0 <4.0.0-0');
    expect(toRange('lts/*')).toBeUndefined();
    expect(satisfies('20.20.2', toRange('>=18.17'))).toBe(true);
    expect(satisfies('20.20.2', toRange('18', 'major'))).toBe(false);
    expect(satisfies('1.23.0', toRange('go 1.22', 'minimum'))).toBe(true);
  });
});

// These provision real tools from the npm registry (reachable here), inside bubblewrap.
describe('provisionToolchain (network: npm registry)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sb: Sandbox;
  beforeAll(async () => {
    dir = tempDir('nova-toolchain-');
    mkdirSync(join(dir.path, 'repo'));
    writeFileSync(join(dir.path, 'repo', 'package.json'), JSON.stringify({ name: 'x', packageManager: 'pnpm@9.12.0' }));
    sb = await createSandbox(undefined, prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run')));
  });
  afterAll(() => dir?.cleanup());

  it('provides the pinned pnpm (corepack, or the npm registry when corepack cannot) first on PATH', async () => {
    const t = await provisionToolchain({
      sandbox: sb,
      ecosystems: [{ name: 'node', root: '.', packageManager: 'pnpm', packageManagerVersion: '9.12.0+sha512.abc', languageVersion: '>=18' }],
    });
    expect(t.ok).toBe(true);
    expect(t.tools.find((x) => x.tool === 'pnpm')).toMatchObject({ found: '9.12.0', ok: true });
    expect(t.tools.find((x) => x.tool === 'node')).toMatchObject({ via: 'system', ok: true });
    const r = await sb.exec({ command: 'pnpm --version', limits: { timeoutMs: 30_000 }, pathPrepend: t.pathPrepend, env: t.env });
    expect(r.output.trim()).toBe('9.12.0');
    expect(t.notes.join(' ')).toMatch(/pnpm/);
  }, 120_000);

  it('reports what cannot be had instead of failing silently', async () => {
    const t = await provisionToolchain({
      sandbox: sb,
      ecosystems: [
        { name: 'python', root: '.', packageManager: 'pip', languageVersion: '>=99' },
        { name: 'dotnet', root: '.', packageManager: 'dotnet' },
      ],
    });
    expect(t.notes.join('\n')).toMatch(/python3 .* is installed but the project wants >=99/);
    expect(t.notes.join('\n')).toMatch(/dotnet is not installed here/);
    expect(t.ok).toBe(false);
  }, 60_000);

  it('provides a Node the pinned package manager runs on (pnpm 11 needs >=22.13), from the oldest fitting major', async () => {
    mkdirSync(join(dir.path, 'repo11'));
    writeFileSync(join(dir.path, 'repo11', 'package.json'), JSON.stringify({ name: 'y', packageManager: 'pnpm@11.3.0' }));
    const sb11 = await createSandbox(undefined, prepareWorkspace(join(dir.path, 'repo11'), join(dir.path, 'run11')));
    const t = await provisionToolchain({ sandbox: sb11, ecosystems: [{ name: 'node', root: '.', packageManager: 'pnpm', packageManagerVersion: '11.3.0' }] });
    expect(t.tools.find((x) => x.tool === 'node')).toMatchObject({ via: 'npm-registry', ok: true, found: expect.stringMatching(/^22\./) });
    expect(t.notes.join(' ')).toMatch(/because pnpm 11\.3\.0 needs >=22/);
    const r = await sb11.exec({ command: 'node --version; pnpm --version', limits: { timeoutMs: 30_000 }, pathPrepend: t.pathPrepend, env: t.env });
    await sb11.dispose();
    expect(r.output).toMatch(/^v22\.[\s\S]*^11\.3\.0$/m);
  }, 240_000);

  it('installs the Node line the project asks for from the npm registry when the local one does not fit', async () => {
    const t = await provisionToolchain({ sandbox: sb, ecosystems: [{ name: 'node', root: '.', packageManager: 'npm', languageVersion: '18' }] });
    const node = t.tools.find((x) => x.tool === 'node');
    expect(node).toMatchObject({ via: 'npm-registry', ok: true });
    const r = await sb.exec({ command: 'node --version; npm --version', limits: { timeoutMs: 30_000 }, pathPrepend: t.pathPrepend, env: t.env });
    expect(r.output).toMatch(/^v18\./);
    expect(r.exitCode).toBe(0);
    // node-gyp builds against the headers shipped with that Node, not a nodejs.org download.
    expect(t.env.npm_config_nodedir).toMatch(/node@18\.[^/]+\/node_modules\/node-linux-(x64|arm64)$/);
    const h = await sb.exec({ command: 'test -f "$npm_config_nodedir/include/node/node.h" && echo headers', limits: { timeoutMs: 30_000 }, env: t.env });
    expect(h.output.trim()).toBe('headers');
  }, 180_000);
});
