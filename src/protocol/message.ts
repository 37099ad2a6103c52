import { z } from 'zod';
import { Identifier, IsoTimestamp } from './common.js';

export const Priority = z.enum(['low', 'normal', 'high', 'critical']);
export type Priority = z.infer<typeof Priority>;
/** Larger = delivered first. */
export const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, critical: 3 };

export const Message = z.object({
  message_id: Identifier,
  timestamp: IsoTimestamp,
  from_agent: Identifier,
  /** An agent id for a direct message, or `topic:<name>` for a topic. */
  to_agent: z.string().min(1).max(200),
  message_type: z.string().min(1).max(120),
  content: z.record(z.string(), z.unknown()),
  priority: Priority.default('normal'),
  requires_response: z.boolean().default(false),
  parent_message_id: Identifier.nullable().optional(),
  /** Delivery attempt, starting at 1; set by the bus. */
  attempt: z.number().int().min(1).optional(),
  /** The workflow run the message belongs to, if any (handlers see it as ctx.runId). */
  run_id: Identifier.optional(),
  /** Tenant the work belongs to (quotas); defaults to "default". */
  tenant: z.string().min(1).max(100).optional(),
});
export type Message = z.infer<typeof Message>;
export type MessageInput = z.input<typeof Message>;
