import { describe, expect, it } from 'vitest';
import { utilityCapabilities } from '../agents/utility/utility-agent.js';
import { jsonSchemaOf } from '../protocol/registry.js';
import { checkDefinition, type CapabilityCatalog } from './validate.js';

const catalog: CapabilityCatalog = { agents: [{ agentId: 'utility', capabilities: utilityCapabilities }] };

function issues(steps: unknown[], extra: Record<string, unknown> = {}) {
  return checkDefinition({ name: 'v', steps, ...extra }, catalog).issues;
}

describe('workflow validation', () => {
  it('accepts a well-formed definition', () => {
    expect(issues([
      { id: 'a', type: 'task', capability: 'util.echo', input: { x: '=input.n' }, next: 'b' },
      { id: 'b', type: 'parallel', branches: ['c', 'd'], join: { first: 1 } },
      { id: 'c', type: 'task', capability: 'util.sleep', input: { ms: 1 } },
      { id: 'd', type: 'task', capability: 'util.append-line', input: { file: '=input.f', line: 'x', unique: true } },
    ])).toEqual([]);
  });

  it('reports schema errors with JSON paths', () => {
    const r = checkDefinition({ name: 'v', steps: [{ id: 'a', type: 'task' }, { id: 'b', type: 'teleport' }] });
    expect(r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['$.steps[0].capability', '$.steps[1].type']));
  });

  it('reports unknown step references and duplicate ids', () => {
    const r = issues([
      { id: 'a', type: 'task', capability: 'util.echo', next: 'nope' },
      { id: 'a', type: 'pass' },
    ]);
    expect(r).toEqual(expect.arrayContaining([
      { path: '$.steps[0].next', message: expect.stringContaining('unknown step "nope"') },
      { path: '$.steps[1].id', message: expect.stringContaining('duplicate step id "a"') },
    ]));
  });

  it('reports unreachable steps', () => {
    expect(issues([
      { id: 'a', type: 'pass' },
      { id: 'island', type: 'pass' },
    ])).toEqual([{ path: '$.steps[1]', message: 'step "island" is unreachable from the start step "a"' }]);
  });

  it('refuses cycles without a bound and accepts them with maxVisits', () => {
    const cycle = (bound?: number) => issues([
      { id: 'a', type: 'task', capability: 'util.echo', next: 'b' },
      { id: 'b', type: 'choice', choices: [{ when: 'true', next: 'a' }], ...(bound ? { maxVisits: bound } : {}) },
    ]);
    expect(cycle()).toEqual([{ path: '$.steps[0]', message: 'steps "a" → "b" form a cycle with no bound; set maxVisits on one of them' }]);
    expect(cycle(5)).toEqual([]);
  });

  it('refuses steps shared between threads (edges leaving a branch)', () => {
    const r = issues([
      { id: 'p', type: 'parallel', branches: ['x'], next: 'y' },
      { id: 'x', type: 'pass', next: 'y' },
      { id: 'y', type: 'pass' },
    ]);
    expect(r).toEqual([{ path: '$.steps[2]', message: expect.stringMatching(/step "y" is reached from both .* and .*/) }]);
  });

  it('refuses a container that contains itself', () => {
    const r = issues([
      { id: 'fe', type: 'foreach', items: '[1]', do: 'fe' },
    ]);
    expect(r[0].message).toMatch(/step "fe" is reached from both/);
  });

  it('reports unknown capabilities, unknown agents, missing and mistyped parameters', () => {
    const r = issues([
      { id: 'a', type: 'task', capability: 'util.teleport', next: 'b' },
      { id: 'b', type: 'task', agent: 'ghost', capability: 'util.echo', next: 'c' },
      { id: 'c', type: 'task', capability: 'util.sleep', input: { ms: 'soon' }, next: 'd' },
      { id: 'd', type: 'task', capability: 'util.append-line', input: { file: '/x', colour: 'red' } },
    ]);
    expect(r).toEqual([
      { path: '$.steps[0].capability', message: expect.stringContaining('no agent provides capability "util.teleport"') },
      { path: '$.steps[1].agent', message: expect.stringContaining('unknown agent "ghost"') },
      { path: '$.steps[2].input.ms', message: 'must be integer for util.sleep, got string' },
      { path: '$.steps[3].input', message: 'missing required parameter "line" (string) of util.append-line' },
      { path: '$.steps[3].input.colour', message: expect.stringContaining('util.append-line has no parameter "colour"') },
    ]);
  });

  it('reports expression syntax errors where they are', () => {
    const r = issues([
      { id: 'a', type: 'task', capability: 'util.echo', input: { v: '=input.(' }, next: 'b' },
      { id: 'b', type: 'choice', choices: [{ when: 'steps.a +', next: 'c' }] },
      { id: 'c', type: 'pass' },
    ]);
    expect(r.map((i) => i.path)).toEqual(['$.steps[0].input.v', '$.steps[1].choices[0].when']);
    expect(r[0].message).toMatch(/^expression "input\.\(" failed/);
  });

  it('refuses a join on more branches than exist', () => {
    const r = issues([
      { id: 'p', type: 'parallel', branches: ['x'], join: { first: 2 } },
      { id: 'x', type: 'pass' },
    ]);
    expect(r).toEqual([{ path: '$.steps[0].join.first', message: 'joins on the first 2 branches but has only 1' }]);
  });

  it('is published as `nova schema workflow`', () => {
    const s = jsonSchemaOf('workflow') as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['name', 'steps', 'inputs', 'output']));
  });
});
