import { afterAll, expect, it } from 'vitest';
import { AgentRegistration } from '../../protocol/agent.js';
import { loadConfig } from '../../config.js';
import { NovaError } from '../../errors.js';
import type { Message } from '../../protocol/message.js';
import { tempDir } from '../../testing/services.js';
import { buildFixture } from '../../../test/fixtures/build.js';
import { ECOSYSTEM_FIXTURES } from '../../../test/fixtures/repos.js';
import { PlannerAgent } from './agent.js';
import { RepositoryAnalysisAgent } from '../repository-analysis/agent.js';
import type { Plan } from '../../protocol/plan.js';

const home = tempDir('nova-planner-agent-');
const repo = buildFixture(ECOSYSTEM_FIXTURES.find((f) => f.name === 'python-uv')!);
afterAll(() => { home.cleanup(); repo.cleanup(); });

const msg = (message_type: string, content: Record<string, unknown>): Message => ({
  message_id: 'm1', timestamp: new Date().toISOString(), from_agent: 'tester', to_agent: 'planner', message_type, content, priority: 'normal', requires_response: true,
});

it('the planner and analysis agents register valid capabilities and answer them', async () => {
  const planner = new PlannerAgent(loadConfig({ NOVA_HOME: home.path } as NodeJS.ProcessEnv, home.path));
  const analysis = new RepositoryAnalysisAgent();
  for (const a of [planner, analysis]) expect(AgentRegistration.safeParse(a.registration()).success).toBe(true);
  expect(planner.capabilities.map((c) => c.name)).toEqual(['plan.build']);
  expect(analysis.capabilities.map((c) => c.name)).toEqual(['repo.analyze']);

  const { plan } = (await planner.handle(msg('plan.build', { target: repo.root, probe: false }), {})) as { plan: Plan };
  expect(plan.steps.map((s) => s.command)).toEqual(['uv sync --locked', 'uv run pytest']);
  const a = await analysis.handle(msg('repo.analyze', { root: repo.root }), {});
  expect((a.ecosystems as { packageManager: string }[])[0].packageManager).toBe('uv');
  await expect(planner.handle(msg('plan.build', {}), {})).rejects.toBeInstanceOf(NovaError);
});
