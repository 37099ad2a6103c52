/**
 * Every error a person can see is a NovaError: a stable code, a message saying what was wrong,
 * and a hint saying how to fix it. The CLI turns these into readable text or JSON and an exit
 * code; anything that is not a NovaError is a bug and is reported as such (without a stack trace
 * unless NOVA_DEBUG is set).
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'INTERNAL'
  | (string & {});

export class NovaError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Exit code the CLI should use: 2 for bad usage/input, 1 for failures of the job itself. */
  readonly exitCode: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; exitCode?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'NovaError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? (code === 'INTERNAL' || code === 'UNAVAILABLE' || code === 'TIMEOUT' ? 1 : 2);
    this.details = opts.details;
  }

  toJSON(): { code: string; message: string; hint?: string; details?: unknown } {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

export class ValidationError extends NovaError {
  readonly issues: { path: string; message: string }[];
  constructor(what: string, issues: { path: string; message: string }[], hint?: string) {
    const lines = issues.slice(0, 10).map((i) => `  at ${i.path || '(root)'}: ${i.message}`);
    const more = issues.length > 10 ? `\n  … and ${issues.length - 10} more` : '';
    super('VALIDATION', `${what} is invalid:\n${lines.join('\n')}${more}`, { hint, details: issues });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export function isNovaError(e: unknown): e is NovaError {
  return e instanceof NovaError;
}

/** Message of any thrown value, for logs and records. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
