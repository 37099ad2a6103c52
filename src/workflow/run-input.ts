/**
 * Run inputs: checked against the definition's declared `inputs` when a run starts, and parsed
 * from `--input key=value` pairs on the command line (typed by the declaration).
 */
import { NovaError, ValidationError } from '../errors.js';
import type { CapabilityParameter } from '../protocol/agent.js';
import type { WorkflowDefinition } from '../protocol/workflow.js';

export function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Whether `v` has JSON Schema type `type` (an integer is also a number). */
export function hasType(v: unknown, type: CapabilityParameter['type']): boolean {
  const t = jsonTypeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

/** Check a run input against the declared inputs; returns it unchanged when valid. */
export function checkRunInput(def: WorkflowDefinition, input: Record<string, unknown>): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('workflow input', [{ path: '$', message: 'must be an object' }]);
  }
  const issues: { path: string; message: string }[] = [];
  const declared = new Map(def.inputs.map((p) => [p.name, p]));
  for (const p of def.inputs) {
    const v = input[p.name];
    if (v === undefined) {
      if (p.required) issues.push({ path: `$.${p.name}`, message: `is required (${p.type}${p.description ? `: ${p.description}` : ''})` });
    } else if (!hasType(v, p.type)) {
      issues.push({ path: `$.${p.name}`, message: `must be ${p.type}, got ${jsonTypeOf(v)}` });
    }
  }
  if (def.inputs.length > 0) {
    for (const k of Object.keys(input)) if (!declared.has(k)) issues.push({ path: `$.${k}`, message: `is not an input of workflow "${def.name}" (inputs: ${[...declared.keys()].join(', ')})` });
  }
  if (issues.length) throw new ValidationError(`input of workflow "${def.name}"`, issues, `Pass inputs as --input key=value; declared: ${def.inputs.map((p) => `${p.name}:${p.type}${p.required ? '' : '?'}`).join(', ') || '(none)'}`);
  return input;
}

/** Parse `key=value` pairs; values are typed by the declared input (JSON for objects/arrays). */
export function parseInputPairs(def: WorkflowDefinition, pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = new Map(def.inputs.map((p) => [p.name, p]));
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new NovaError('BAD_INPUT', `--input "${pair}" is not key=value`, { hint: 'Example: --input file=/tmp/out.txt' });
    const key = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    const type = declared.get(key)?.type;
    // Defined, not assigned: `--input __proto__=x` must be an (unknown, refused) input, not the prototype.
    Object.defineProperty(out, key, { value: type === undefined || type === 'string' ? (type === undefined ? guess(text) : text) : typed(key, text, type), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function typed(key: string, text: string, type: CapabilityParameter['type']): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new NovaError('BAD_INPUT', `--input ${key}=${text}: expected ${type} (as JSON)`, { hint: type === 'array' ? 'Example: --input items=\'["a","b"]\'' : `Example: --input ${key}=${type === 'boolean' ? 'true' : '3'}` });
  }
}

/** Undeclared input: numbers, booleans, null and JSON objects/arrays as such, anything else as text. */
function guess(text: string): unknown {
  if (/^(-?\d+(\.\d+)?|true|false|null)$/.test(text) || /^[[{]/.test(text)) {
    try { return JSON.parse(text) as unknown; } catch { /* plain text */ }
  }
  return text;
}
