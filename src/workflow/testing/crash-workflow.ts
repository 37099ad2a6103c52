/**
 * The workflow the crash test kills: ~70 steps with a sequence, a choice, a parallel group, a
 * fork/join of multi-step branches, a foreach fan-out with a concurrency limit and a bounded loop.
 * Every effect step appends its own step key to `input.file` with util.append-line.
 *
 * Why the effects come out exactly once (the honest version): the engine guarantees that a
 * completed step is never dispatched again and that an in-flight idempotent step is dispatched
 * again after a crash — at-least-once for the in-flight step. The effect steps are therefore
 * declared idempotent AND made idempotent: the line is the step's deterministic key and the append
 * is `unique` (skipped when the file already has that line). A kill between the append and the
 * commit of the step's completion re-runs the step, which finds its line and appends nothing.
 */
import type { WorkflowDefinitionInput } from '../../protocol/workflow.js';

const effect = (id: string, next?: string) => ({
  id, type: 'task' as const, capability: 'util.append-line', idempotent: true,
  input: { file: '=input.file', line: '=$stepKey', unique: true }, ...(next ? { next } : {}),
});
const pause = (id: string, next?: string) => ({
  id, type: 'task' as const, capability: 'util.sleep', idempotent: true, input: { ms: '=input.pauseMs' }, ...(next ? { next } : {}),
});

export function crashWorkflow(): WorkflowDefinitionInput {
  const steps: WorkflowDefinitionInput['steps'] = [];
  // 15 effects in sequence, with a pause after every third.
  for (let i = 0; i < 15; i++) {
    const id = `s${i}`;
    const next = i === 14 ? 'route' : i % 3 === 2 ? `s${i}p` : `s${i + 1}`;
    steps.push(effect(id, next));
    if (i % 3 === 2 && i !== 14) steps.push(pause(`s${i}p`, `s${i + 1}`));
  }
  // Branching: two routes of 4 effects, joining again at the parallel group.
  steps.push({ id: 'route', type: 'choice', choices: [{ when: 'input.route = "a"', next: 'a0' }], default: 'b0' });
  for (const r of ['a', 'b']) for (let i = 0; i < 4; i++) steps.push(effect(`${r}${i}`, i === 3 ? 'group' : `${r}${i + 1}`));
  // Parallel group: four single-step branches.
  steps.push({ id: 'group', type: 'parallel', branches: ['g0', 'g1', 'g2', 'g3'], next: 'fork' });
  for (let i = 0; i < 4; i++) steps.push(effect(`g${i}`));
  // Fork/join: three branches of three effects with a pause, joined on all.
  steps.push({ id: 'fork', type: 'parallel', branches: ['f0a', 'f1a', 'f2a'], join: { first: 3 }, next: 'fan' });
  for (let i = 0; i < 3; i++) {
    steps.push(effect(`f${i}a`, `f${i}p`), pause(`f${i}p`, `f${i}b`), effect(`f${i}b`, `f${i}c`), effect(`f${i}c`));
  }
  // Fan-out over the input list, three at a time.
  steps.push({ id: 'fan', type: 'foreach', items: 'input.items', do: 'item', concurrency: 3, next: 'loop' });
  steps.push(effect('item', 'itemp'), pause('itemp'));
  // Bounded loop.
  steps.push({ id: 'loop', type: 'loop', do: 'round', while: 'iteration < 3', maxIterations: 3, next: 't0' });
  steps.push(effect('round'));
  for (let i = 0; i < 10; i++) steps.push(effect(`t${i}`, i === 9 ? undefined : `t${i + 1}`));
  return {
    name: 'crash-test',
    inputs: [
      { name: 'file', type: 'string', required: true },
      { name: 'route', type: 'string', required: true },
      { name: 'items', type: 'array', required: true },
      { name: 'pauseMs', type: 'integer', required: true },
    ],
    steps,
    output: '{ "done": true }',
  };
}
