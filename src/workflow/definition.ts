/**
 * Parsing and indexing workflow definitions. `parseDefinition` applies the zod schema
 * (src/protocol/workflow.ts); semantic checks live in validate.ts. `loadDefinitionFile` reads a
 * definition from a path or from a name found in the workflow folders (bounded, JSON only).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NovaError } from '../errors.js';
import { WorkflowDefinition, type WorkflowStep } from '../protocol/workflow.js';
import { parseJsonText, parseOrThrow } from '../protocol/validate.js';

export interface DefinitionIndex {
  def: WorkflowDefinition;
  steps: Map<string, WorkflowStep>;
  /** Position of each step in `def.steps` (for JSON paths). */
  position: Map<string, number>;
  start: string;
}

export function indexDefinition(def: WorkflowDefinition): DefinitionIndex {
  const steps = new Map<string, WorkflowStep>();
  const position = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (!steps.has(s.id)) {
      steps.set(s.id, s);
      position.set(s.id, i);
    }
  });
  return { def, steps, position, start: def.start ?? def.steps[0].id };
}

export function parseDefinition(value: unknown, what = 'workflow definition'): WorkflowDefinition {
  return parseOrThrow(WorkflowDefinition, value, what, 'See the format with: nova schema workflow');
}

/** Folders searched for `nova workflow run <name>`: ./workflows, then the bundled examples. */
export function workflowSearchDirs(cwd = process.cwd()): string[] {
  return [join(cwd, 'workflows'), fileURLToPath(new URL('../../workflows/', import.meta.url))];
}

const MAX_DEFINITION_BYTES = 2 * 1024 * 1024;

/** Resolve a file path or a bare name (`install-repository`) to a definition file. */
export function resolveDefinitionPath(fileOrName: string, dirs = workflowSearchDirs()): string {
  const looksLikePath = fileOrName.endsWith('.json') || fileOrName.includes('/') || isAbsolute(fileOrName);
  if (looksLikePath) {
    const p = resolve(fileOrName);
    if (!existsSync(p)) throw new NovaError('NOT_FOUND', `workflow file ${p} does not exist`, { hint: 'Give a path to a .json definition or the name of one in ./workflows.' });
    return p;
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(fileOrName)) {
    throw new NovaError('BAD_INPUT', `"${fileOrName}" is neither a .json file nor a workflow name`, { hint: 'Workflow names use lower-case letters, digits, . _ -' });
  }
  for (const d of dirs) {
    const p = join(d, `${fileOrName}.json`);
    if (existsSync(p)) return p;
  }
  throw new NovaError('NOT_FOUND', `no workflow named "${fileOrName}"`, { hint: `Looked in: ${dirs.join(', ')}` });
}

/** Read a definition file's JSON (bounded), without checking it. */
export function readDefinitionJson(fileOrName: string, dirs?: string[]): { file: string; raw: unknown } {
  const file = resolveDefinitionPath(fileOrName, dirs);
  const st = statSync(file);
  if (!st.isFile()) throw new NovaError('BAD_INPUT', `${file} is not a regular file`, { hint: 'Give a path to a .json definition.' });
  if (st.size > MAX_DEFINITION_BYTES) throw new NovaError('BAD_INPUT', `${file} is ${st.size} bytes, more than ${MAX_DEFINITION_BYTES}`, { hint: 'Workflow definitions are small JSON files.' });
  return { file, raw: parseJsonText(readFileSync(file, 'utf8'), `workflow file ${file}`, MAX_DEFINITION_BYTES) };
}

/** Read and schema-check a definition (no semantic validation). */
export function loadDefinitionFile(fileOrName: string, dirs?: string[]): { definition: WorkflowDefinition; file: string; raw: unknown } {
  const { file, raw } = readDefinitionJson(fileOrName, dirs);
  return { definition: parseDefinition(raw, `workflow file ${file}`), file, raw };
}
