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
    // Binary data (NUL bytes, or bytes that are not UTF-8, decoded as U+FFFD) is named as such:
    // quoting it in the message would write raw bytes to the user's terminal.
    if (/[\u0000\uFFFD]/.test(text)) {
      throw new ValidationError(what, [{ path: '$', message: 'is not JSON text (it holds binary data or is not UTF-8)' }], 'Give a UTF-8 JSON file.');
    }
    // JSON.parse quotes the input around the error; control characters in it are shown escaped.
    const detail = (e as Error).message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    throw new ValidationError(what, [{ path: '$', message: `is not valid JSON (${detail})` }], 'Check the JSON syntax (quotes, commas, brackets).');
  }
}
