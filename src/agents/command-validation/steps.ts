/**
 * validateSteps: judge a plan's commands in order as one continuing shell session, so `cd` and
 * `export` in one step carry into the next, and a step that needs a file (`./configure` →
 * Makefile, `.venv/bin/pip`) is linked to the earlier step that creates it.
 */
import { resolve } from 'node:path';
import { NovaError } from '../../errors.js';
import { isWithin, newState, resolveAgainst } from './state.js';
import type { StepAnalysis, StepLike, ValidationContext } from './types.js';
import { validateInState } from './validate.js';

export const MAX_STEPS = 2000;

export function validateSteps(steps: StepLike[], ctx: ValidationContext): StepAnalysis[] {
  if (!Array.isArray(steps)) throw new NovaError('BAD_INPUT', 'steps must be an array of { command, cwd?, env? }', { hint: 'pass the plan steps in order' });
  if (steps.length > MAX_STEPS) throw new NovaError('BAD_INPUT', `too many steps (${steps.length}); at most ${MAX_STEPS} are judged at once`, { hint: 'split the plan' });
  const state = newState(resolve(ctx.workspace ?? '/'));
  const ws = state.workspace;
  const createdBy: Set<string>[] = [];
  return steps.map((step, index) => {
    if (!step || typeof step.command !== 'string') {
      throw new NovaError('BAD_INPUT', `step ${index + 1} has no command text`, { hint: 'every step needs { command: string }' });
    }
    if (step.cwd !== undefined) state.cwd = resolveAgainst(ws, step.cwd);
    for (const [k, v] of Object.entries(step.env ?? {})) { state.vars.set(k, v); state.opaqueVars.delete(k); state.carried.add(k); }
    state.created = new Set();
    const d = validateInState(step.command, ctx, state);
    const needs = [...(d.walk?.needs ?? [])];
    const providedBy = new Set<number>();
    for (const n of needs) {
      for (let j = createdBy.length - 1; j >= 0; j--) {
        if ([...createdBy[j]!].some((c) => isWithin(n, c))) { providedBy.add(j); break; }
      }
    }
    createdBy.push(state.created);
    const { walk: _w, state: _s, missingTools, ...verdict } = d;
    const analysis: StepAnalysis = { verdict };
    if (state.cwd) analysis.cwdAfter = state.cwd;
    const envAfter: Record<string, string> = {};
    for (const k of state.carried) { const v = state.vars.get(k); if (v !== undefined) envAfter[k] = v; }
    if (Object.keys(envAfter).length) analysis.envAfter = envAfter;
    const rel = needs.filter((n) => isWithin(n, ws) && n !== ws).map((n) => n.slice(ws.length + 1));
    if (rel.length) analysis.needsFiles = rel;
    if (providedBy.size) analysis.providedBy = [...providedBy].sort((a, b) => a - b);
    if (missingTools.length) analysis.missingTools = missingTools;
    return analysis;
  });
}
