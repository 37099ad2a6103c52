import type { ValidationContext } from '../types.js';
import type { CmdRecord } from '../walker.js';
import type { Unwrapped } from '../unwrap.js';

export interface Finding {
  level: 'block' | 'warn';
  reason: string;
}

/** What a per-command rule sees: the command, its unwrapped core, and the caller's context. */
export interface RuleInput {
  rec: CmdRecord;
  u: Unwrapped;
  ctx: ValidationContext;
  workspace: string;
}

export type CommandRule = (input: RuleInput) => Finding[];

export const block = (reason: string): Finding => ({ level: 'block', reason });
export const warn = (reason: string): Finding => ({ level: 'warn', reason });
