import { z } from 'zod';
import { Identifier, IsoTimestamp } from './common.js';

export const StateUpdate = z.object({
  run_id: Identifier,
  /** Keys to set; a value of null deletes the key. Keys are flat top-level names; dots group them (`analysis.ecosystems`) for `prefix.*` policy patterns. */
  state_update: z.record(z.string().min(1).max(200), z.unknown()),
  timestamp: IsoTimestamp,
  agent_id: Identifier,
  /** The version the writer last read; a mismatch means someone wrote in between. */
  expected_version: z.number().int().min(0).optional(),
});
export type StateUpdate = z.infer<typeof StateUpdate>;

/** Which agent may read/write which keys of a run's state. Patterns: exact key, `prefix.*`, or `*`. */
export const StatePolicy = z.object({
  rules: z.array(z.object({
    agent: z.string().min(1),
    read: z.array(z.string()).default([]),
    write: z.array(z.string()).default([]),
  })),
});
export type StatePolicy = z.infer<typeof StatePolicy>;
