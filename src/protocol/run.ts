import { z } from 'zod';
import { Stage } from './plan.js';

export const StepStatus = z.enum(['success', 'failed', 'blocked', 'skipped', 'timeout', 'pending']);
export type StepStatus = z.infer<typeof StepStatus>;

export const TestCounts = z.object({
  framework: z.string(),
  passed: z.number().int().min(0),
  failed: z.number().int().min(0),
  skipped: z.number().int().min(0).default(0),
  total: z.number().int().min(0).optional(),
});
export type TestCounts = z.infer<typeof TestCounts>;

export const Diagnosis = z.object({
  step: z.number().int().min(0).optional(),
  pattern: z.string(),
  category: z.string(),
  explanation: z.string(),
  evidence: z.string().optional(),
  fixes: z.array(z.object({ command: z.string(), description: z.string(), applied: z.boolean().default(false), worked: z.boolean().optional() })).default([]),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

export const InstallStepResult = z.object({
  stage: Stage,
  command: z.string(),
  status: StepStatus,
  exitCode: z.number().int().nullable(),
  durationMs: z.number().min(0),
  attempts: z.number().int().min(0),
  tests: TestCounts.optional(),
  reasons: z.array(z.string()).optional(),
});
export type InstallStepResult = z.infer<typeof InstallStepResult>;

export const RunStatus = z.enum(['success', 'failed', 'blocked', 'error']);
export type RunStatus = z.infer<typeof RunStatus>;

export const InstallResult = z.object({
  runId: z.string(),
  status: RunStatus,
  steps: z.array(InstallStepResult),
  diagnosis: z.array(Diagnosis),
  target: z.string().optional(),
  durationMs: z.number().optional(),
  sandbox: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  /** Where the run's workspace copy was kept (failed runs, or --keep-workspace). */
  workspace: z.string().optional(),
});
export type InstallResult = z.infer<typeof InstallResult>;
