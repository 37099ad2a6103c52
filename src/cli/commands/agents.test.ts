import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRegistrations, renderTable } from './agents.js';
import { loadConfig } from '../../config.js';
import { tempDir } from '../../testing/services.js';
import { ReaderAgent } from '../../agents/test-agents.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const home = tempDir('nova-agents-');
afterAll(() => home.cleanup());

function nova(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NOVA_|OPENAI_|OLLAMA_)/.test(k)));
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/nova.js', ...args], { cwd: repoRoot, env: { ...base, NOVA_HOME: home.path }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('nova agents list', () => {
  it('prints the validated registrations of every built-in agent as a JSON array', async () => {
    const r = await nova(['agents', 'list', '--json']);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as unknown[];
    expect(Array.isArray(printed)).toBe(true);
    const expected = await builtinRegistrations(loadConfig({ NOVA_HOME: home.path }, repoRoot));
    expect(printed).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('renders a table with one line per capability', async () => {
    const reg = new ReaderAgent('reader').registration();
    const text = renderTable([{ ...reg, models: [], permissions: [] }]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^AGENT\s+VERSION\s+CAPABILITY\s+PARAMETERS\s+PERMISSIONS$/);
    expect(lines[1]).toMatch(/^reader\s+1\.0\.0\s+file\.read\s+path: string, max_bytes\?: integer, encoding\?: string\s+repo\.read$/);
    expect(lines[2]).toMatch(/^\s+echo$/);
    expect(renderTable([])).toBe('No built-in agents.');
    const many = { ...reg, agent_id: 'wide', capabilities: [{ name: 'big', description: 'd', required_permissions: ['p'], parameters: Array.from({ length: 8 }, (_, i) => ({ name: `parameter_${i}`, type: 'string' as const, required: true })) }] };
    const wrapped = renderTable([{ ...many, models: [], permissions: [] }]).split('\n');
    expect(wrapped.length).toBeGreaterThan(2); // long parameter lists wrap onto continuation lines
    expect(wrapped[1]).toMatch(/^wide .* parameter_0: string, .*,\s+p$/);
    expect(wrapped.slice(2).every((l) => /^\s+parameter_/.test(l))).toBe(true);
    expect(wrapped.join(' ').match(/parameter_\d/g)).toHaveLength(8);
  });
});
