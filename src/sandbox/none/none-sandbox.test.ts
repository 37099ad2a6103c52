import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../testing/services.js';
import { prepareWorkspace } from '../workspace.js';
import { NoneSandbox } from './none-sandbox.js';

/** Processes whose command line carries a marker (to see whether background children survived). */
function withMarker(marker: string): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) n++;
    } catch {
      // Exited meanwhile.
    }
  }
  return n;
}

describe('none sandbox (no isolation, explicit request only)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sb: NoneSandbox;
  beforeAll(() => {
    dir = tempDir('nova-none-');
    mkdirSync(join(dir.path, 'repo', 'sub'), { recursive: true });
    sb = new NoneSandbox(prepareWorkspace(join(dir.path, 'repo'), join(dir.path, 'run')));
  });
  afterAll(() => dir?.cleanup());

  it('runs in the workspace with the run home, not the real one', async () => {
    const r = await sb.exec({ command: 'pwd; echo $HOME', cwd: 'sub', limits: { timeoutMs: 5000 } });
    expect(r.output).toContain(join(sb.workspace, 'sub'));
    expect(r.output).toContain(join(dir.path, 'run', 'home'));
  });

  it('kills background children too when the timeout stops a command', async () => {
    const marker = `nova-none-marker-${process.pid}`;
    const r = await sb.exec({ command: `bash -c 'sleep 120; : ${marker}' & bash -c 'sleep 120; : ${marker}'; wait`, limits: { timeoutMs: 500, killGraceMs: 200 } });
    expect(r.limitHit).toBe('timeout');
    await new Promise((res) => setTimeout(res, 200));
    expect(withMarker(marker)).toBe(0);
  });

  it('applies the file-size limit and stops on abort', async () => {
    const fsz = await sb.exec({ command: 'head -c 3000000 /dev/zero > big', limits: { timeoutMs: 5000, maxFileBytes: 1024 * 1024 } });
    expect(fsz.limitHit).toBe('file-size');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const ab = await sb.exec({ command: 'sleep 30', limits: { timeoutMs: 10_000, killGraceMs: 200 }, signal: ac.signal });
    expect(ab.timedOut).toBe(false);
    expect(ab.limitHit).toBeUndefined();
    expect(ab.durationMs).toBeLessThan(3000);
  });

  it('refuses malformed requests with clear errors', async () => {
    await expect(sb.exec({ command: 'echo \0', limits: { timeoutMs: 1000 } })).rejects.toThrow(/NUL byte/);
    await expect(sb.exec({ command: 'true', env: { 'A=B': 'x' }, limits: { timeoutMs: 1000 } })).rejects.toThrow(/not valid/);
    await expect(sb.exec({ command: 'true', limits: { timeoutMs: -1 } })).rejects.toThrow(/positive number/);
    await expect(sb.exec({ command: 'true', limits: { timeoutMs: 1000, memoryBytes: 1.5 } })).rejects.toThrow(/memoryBytes/);
  });
});
