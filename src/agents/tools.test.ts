import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolRegistry, defineTool } from './tools.js';
import { NovaError } from '../errors.js';

const add = defineTool({
  name: 'math.add',
  description: 'add two integers',
  input: z.object({ a: z.number().int(), b: z.number().int().default(0) }),
  run: async ({ a, b }) => ({ sum: a + b }),
});

describe('ToolRegistry', () => {
  it('validates input, applies defaults and runs the tool', async () => {
    const tools = new ToolRegistry();
    tools.register(add);
    expect(await tools.call('math.add', { a: 2, b: 3 })).toEqual({ sum: 5 });
    expect(await tools.call('math.add', { a: 2 })).toEqual({ sum: 2 });
    const e = await tools.call('math.add', { a: 'two' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NovaError);
    expect((e as NovaError).code).toBe('VALIDATION');
    expect((e as NovaError).message).toMatch(/input of tool "math\.add" is invalid:\n {2}at \$\.a: /);
  });

  it('names unknown and duplicate tools and refuses bad names', async () => {
    const tools = new ToolRegistry();
    tools.register(add);
    await expect(tools.call('math.sub', {})).rejects.toMatchObject({ code: 'NOT_FOUND', hint: 'Known tools: math.add.' });
    expect(() => tools.register(add)).toThrow(/already registered/);
    expect(() => tools.register({ ...add, name: 'Has Space' })).toThrow(/not allowed/);
  });

  it('lists tools with the JSON Schema of their input', () => {
    const tools = new ToolRegistry();
    tools.register(add);
    const [d] = tools.list();
    expect(d.name).toBe('math.add');
    expect(d.description).toBe('add two integers');
    expect(d.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer', default: 0 } }, required: ['a'] });
  });
});
