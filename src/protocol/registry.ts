import { z } from 'zod';
import { AgentRegistration, Capability } from './agent.js';
import { Message } from './message.js';
import { StatePolicy, StateUpdate } from './state.js';
import { Plan, PlanStep } from './plan.js';
import { InstallResult } from './run.js';
import { WorkflowDefinition, WorkflowEvent } from './workflow.js';

/**
 * Every protocol type a user can ask `nova schema <name>` for. Modules that add protocol types
 * add one line here.
 */
export const schemaRegistry: Record<string, z.ZodType> = {
  capability: Capability,
  'agent-registration': AgentRegistration,
  message: Message,
  'state-update': StateUpdate,
  'state-policy': StatePolicy,
  plan: Plan,
  'plan-step': PlanStep,
  'install-result': InstallResult,
  workflow: WorkflowDefinition,
  'workflow-event': WorkflowEvent,
};

export function jsonSchemaOf(name: string): Record<string, unknown> | undefined {
  const schema = schemaRegistry[name];
  if (!schema) return undefined;
  return { $id: `https://novasystem.dev/schema/${name}.json`, title: name, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } as Record<string, unknown>;
}
