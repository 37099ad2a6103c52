/**
 * Checking a message's content against a capability's declared parameters: required ones present,
 * JSON types matching, and the extra JSON Schema keywords of a parameter (enum, minimum, items, …)
 * enforced through zod's JSON Schema import. Compiled once per capability at registration.
 */
import { z } from 'zod';
import type { Capability, CapabilityParameter } from '../protocol/agent.js';
import { jsonPath } from '../protocol/validate.js';

export interface ParamIssue {
  path: string;
  message: string;
}

interface CompiledParam {
  name: string;
  type: CapabilityParameter['type'];
  required: boolean;
  extra?: z.ZodType;
}

export type ContentChecker = (content: Record<string, unknown>) => ParamIssue[];

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : Number.isFinite(v) ? 'number' : 'non-finite number';
  return typeof v;
}

function typeMatches(type: CapabilityParameter['type'], v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'null': return v === null;
  }
}

/**
 * Compile a capability's parameters. Throws a plain Error naming the parameter when its `schema`
 * keywords are not valid JSON Schema (the registry turns it into a ValidationError with the path).
 */
export function compileCapability(cap: Capability): ContentChecker {
  const params: CompiledParam[] = cap.parameters.map((p) => {
    let extra: z.ZodType | undefined;
    if (p.schema && Object.keys(p.schema).length > 0) {
      try {
        extra = z.fromJSONSchema({ ...p.schema, type: p.type } as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (e) {
        throw new Error(`parameter "${p.name}": its schema keywords are not valid JSON Schema (${(e as Error).message})`);
      }
    }
    return { name: p.name, type: p.type, required: p.required, extra };
  });
  return (content) => {
    const issues: ParamIssue[] = [];
    for (const p of params) {
      const v = content[p.name];
      const path = jsonPath(['content', p.name]);
      if (v === undefined) {
        if (p.required) issues.push({ path, message: `required parameter "${p.name}" (${p.type}) is missing` });
        continue;
      }
      if (!typeMatches(p.type, v)) {
        issues.push({ path, message: `expected ${p.type}, got ${jsonTypeOf(v)}` });
        continue;
      }
      if (p.extra) {
        const r = p.extra.safeParse(v);
        if (!r.success) for (const i of r.error.issues) issues.push({ path: jsonPath(['content', p.name, ...i.path]), message: i.message });
      }
    }
    return issues;
  };
}
