/**
 * Static checks of a workflow definition beyond its JSON Schema, each reported with a JSON path:
 * duplicate ids, unknown step references, steps shared between threads (edges may not leave a
 * branch/iteration/compensation), unreachable steps, cycles without a `maxVisits` bound,
 * impossible joins, expression syntax errors, and — given a capability catalog — unknown agents
 * and capabilities, missing required parameters, unknown parameters and literal values of the
 * wrong type.
 */
import { ValidationError } from '../errors.js';
import type { Capability } from '../protocol/agent.js';
import { jsonPath, zodIssues } from '../protocol/validate.js';
import { WorkflowDefinition, type WorkflowStep } from '../protocol/workflow.js';
import { compileExpression, expressionsIn, isExpression } from './expressions.js';
import { hasType, jsonTypeOf } from './run-input.js';

export interface Issue { path: string; message: string }

/** Agents and their capabilities, to check task steps against (omit to skip those checks). */
export interface CapabilityCatalog {
  agents: { agentId: string; capabilities: Capability[] }[];
}

type Path = (string | number)[];

/** Edges that stay inside the step's thread. */
function threadEdges(s: WorkflowStep): { to: string; path: Path }[] {
  const out: { to: string; path: Path }[] = [];
  if ('next' in s && s.next) out.push({ to: s.next, path: ['next'] });
  if (s.type === 'choice') {
    s.choices.forEach((c, i) => out.push({ to: c.next, path: ['choices', i, 'next'] }));
    if (s.default) out.push({ to: s.default, path: ['default'] });
  }
  if ('onError' in s && s.onError?.goto) out.push({ to: s.onError.goto, path: ['onError', 'goto'] });
  return out;
}

/** Entry points of threads a step starts. */
function childEntries(s: WorkflowStep): { to: string; path: Path; scope: string }[] {
  const out: { to: string; path: Path; scope: string }[] = [];
  if (s.type === 'parallel') s.branches.forEach((b, i) => out.push({ to: b, path: ['branches', i], scope: `branch ${i} of "${s.id}"` }));
  if (s.type === 'foreach' || s.type === 'loop') out.push({ to: s.do, path: ['do'], scope: `the body of "${s.id}"` });
  if ('onError' in s && s.onError?.compensate) out.push({ to: s.onError.compensate, path: ['onError', 'compensate'], scope: `compensation "${s.onError.compensate}"` });
  return out;
}

