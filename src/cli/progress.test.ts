import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PlanStep } from '../protocol/plan.js';
import { Progress } from './progress.js';

/** A non-terminal stderr whose text the test reads back. */
function capture(): { out: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => { text += c.toString('utf8'); });
  return { out: stream as unknown as NodeJS.WriteStream, text: () => text };
}

const step = (command: string, cwd?: string): PlanStep => ({
  stage: 'install', command, cwd, source: { kind: 'manifest', file: 'package.json' }, confidence: 0.5, verdict: 'allow', reasons: [],
});

describe('Progress', () => {
  it('says which subfolder a step runs in, as the plan does (yargs: `npm install` in helpers/ after the root install)', async () => {
    const { out, text } = capture();
    const p = new Progress(3, false, out);
    p.handle({ type: 'step-start', index: 0, step: step('npm ci'), attempt: 1, command: 'npm ci' });
    p.handle({ type: 'step-end', index: 0, status: 'success', exitCode: 0, durationMs: 1200 });
    p.handle({ type: 'step-start', index: 1, step: step('npm install', 'helpers'), attempt: 1, command: 'npm install' });
    p.handle({ type: 'step-skip', index: 2, step: step('npm run build', 'helpers'), status: 'skipped', reason: 'not run: an earlier install step failed' });
    await new Promise((r) => setImmediate(r));
    const lines = text().split('\n');
    expect(lines).toContain('[1/3] install npm ci');
    expect(lines).toContain('[2/3] install (in helpers) npm install');
    expect(lines).toContain('[3/3] install (in helpers) npm run build');
  });
});
