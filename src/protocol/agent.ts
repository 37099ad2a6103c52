import { z } from 'zod';
import { Identifier, SemVer } from './common.js';

/** The JSON Schema types a capability parameter may take. */
export const ParameterType = z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** One named parameter of a capability, described the way JSON Schema describes a property. */
export const CapabilityParameter = z.object({
  name: z.string().min(1).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier (letters, digits, _)'),
  type: ParameterType,
  required: z.boolean().default(false),
  description: z.string().optional(),
  /** Extra JSON Schema keywords (enum, minimum, items, …) for this parameter. */
  schema: z.record(z.string(), z.unknown()).optional(),
});
export type CapabilityParameter = z.infer<typeof CapabilityParameter>;

export const Capability = z.object({
  name: z.string().min(1).max(120).regex(/^[a-z][a-z0-9_.-]*$/, 'must be lower-case, start with a letter, and use only a-z 0-9 _ . -'),
  description: z.string().min(1, 'describe what the capability does'),
  parameters: z.array(CapabilityParameter).default([]),
  required_permissions: z.array(z.string().min(1)).default([]),
}).superRefine((c, ctx) => {
  const seen = new Set<string>();
  c.parameters.forEach((p, i) => {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['parameters', i, 'name'], message: `duplicate parameter name "${p.name}"` });
    seen.add(p.name);
  });
});
export type Capability = z.infer<typeof Capability>;

export const AgentRegistration = z.object({
  agent_id: Identifier,
  agent_type: z.string().min(1).max(120),
  capabilities: z.array(Capability),
  models: z.array(z.string()).default([]),
  version: SemVer,
  /** Permissions this agent holds when it sends messages. */
  permissions: z.array(z.string().min(1)).default([]),
}).superRefine((r, ctx) => {
  const seen = new Set<string>();
  r.capabilities.forEach((c, i) => {
    if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['capabilities', i, 'name'], message: `duplicate capability name "${c.name}"` });
    seen.add(c.name);
  });
});
export type AgentRegistration = z.infer<typeof AgentRegistration>;
