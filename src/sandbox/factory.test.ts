import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../testing/services.js';
import { prepareWorkspace } from './workspace.js';
import { createSandbox, probeSandboxes } from './factory.js';
import { NovaError } from '../errors.js';

describe('createSandbox / probeSandboxes', () => {
  let dir: ReturnType<typeof tempDir>;
  let paths: ReturnType<typeof prepareWorkspace>;
  beforeAll(() => {
    dir = tempDir('nova-factory-');
    mkdirSync(join(dir.path, 'repo'));
    paths = prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run'));
  });
  afterAll(() => dir?.cleanup());

  it('chooses bubblewrap by default on this Linux machine', async () => {
    const sb = await createSandbox(undefined, paths);
    expect(sb.kind).toBe('bwrap');
    const r = await sb.exec({ command: 'echo ok', limits: { timeoutMs: 10_000 } });
    expect(r.output.trim()).toBe('ok');
  });

  it('warns when running without a sandbox, and only when asked', async () => {
    const warnings: string[] = [];
    const sb = await createSandbox('none', { ...paths, warn: (m) => warnings.push(m) });
    expect(sb.kind).toBe('none');
    expect(warnings.join()).toMatch(/without a sandbox/);
    const r = await sb.exec({ command: 'sleep 30', limits: { timeoutMs: 300, killGraceMs: 200 } });
    expect(r.limitHit).toBe('timeout');
  });

  it('refuses Docker with a clear error when no engine answers', async () => {
    const err = await createSandbox('docker', { ...paths, dockerSocket: join(dir.path, 'none.sock') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).message).toMatch(/no Docker engine reachable/);
    expect((err as NovaError).hint).toMatch(/systemctl start docker|--sandbox none/);
  });

  it('reports every backend for doctor', async () => {
    const infos = await probeSandboxes({ dockerSocket: join(dir.path, 'none.sock') });
    expect(infos.map((i) => i.kind)).toEqual(['bwrap', 'docker', 'none']);
    expect(infos[0].available).toBe(true);
    expect(infos[0].reason).toMatch(/limits via/);
    expect(infos[0].reason).toMatch(/steps with network/);
    expect(infos[1].available).toBe(false);
  });
});
