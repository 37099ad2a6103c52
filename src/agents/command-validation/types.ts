/** Public types of the command validator (the contract plan synthesis and the installer use). */

export interface ValidationContext {
  /** Absolute path of the repository checkout: the only writable place. */
  workspace: string;
  /** Lockfiles present at the project root, e.g. ['package-lock.json'] → suggest `npm ci`. */
  lockfiles?: string[];
  os?: 'linux' | 'macos' | 'windows';
  /** Detected tool versions on this machine (null = not installed; absent = not probed). */
  toolVersions?: Record<string, string | null>;
  /** Version constraints from the plan, e.g. { node: '>=18' }. */
  constraints?: Record<string, string>;
}

export type VerdictLevel = 'allow' | 'warn' | 'block';

export interface CommandVerdict {
  verdict: VerdictLevel;
  /** Each a plain sentence naming the offending part, e.g. "deletes / (outside the workspace)". */
  reasons: string[];
  /** A better form of the command, e.g. "npm ci". */
  suggestion?: string;
  /** Set when the text does not parse as shell (then the verdict is at least 'warn'). */
  parseError?: string;
  /** The simple commands found (argv[0] of each, wrappers included), for environment checks. */
  commands: string[];
  /** The command needs the network (installs, downloads). */
  network?: boolean;
}

export interface StepLike {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
}

export interface StepAnalysis {
  verdict: CommandVerdict;
  /** Working directory after the step (absolute), when it can be known. */
  cwdAfter?: string;
  /** Variables set or exported by this and earlier steps that later steps see. */
  envAfter?: Record<string, string>;
  /** Workspace-relative files or folders the step needs. */
  needsFiles?: string[];
  /** Indexes of earlier steps that create something this step needs. */
  providedBy?: number[];
  /** Tools the step runs that are not installed here (per ValidationContext.toolVersions). */
  missingTools?: string[];
}
