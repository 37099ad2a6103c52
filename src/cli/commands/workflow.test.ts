import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/services.js';
import { openStore } from '../../store/store.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const home = tempDir('nova-wf-cli-');
const files = tempDir('nova-wf-files-');
afterAll(() => { home.cleanup(); files.cleanup(); });

// The resume test gets its own NOVA_HOME: `resume --all` must not adopt the other tests' runs.
const resumeHome = tempDir('nova-wf-cli-resume-');
afterAll(() => resumeHome.cleanup());

// Create (migrate) both stores before the CLI processes start together: several processes
// migrating one fresh SQLite file at once race ("table agents already exists").
beforeAll(async () => {
  for (const h of [home.path, resumeHome.path]) await (await openStore({ sqlitePath: join(h, 'nova.sqlite') })).close();
});

const env = (nhome = home.path) => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NOVA_|OPENAI_|OLLAMA_)/.test(k))), NOVA_HOME: nhome });

function nova(args: string[], nhome = home.path): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/nova.js', ...args], { cwd: repoRoot, env: env(nhome), timeout: 110_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function writeWorkflow(name: string, body: unknown): string {
  const p = join(files.path, `${name}.json`);
  writeFileSync(p, JSON.stringify(body));
  return p;
}

// Each test starts the real CLI (a few seconds alone, longer while the rest of the suite runs).
describe.concurrent('nova workflow', { timeout: 120_000 }, () => {
  it('validate: exit 2 and every problem with its JSON path; exit 0 for the bundled examples', async () => {
    const bad = writeWorkflow('bad', {
      name: 'bad',
      steps: [
        { id: 'a', type: 'task', capability: 'util.sleep', input: { ms: 'soon' }, next: 'missing' },
        { id: 'island', type: 'pass' },
        { id: 'x', type: 'task', capability: 'util.nothing' },
      ],
    });
    const r = await nova(['workflow', 'validate', bad, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const out = JSON.parse(r.stdout) as { valid: boolean; issues: { path: string; message: string }[] };
    expect(out.valid).toBe(false);
    expect(out.issues.map((i) => i.path).sort()).toEqual(['$.steps[0].input.ms', '$.steps[0].next', '$.steps[1]', '$.steps[2]', '$.steps[2].capability']);
    const good = await nova(['workflow', 'validate', join(repoRoot, 'workflows/fan-out.json')]);
    expect(good.code, good.stderr + good.stdout).toBe(0);
    expect(good.stdout).toMatch(/valid \(workflow "fan-out", 12 steps\)/);
  });

  it('run → status → list: output as JSON, effects written, refusals reported with exit 1', async () => {
    const journal = join(files.path, 'journal.txt');
    const ok = await nova(['workflow', 'run', 'journal', '-i', `file=${journal}`, '--allow-dir', files.path, '--json']);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    const outcome = JSON.parse(ok.stdout) as { runId: string; status: string };
    expect(outcome.status).toBe('succeeded');
    expect(readFileSync(journal, 'utf8')).toBe(`${outcome.runId} opened\n${outcome.runId} shell said: PERMISSION_DENIED\n${outcome.runId} closed\n`);

    const status = await nova(['workflow', 'status', outcome.runId, '--json', '--events']);
    const view = JSON.parse(status.stdout) as { run: { status: string }; steps: { stepId: string; status: string }[]; events: { type: string }[] };
    expect(view.run.status).toBe('succeeded');
    expect(view.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['open:succeeded', 'shell:failed', 'note:succeeded', 'finish:succeeded', 'close:succeeded']);
    expect(view.events.at(-1)?.type).toBe('run.succeeded');

    // Outside the allowed folders: refused, the run fails with the reason, exit 1.
    const refused = await nova(['workflow', 'run', 'journal', '-i', `file=${join(home.path, 'elsewhere.txt')}`, '--quiet']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/failed — PERMISSION_DENIED: util\.append-line refuses to write .*outside the allowed folders/);

    const list = await nova(['workflow', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { runs: { runId: string }[] }).runs.map((x) => x.runId)).toContain(outcome.runId);
  });

  it('bad input: wrong input type and unknown workflow name exit 2 with a hint', async () => {
    const r = await nova(['workflow', 'run', 'fan-out', '-i', 'items=notjson']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--input items=notjson: expected array/);
    const missing = await nova(['workflow', 'run', 'no-such-flow']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no workflow named "no-such-flow"/);
  });

  it('resume finishes a run whose `nova workflow run` process was killed, without redoing completed steps', async () => {
    const out = join(files.path, 'resume.txt');
    const wf = writeWorkflow('resumable', {
      name: 'resumable',
      steps: [
        { id: 'first', type: 'task', capability: 'util.append-line', input: { file: out, line: 'first' }, next: 'wait' },
        { id: 'wait', type: 'task', capability: 'util.sleep', input: { ms: 1500 }, idempotent: true, next: 'last' },
        { id: 'last', type: 'task', capability: 'util.append-line', input: { file: out, line: 'last' } },
      ],
    });
    const child = spawn(process.execPath, ['bin/nova.js', 'workflow', 'run', wf, '--allow-dir', files.path, '--run-id', 'killed-run'], { cwd: repoRoot, env: env(resumeHome.path) });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('step.started main/wait#1')) { child.kill('SIGKILL'); resolve(); }
      });
      child.once('exit', () => reject(new Error(`run ended before it could be killed: ${stderr}`)));
    });
    await new Promise((r) => child.once('exit', r));
    const resumed = await nova(['workflow', 'resume', 'killed-run', '--allow-dir', files.path, '--json'], resumeHome.path);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: 'killed-run', status: 'succeeded' });
    expect(readFileSync(out, 'utf8')).toBe('first\nlast\n');
    const again = await nova(['workflow', 'resume', '--all', '--json'], resumeHome.path);
    expect(JSON.parse(again.stdout)).toEqual({ runs: [] });
  });

  it('cancel from another process stops a running run (exit 1, status cancelled)', async () => {
    const wf = writeWorkflow('long', { name: 'long', steps: [{ id: 'wait', type: 'task', capability: 'util.sleep', input: { ms: 60000 } }] });
    const child = spawn(process.execPath, ['bin/nova.js', 'workflow', 'run', wf, '--run-id', 'to-cancel'], { cwd: repoRoot, env: env() });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('step.started main/wait#1')) resolve();
      });
      void exited.then((code) => reject(new Error(`the run ended (exit ${code}) before its step started: ${stderr}`)));
    });
    const c = await nova(['workflow', 'cancel', 'to-cancel', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toEqual({ runId: 'to-cancel', status: 'cancelled' });
    // Without the cancel the step would sleep 60 s: a run still going after 30 s missed it.
    const late = new Promise<string>((r) => setTimeout(() => r(`still running 30 s after the cancel: ${stderr}`), 30_000).unref());
    expect(await Promise.race([exited, late])).toBe(1);
    expect(stdout).toMatch(/run to-cancel: cancelled — CANCELLED: cancelled by the user/);
  });
});
