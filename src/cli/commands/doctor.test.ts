import { execFile } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderText } from './doctor.js';
import type { DoctorCheck } from './doctor-checks.js';
import { pgSkip, redisSkip, tempDir, TEST_PG_URL, TEST_REDIS_URL } from '../../testing/services.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const home = tempDir('nova-doctor-');
afterAll(() => home.cleanup());

interface Check { name: string; group: string; status: 'ok' | 'missing' | 'error'; detail: string; hint: string | null; required: boolean; durationMs: number }
interface Report { checks: Check[]; summary: { ok: number; missing: number; error: number; ready: boolean; durationMs: number } }

/** Run the real CLI with a clean NovaSystem environment plus `env`. */
function nova(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NOVA_|OPENAI_|OLLAMA_)/.test(k)));
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/nova.js', ...args], { cwd: repoRoot, env: { ...base, NOVA_HOME: home.path, ...env }, timeout: 110_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const byName = (r: Report, name: string) => r.checks.find((c) => c.name === name);

// Each test starts the real CLI (a few seconds alone, much longer while the rest of the suite runs).
describe.concurrent('nova doctor', { timeout: 120_000 }, () => {
  it('reports every check as JSON, with SQLite ok in a fresh NOVA_HOME, and exits 0 when only optional parts are missing', async () => {
    // A generous per-check timeout: the suite may run on a busy machine, where spawning `node --version` can take seconds.
    const json = await nova(['doctor', '--json', '--timeout', '10000']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(['detail', 'durationMs', 'group', 'hint', 'name', 'required', 'status']);
      expect(c.durationMs).toBeGreaterThanOrEqual(0);
      expect(['ok', 'missing', 'error']).toContain(c.status);
      if (c.status !== 'ok') expect(c.hint, `${c.name} says how to fix it`).toBeTruthy();
    }
    const names = report.checks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['config', 'sqlite', 'redis', 'bwrap', 'docker', 'sandbox', 'llm', 'node', 'git', 'python3', 'gcc', 'dotnet']));
    expect(byName(report, 'sqlite')).toMatchObject({ status: 'ok', required: true });
    expect(byName(report, 'sqlite')!.detail).toContain(home.path);
    expect(byName(report, 'redis')!.status).toBe('missing'); // not configured
    expect(byName(report, 'llm')!.status).toBe('missing');
    expect(byName(report, 'node')).toMatchObject({ status: 'ok', detail: process.versions.node });
    expect(report.summary).toMatchObject({ ready: true, ok: report.checks.filter((c) => c.status === 'ok').length });
    expect(report.summary.durationMs).toBeGreaterThan(0);

    // The text form of the same report (rendered in-process: one CLI start less).
    const text = renderText(report.checks as DoctorCheck[], report.summary);
    expect(text).toMatch(/✓ sqlite/);
    expect(text).toMatch(/✗ redis .*not configured/);
    expect(text).toMatch(/→ .*NOVA_REDIS_URL/);
    expect(text).toMatch(/\d+ ok, \d+ missing, \d+ errors/);
  });

  it.skipIf(!!pgSkip || !!redisSkip)('checks configured PostgreSQL and Redis and never prints secrets', async () => {
    const pgUrl = new URL(TEST_PG_URL);
    pgUrl.password = 'hunter2secret'; // trust authentication ignores it
    const r = await nova(['doctor', '--json', '--timeout', '10000'], { NOVA_DATABASE_URL: pgUrl.toString(), NOVA_REDIS_URL: TEST_REDIS_URL, NOVA_LLM: 'openai', NOVA_LLM_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: 'sk-topsecretkey' });
    expect(r.stdout).not.toContain('hunter2secret');
    expect(r.stdout).not.toContain('sk-topsecretkey');
    const report = JSON.parse(r.stdout) as Report;
    expect(byName(report, 'postgresql')).toMatchObject({ status: 'ok' });
    expect(byName(report, 'postgresql')!.detail).toMatch(/\*\*\*@.*PostgreSQL \d+/);
    expect(byName(report, 'redis')!.detail).toMatch(/Redis \d+\.\d+/);
    expect(byName(report, 'llm')).toMatchObject({ status: 'ok' });
    expect(byName(report, 'llm')!.detail).toContain('OPENAI_API_KEY is set');
  });

  it('reports a broken configuration as a failed required check (exit 1), not a crash', async () => {
    const r = await nova(['doctor', '--json'], { NOVA_SANDBOX: 'chroot', NOVA_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(byName(report, 'config')).toMatchObject({ status: 'error', required: true });
    expect(byName(report, 'config')!.detail).toContain('NOVA_SANDBOX="chroot"');
    expect(report.summary.ready).toBe(false);
  });

  it('gives up on a server that accepts connections but never answers, after --timeout', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await nova(['doctor', '--json', '--timeout', '500'], { NOVA_DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none`, NOVA_REDIS_URL: `redis://127.0.0.1:${port}` });
      const report = JSON.parse(r.stdout) as Report;
      expect(byName(report, 'postgresql')).toMatchObject({ status: 'error' });
      expect(r.code).toBe(1); // the store is required
      expect(byName(report, 'postgresql')!.detail).toMatch(/timeout|no answer/i);
      expect(byName(report, 'postgresql')!.hint).toMatch(/NOVA_DATABASE_URL/);
      expect(byName(report, 'redis')).toMatchObject({ status: 'error' });
      expect(byName(report, 'redis')!.detail).toMatch(/no answer within 500 ms/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
