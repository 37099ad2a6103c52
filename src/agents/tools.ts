/**
 * Tools agents can use (read a file, run a query, call an LLM…): a name, a description, a zod
 * input schema (the one source of the validator and of the JSON Schema shown to people and LLMs),
 * and an async function. Input is validated before the function runs.
 */
import { z } from 'zod';
import { NovaError } from '../errors.js';
import { parseOrThrow } from '../protocol/validate.js';

export interface ToolContext {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface Tool<S extends z.ZodType = z.ZodType, R = unknown> {
  name: string;
  description: string;
  input: S;
  run(input: z.output<S>, ctx: ToolContext): Promise<R>;
}

export interface ToolDescription {
  name: string;
  description: string;
  /** JSON Schema of the accepted input. */
  inputSchema: Record<string, unknown>;
}

/** Identity helper that infers the input type of `run` from the schema. */
export function defineTool<S extends z.ZodType, R>(tool: Tool<S, R>): Tool<S, R> {
  return tool;
}

const TOOL_NAME = /^[a-z][a-z0-9_.-]{0,119}$/;

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  register<S extends z.ZodType, R>(tool: Tool<S, R>): void {
    if (!TOOL_NAME.test(tool.name)) {
      throw new NovaError('BAD_INPUT', `tool name "${tool.name}" is not allowed`, { hint: 'Use lower-case letters, digits, _ . - and start with a letter (at most 120 characters).' });
    }
    if (this.tools.has(tool.name)) {
      throw new NovaError('CONFLICT', `a tool named "${tool.name}" is already registered`, { hint: 'Tool names are unique; choose another name.' });
    }
    this.tools.set(tool.name, tool as unknown as Tool);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** Validate `input` against the tool's schema, then run it. */
  async call(name: string, input: unknown, ctx: ToolContext = {}): Promise<unknown> {
    const tool = this.tools.get(name);
    if (!tool) {
      const names = [...this.tools.keys()];
      throw new NovaError('NOT_FOUND', `no tool named "${name}"`, { hint: names.length ? `Known tools: ${names.join(', ')}.` : 'No tools are registered.' });
    }
    const parsed = parseOrThrow(tool.input, input, `input of tool "${name}"`, `See the tool's input schema (ToolRegistry.list()).`);
    return tool.run(parsed, ctx);
  }

  list(): ToolDescription[] {
    return [...this.tools.values()].map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: z.toJSONSchema(t.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    }));
  }
}