export function validateDefinition(def: WorkflowDefinition, catalog?: CapabilityCatalog): Issue[] {
  const issues: Issue[] = [];
  const at = (i: number, rest: Path = []) => jsonPath(['steps', i, ...rest]);
  const pos = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (pos.has(s.id)) issues.push({ path: at(i, ['id']), message: `duplicate step id "${s.id}" (also at ${at(pos.get(s.id)!)})` });
    else pos.set(s.id, i);
  });
  const byId = new Map(def.steps.map((s) => [s.id, s] as const));
  const known = (id: string) => byId.has(id);
  const suggest = (id: string) => `unknown step "${id}"${pos.size ? ` (steps: ${[...pos.keys()].slice(0, 12).join(', ')}${pos.size > 12 ? ', …' : ''})` : ''}`;

  const start = def.start ?? def.steps[0].id;
  if (!known(start)) issues.push({ path: '$.start', message: suggest(start) });

  // References.
  def.steps.forEach((s, i) => {
    for (const e of [...threadEdges(s), ...childEntries(s)]) if (!known(e.to)) issues.push({ path: at(i, e.path), message: suggest(e.to) });
    if (s.type === 'parallel') {
      const seen = new Set<string>();
      s.branches.forEach((b, j) => {
        if (seen.has(b)) issues.push({ path: at(i, ['branches', j]), message: `branch entry "${b}" is listed twice` });
        seen.add(b);
      });
      if (s.join !== 'all' && s.join.first > s.branches.length) issues.push({ path: at(i, ['join', 'first']), message: `joins on the first ${s.join.first} branches but has only ${s.branches.length}` });
    }
  });

  // Thread scopes and reachability: every step belongs to exactly one thread scope.
  const scopeOf = new Map<string, string>();
  const queue: { entry: string; scope: string }[] = known(start) ? [{ entry: start, scope: 'the main thread' }] : [];
  const scopeMembers = new Map<string, string[]>();
  while (queue.length) {
    const { entry, scope } = queue.shift()!;
    if (scopeMembers.has(scope)) continue;
    const members: string[] = [];
    scopeMembers.set(scope, members);
    const stack = [entry];
    while (stack.length) {
      const id = stack.pop()!;
      const s = byId.get(id);
      if (!s) continue;
      const prev = scopeOf.get(id);
      if (prev !== undefined) {
        if (prev !== scope) issues.push({ path: at(pos.get(id)!), message: `step "${id}" is reached from both ${prev} and ${scope}; a step belongs to one thread (give each its own copy)` });
        continue;
      }
      scopeOf.set(id, scope);
      members.push(id);
      for (const e of threadEdges(s)) stack.push(e.to);
      for (const c of childEntries(s)) queue.push({ entry: c.to, scope: c.scope });
    }
  }
  def.steps.forEach((s, i) => {
    if (!scopeOf.has(s.id) && pos.get(s.id) === i) issues.push({ path: at(i), message: `step "${s.id}" is unreachable from the start step "${start}"` });
    if ('onError' in s && s.onError?.compensate && scopeOf.get(s.id) === `compensation "${s.onError.compensate}"`) {
      issues.push({ path: at(i, ['onError', 'compensate']), message: `step "${s.id}" is part of compensation "${s.onError.compensate}" and would compensate with itself` });
    }
  });

  // Cycles inside a thread must be bounded by maxVisits (Tarjan's strongly connected components).
  for (const cycle of cycles(def.steps, byId)) {
    if (!cycle.some((id) => byId.get(id)!.maxVisits !== undefined)) {
      const first = cycle.slice().sort((a, b) => pos.get(a)! - pos.get(b)!)[0];
      issues.push({ path: at(pos.get(first)!), message: `steps ${cycle.map((c) => `"${c}"`).join(' → ')} form a cycle with no bound; set maxVisits on one of them` });
    }
  }

  // Expressions compile.
  const checkExpr = (source: string, path: string) => {
    try { compileExpression(source); } catch (e) { issues.push({ path, message: (e as Error).message }); }
  };
  if (def.output) checkExpr(def.output, '$.output');
  def.steps.forEach((s, i) => {
    if (s.type === 'task') for (const e of expressionsIn(s.input)) checkExpr(e.source, at(i, ['input', ...e.path]));
    if (s.type === 'pass' && s.output) for (const e of expressionsIn(s.output)) checkExpr(e.source, at(i, ['output', ...e.path]));
    if (s.type === 'fail' && isExpression(s.message)) checkExpr(s.message.slice(1), at(i, ['message']));
    if (s.type === 'choice') s.choices.forEach((c, j) => checkExpr(c.when, at(i, ['choices', j, 'when'])));
    if (s.type === 'foreach') checkExpr(s.items, at(i, ['items']));
    if (s.type === 'loop') checkExpr(s.while, at(i, ['while']));
  });

  if (catalog) def.steps.forEach((s, i) => { if (s.type === 'task') issues.push(...checkTask(s, catalog, (p) => at(i, p))); });
  return issues;
}

