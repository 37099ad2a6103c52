import { describe, expect, it } from 'vitest';
import { runtimeInvoker, UNBOUNDED_STEP_TIMEOUT_MS, WORKFLOW_ENGINE_ID, type AgentCaller } from './invoker.js';
import type { StepCall } from './executor.js';

describe('runtimeInvoker', () => {
  const calls: { content: Record<string, unknown>; opts: Parameters<AgentCaller['call']>[2] }[] = [];
  const caller: AgentCaller = { call: async (_target, content, opts) => { calls.push({ content, opts }); return { ok: 1 }; } };
  const step = (timeoutMs?: number): StepCall => ({ capability: 'util.echo', input: { a: 1 }, runId: 'r', stepId: 's', idempotencyKey: 'r:s', attempt: 1, timeoutMs, signal: new AbortController().signal });

  it("passes a step's own timeout, and no 60 s cut for a step without one", async () => {
    const invoke = runtimeInvoker(caller, { tenant: 't' });
    await invoke(step(1234));
    await invoke(step());
    expect(calls.map((c) => c.opts?.timeoutMs)).toEqual([1234, UNBOUNDED_STEP_TIMEOUT_MS]);
    expect(calls[0].opts).toMatchObject({ from: WORKFLOW_ENGINE_ID, runId: 'r', tenant: 't' });
  });
});
