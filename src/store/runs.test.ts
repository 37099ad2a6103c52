import { describe, expect, it } from 'vitest';
import { storeBackends } from '../testing/services.js';
import { capOutput, createRun, finishRun, getRun, listRuns, recordCommand, recordDocuments } from './runs.js';
import { NovaError } from '../errors.js';

describe('capOutput', () => {
  it('keeps short output whole and marks truncation of long output, keeping head and tail', () => {
    expect(capOutput('abc')).toEqual({ text: 'abc', truncated: false });
    const long = 'H'.repeat(1000) + 'x'.repeat(100_000) + 'T'.repeat(1000);
    const c = capOutput(long, 4000);
    expect(c.truncated).toBe(true);
    expect(c.text.startsWith('H'.repeat(1000))).toBe(true);
    expect(c.text.endsWith('T'.repeat(1000))).toBe(true);
    expect(c.text).toMatch(/\[… \d+ characters truncated by NovaSystem …\]/);
  });
});

for (const backend of storeBackends()) {
  describe.skipIf(!!backend.skip)(`run records on ${backend.name}`, () => {
    it('records a run with commands and documents and reads it back by id prefix', async () => {
      const { store, cleanup } = await backend.open();
      try {
        await createRun(store, { runId: '01RUNAAAA', kind: 'install', target: '/tmp/repo' });
        await createRun(store, { runId: '01RUNBBBB', kind: 'plan', target: '/tmp/other' });
        await recordDocuments(store, '01RUNAAAA', [{ path: 'README.md', kind: 'readme', sha256: 'abc', bytes: 10 }]);
        await recordCommand(store, { runId: '01RUNAAAA', stepIndex: 0, attempt: 1, stage: 'install', command: 'npm ci', status: 'failed', exitCode: 1, durationMs: 50, output: 'y'.repeat(200_000) });
        await recordCommand(store, { runId: '01RUNAAAA', stepIndex: 0, attempt: 2, stage: 'install', command: 'npm install', status: 'success', exitCode: 0, durationMs: 70, output: 'ok' });
        await finishRun(store, '01RUNAAAA', 'success', { note: 'done' });
        const run = await getRun(store, '01RUNA');
        expect(run.status).toBe('success');
        expect(run.summary).toEqual({ note: 'done' });
        expect(run.commands.map((c) => [c.attempt, c.command, c.output_truncated])).toEqual([[1, 'npm ci', true], [2, 'npm install', false]]);
        expect(run.documents[0].path).toBe('README.md');
        expect((await listRuns(store, { kind: 'install' })).map((r) => r.runId)).toEqual(['01RUNAAAA']);
        await expect(getRun(store, '01RUN')).rejects.toThrow(/matches several runs/);
        await expect(getRun(store, 'nope')).rejects.toBeInstanceOf(NovaError);
        await expect(getRun(store, "x'; drop table runs; --")).rejects.toThrow(/not a run id/);
      } finally {
        await cleanup();
      }
    });
  });
}
