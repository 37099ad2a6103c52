import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/services.js';
import { openStore } from '../../store/store.js';
import { createRun, finishRun, recordCommand } from '../../store/runs.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const home = tempDir('nova-runs-cli-');
const outside = tempDir('nova-runs-outside-');
afterAll(() => { home.cleanup(); outside.cleanup(); });

const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NOVA_|OPENAI_|OLLAMA_)/.test(k))), NOVA_HOME: home.path };

function nova(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/nova.js', ...args], { cwd: repoRoot, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const runsDir = join(home.path, 'runs');
const DAY = 86_400_000;

beforeAll(async () => {
  const store = await openStore({ sqlitePath: join(home.path, 'nova.sqlite') });
  const seed = async (runId: string, days: number, status: string) => {
    await createRun(store, { runId, kind: 'install', target: '/repo' });
    await recordCommand(store, { runId, stepIndex: 0, attempt: 1, stage: 'install', command: 'make', status, exitCode: 0, durationMs: 1, output: '' });
    await finishRun(store, runId, status, {});
    await store.db.updateTable('runs').set({ started_at: new Date(Date.now() - days * DAY).toISOString() }).where('run_id', '=', runId).execute();
  };
  await seed('OLDOK', 20, 'success');
  await seed('OLDFAIL', 20, 'failed');
  await seed('OLDLINK', 20, 'success');
  await seed('NEWOK', 1, 'success');
  await store.close();

  // OLDOK: 1000 + 24 bytes, a read-only folder (as Go's module cache leaves), a link to a file outside
  writeFileSync(join(outside.path, 'precious.txt'), 'keep me');
  mkdirSync(join(runsDir, 'OLDOK', 'workspace', 'ro'), { recursive: true });
  writeFileSync(join(runsDir, 'OLDOK', 'workspace', 'big.bin'), Buffer.alloc(1000));
  writeFileSync(join(runsDir, 'OLDOK', 'workspace', 'ro', 'mod.go'), 'package main // 24 bytes');
  chmodSync(join(runsDir, 'OLDOK', 'workspace', 'ro'), 0o555);
  symlinkSync(join(outside.path, 'precious.txt'), join(runsDir, 'OLDOK', 'workspace', 'link'));
  // OLDLINK: the run's folder is a link to a folder outside NOVA_HOME/runs
  mkdirSync(join(outside.path, 'target'));
  writeFileSync(join(outside.path, 'target', 'file.txt'), 'outside');
  symlinkSync(join(outside.path, 'target'), join(runsDir, 'OLDLINK'));
  for (const id of ['OLDFAIL', 'NEWOK', 'not-a-run']) {
    mkdirSync(join(runsDir, id));
    writeFileSync(join(runsDir, id, 'x'), 'x');
  }
});

describe('nova runs prune', () => {
  it('refuses an age that is not a positive, bounded number of days (exit 2), deleting nothing', async () => {
    const [missing, ...bad] = await Promise.all([['runs', 'prune'], ...['0', '-3', 'abc', '1e9'].map((v) => ['runs', 'prune', '--older-than', v])].map(nova));
    expect(missing!.code).toBe(2);
    expect(missing!.stderr).toMatch(/--older-than/);
    for (const r of bad) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--older-than.*must be a number of days greater than 0 and at most 36500/);
    }
    expect(existsSync(join(runsDir, 'OLDOK'))).toBe(true);
  });

  it('--keep-failed keeps unsuccessful runs; then a plain prune removes the rest, never outside NOVA_HOME/runs', async () => {
    const kept = await nova(['runs', 'prune', '--older-than', '10', '--keep-failed', '--json']);
    expect(kept.code, kept.stderr).toBe(0);
    const k = JSON.parse(kept.stdout);
    expect(k.runIds.sort()).toEqual(['OLDLINK', 'OLDOK']);
    expect(k.deleted).toEqual({ runs: 2, commands: 2, documents: 0, fixOutcomes: 0 });
    expect(k.folders).toEqual({ removed: 2, bytesFreed: 1024 + Buffer.byteLength(join(outside.path, 'precious.txt')) });
    expect(existsSync(join(runsDir, 'OLDOK'))).toBe(false);
    expect(existsSync(join(runsDir, 'OLDLINK'))).toBe(false);
    // the links were removed as links: what they pointed at is untouched
    expect(readFileSync(join(outside.path, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(outside.path, 'target', 'file.txt'), 'utf8')).toBe('outside');
    expect(existsSync(join(runsDir, 'OLDFAIL'))).toBe(true);

    const rest = await nova(['runs', 'prune', '--older-than', '10']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/^removed 1 run that started before .*: 1 command record, 0 document records, 0 fix outcomes; 1 folder, 1 B freed/);
    expect(existsSync(join(runsDir, 'OLDFAIL'))).toBe(false);
    // a newer run and a folder that is no run's are left alone
    expect(existsSync(join(runsDir, 'NEWOK', 'x'))).toBe(true);
    expect(existsSync(join(runsDir, 'not-a-run', 'x'))).toBe(true);
    const list = JSON.parse((await nova(['runs', 'list', '--json'])).stdout);
    expect(list.runs.map((r: { runId: string }) => r.runId)).toEqual(['NEWOK']);
  });
});
