import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/in-process/in-process-bus.js';
import type { Message } from '../protocol/message.js';
import { WorkflowEvent } from '../protocol/workflow.js';
import { openStore } from '../store/store.js';
import { UtilityAgent } from '../agents/utility/utility-agent.js';
import { parseDefinition } from './definition.js';
import { busEventPublisher, WORKFLOW_EVENTS_TOPIC } from './events.js';
import { directInvoker } from './invoker.js';
import { LocalWorkflowExecutor } from './local-executor.js';

describe('workflow events on the bus', () => {
  it('publishes every step and run event on the topic workflow.events', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    const bus = new InProcessBus();
    const seen: Message[] = [];
    await bus.subscribe(WORKFLOW_EVENTS_TOPIC, (m) => { seen.push(m); });
    const ex = new LocalWorkflowExecutor({ store, invoker: directInvoker([new UtilityAgent({ allowedDirs: [] })]), onEvent: busEventPublisher(bus) });
    try {
      const runId = await ex.start(parseDefinition({
        name: 'ev',
        steps: [
          { id: 'a', type: 'task', capability: 'util.echo', next: 'b' },
          { id: 'b', type: 'task', capability: 'util.shell', input: { command: 'true' } },
        ],
      }), {});
      expect((await ex.wait(runId)).status).toBe('failed');
      await bus.drain();
      expect(seen.map((m) => m.message_type)).toEqual(['run.started', 'step.started', 'step.succeeded', 'step.started', 'step.failed', 'run.failed']);
      for (const m of seen) expect(WorkflowEvent.parse(m.content).runId).toBe(runId);
      expect((seen[4].content as WorkflowEvent).error?.message).toMatch(/needs input\.cwd/);
    } finally {
      await ex.close();
      await bus.close();
      await store.close();
    }
  });
});