function checkTask(s: Extract<WorkflowStep, { type: 'task' }>, catalog: CapabilityCatalog, at: (p: Path) => string): Issue[] {
  const issues: Issue[] = [];
  let cap: Capability | undefined;
  if (s.agent) {
    const agent = catalog.agents.find((a) => a.agentId === s.agent);
    if (!agent) return [{ path: at(['agent']), message: `unknown agent "${s.agent}" (agents: ${catalog.agents.map((a) => a.agentId).join(', ') || 'none'})` }];
    cap = agent.capabilities.find((c) => c.name === s.capability);
    if (!cap) return [{ path: at(['capability']), message: `agent "${s.agent}" has no capability "${s.capability}" (it has: ${agent.capabilities.map((c) => c.name).join(', ')})` }];
  } else {
    cap = catalog.agents.flatMap((a) => a.capabilities).find((c) => c.name === s.capability);
    if (!cap) {
      const all = [...new Set(catalog.agents.flatMap((a) => a.capabilities.map((c) => c.name)))].sort();
      return [{ path: at(['capability']), message: `no agent provides capability "${s.capability}"${all.length ? ` (known: ${all.slice(0, 20).join(', ')}${all.length > 20 ? ', …' : ''})` : ''}` }];
    }
  }
  const params = new Map(cap.parameters.map((p) => [p.name, p]));
  for (const p of cap.parameters) {
    if (p.required && !(p.name in s.input)) issues.push({ path: at(['input']), message: `missing required parameter "${p.name}" (${p.type}) of ${s.capability}` });
  }
  for (const [k, v] of Object.entries(s.input)) {
    const p = params.get(k);
    if (!p) {
      if (params.size) issues.push({ path: at(['input', k]), message: `${s.capability} has no parameter "${k}" (parameters: ${[...params.keys()].join(', ')})` });
      continue;
    }
    const literal = typeof v === 'string' && v.startsWith('==') ? v.slice(1) : v;
    if (isExpression(v)) continue; // typed when evaluated
    if (!hasType(literal, p.type)) issues.push({ path: at(['input', k]), message: `must be ${p.type} for ${s.capability}, got ${jsonTypeOf(literal)}` });
  }
  return issues;
}

/** Strongly connected components with a cycle (size > 1, or a self-edge), over in-thread edges. */
function cycles(steps: WorkflowStep[], byId: Map<string, WorkflowStep>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const succ = (id: string) => threadEdges(byId.get(id)!).map((e) => e.to).filter((t) => byId.has(t));
  // Iterative Tarjan so a 10,000-step chain cannot overflow the stack.
  for (const root of steps.map((s) => s.id)) {
    if (idx.has(root)) continue;
    const work: { id: string; i: number; next: string[] }[] = [];
    const open = (id: string) => {
      idx.set(id, index); low.set(id, index); index++;
      stack.push(id); onStack.add(id);
      work.push({ id, i: 0, next: succ(id) });
    };
    open(root);
    while (work.length) {
      const top = work[work.length - 1];
      if (top.i < top.next.length) {
        const w = top.next[top.i++];
        if (!idx.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.id, Math.min(low.get(top.id)!, idx.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].id, Math.min(low.get(work[work.length - 1].id)!, low.get(top.id)!));
      if (low.get(top.id) === idx.get(top.id)) {
        const comp: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== top.id);
        if (comp.length > 1 || succ(top.id).includes(top.id)) out.push(comp.reverse());
      }
    }
  }
  return out;
}

/** Schema + semantic validation of raw JSON; returns the parsed definition and every issue. */
export function checkDefinition(raw: unknown, catalog?: CapabilityCatalog): { definition?: WorkflowDefinition; issues: Issue[] } {
  const r = WorkflowDefinition.safeParse(raw);
  if (!r.success) return { issues: zodIssues(r.error) };
  return { definition: r.data, issues: validateDefinition(r.data, catalog) };
}

/** Throw a ValidationError (exit code 2) listing every issue. */
export function assertValidDefinition(def: WorkflowDefinition, catalog?: CapabilityCatalog, what = `workflow "${def.name}"`): WorkflowDefinition {
  const issues = validateDefinition(def, catalog);
  if (issues.length) throw new ValidationError(what, issues, 'Fix the definition; check it with: nova workflow validate <file>');
  return def;
}
