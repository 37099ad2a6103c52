import { z } from 'zod';
import { ValidationError } from '../errors.js';

/** JSON-path style rendering of a zod issue path: `$.steps[3].command`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return out;
}

export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
}

/** Parse `value` with `schema` or throw a ValidationError that names each bad path and what was expected. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string, hint?: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(what, zodIssues(r.error), hint);
  return r.data;
}

/** Bounded JSON.parse: rejects oversized text before parsing and reports syntax errors plainly. */
export function parseJsonText(text: string, what: string, maxBytes = 5 * 1024 * 1024): unknown {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) {
    throw new ValidationError(what, [{ path: '$', message: `is ${size} bytes, more than the limit of ${maxBytes}` }], 'Split the input or raise the limit.');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ValidationError(what, [{ path: '$', message: `is not valid JSON (${(e as Error).message})` }], 'Check the JSON syntax (quotes, commas, brackets).');
  }
}
