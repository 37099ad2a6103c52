/**
 * The wiring from configuration to troubleshooting: installFromPlan builds the provider from
 * NOVA_LLM settings, and the LLM's warnings reach the run's result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import type { Plan } from '../protocol/plan.js';
import { openStore, type Store } from '../store/store.js';
import { listRuns } from '../store/runs.js';
import { installFromPlan } from '../install/install.js';
import { tempDir } from '../testing/services.js';
import { startWireDouble, type WireDouble } from './testing/wire-doubles.js';

describe('installFromPlan with NOVA_LLM configured', () => {
  let dir: { path: string; cleanup: () => void };
  let store: Store;
  let double: WireDouble;
  let answers: string[];
  beforeAll(async () => {
    dir = tempDir('nova-llm-install-');
    store = await openStore({ sqlitePath: join(dir.path, 'nova.sqlite') });
    double = await startWireDouble('ollama', () => ({ content: answers.shift() ?? 'no more answers' }));
  });
  afterAll(async () => {
    await double.close();
    await store.close();
    dir.cleanup();
  });

  function repo(name: string): Plan {
    const root = join(dir.path, name);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'build.sh'), 'test -e .ready && exit 0\necho "zorg: reticulation matrix not primed" >&2\nexit 4\n');
    return { target: root, root, ecosystems: [], warnings: [], steps: [{ stage: 'build', command: 'sh build.sh', source: { kind: 'docs' }, confidence: 1, verdict: 'allow', reasons: [] }] };
  }
  const config = (env: Record<string, string>) => loadConfig({ NOVA_HOME: join(dir.path, 'home'), ...env }, dir.path);

  it('applies the LLM\'s validated fix and reports a malformed answer as a run warning', async () => {
    answers = [JSON.stringify({ explanation: 'The matrix must be primed first.', category: 'configuration', fix: { command: 'touch .ready && sh build.sh', description: 'Prime it, then build.' } })];
    const ok = await installFromPlan({ config: config({ NOVA_LLM: 'ollama', NOVA_LLM_MODEL: 'qwen-test', OLLAMA_HOST: double.url }), store, plan: repo('a'), sandbox: 'none', log: () => {} });
    expect(ok.result.status).toBe('success');
    expect(ok.result.diagnosis[0]).toMatchObject({ pattern: 'llm.suggestion', fixes: [{ applied: true, worked: true }] });

    answers = ['<html>gateway error</html>'];
    const bad = await installFromPlan({ config: config({ NOVA_LLM: 'ollama', NOVA_LLM_MODEL: 'qwen-test', OLLAMA_HOST: double.url }), store, plan: repo('b'), sandbox: 'none', log: () => {} });
    expect(bad.result.status).toBe('failed');
    expect(bad.result.diagnosis[0].pattern).toBe('generic.unknown');
    expect(bad.result.warnings).toEqual(expect.arrayContaining([expect.stringContaining('LLM answer about "sh build.sh" ignored')]));
    expect(double.requests).toHaveLength(2);
  });

  it('refuses incomplete LLM settings before a run is recorded', async () => {
    const before = (await listRuns(store, { limit: 100 })).length;
    await expect(installFromPlan({ config: config({ NOVA_LLM: 'openai', OPENAI_API_KEY: 'sk-x' }), store, plan: repo('c'), sandbox: 'none', log: () => {} }))
      .rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('NOVA_LLM_MODEL') });
    expect((await listRuns(store, { limit: 100 })).length).toBe(before);
  });
});
