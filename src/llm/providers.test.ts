import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { NovaError } from '../errors.js';
import { boundedProvider, createLlmProvider, type LlmConfig, type LlmProvider } from './provider.js';
import { ollamaEndpoint } from './ollama/ollama-provider.js';
import { startWireDouble, type WireDouble } from './testing/wire-doubles.js';

const KEY = 'sk-test-secret-0123456789';
const MESSAGES = [{ role: 'system' as const, content: 'be brief' }, { role: 'user' as const, content: 'why did it fail?' }];
let doubles: WireDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  doubles = [];
});

async function double(...a: Parameters<typeof startWireDouble>): Promise<WireDouble> {
  const d = await startWireDouble(...a);
  doubles.push(d);
  return d;
}

function provider(c: Partial<LlmConfig>): LlmProvider {
  const p = createLlmProvider({ llm: 'none', ...c });
  if (!p) throw new Error('expected a provider');
  return p;
}

async function failure(p: Promise<unknown>): Promise<NovaError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(NovaError);
  return e as NovaError;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('createLlmProvider', () => {
  it('gives no provider for NOVA_LLM=none', () => {
    expect(createLlmProvider({ llm: 'none', llmModel: 'x', openaiApiKey: KEY })).toBeUndefined();
  });
  it('refuses incomplete settings with a NovaError naming the variable', () => {
    const bad = (c: LlmConfig) => { try { createLlmProvider(c); } catch (e) { return e as NovaError; } throw new Error('expected an error'); };
    expect(bad({ llm: 'openai', openaiApiKey: KEY }).message).toContain('NOVA_LLM_MODEL');
    expect(bad({ llm: 'openai', llmModel: 'gpt-4o-mini' }).message).toContain('OPENAI_API_KEY');
    expect(bad({ llm: 'openai', llmModel: 'm', openaiBaseUrl: 'ftp://x' })).toMatchObject({ code: 'BAD_INPUT' });
    expect(bad({ llm: 'ollama' })).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('NOVA_LLM_MODEL') });
  });
  it('accepts a self-hosted OpenAI-compatible server without a key, and names endpoints without credentials', () => {
    expect(provider({ llm: 'openai', llmModel: 'm', openaiBaseUrl: 'http://user:pw@10.0.0.5:8000/v1/?token=t' }).endpoint).toBe('http://10.0.0.5:8000/v1');
    expect(provider({ llm: 'openai', llmModel: 'm', openaiApiKey: KEY }).endpoint).toBe('https://api.openai.com/v1');
    expect(provider({ llm: 'ollama', llmModel: 'm' }).endpoint).toBe('http://127.0.0.1:11434');
    expect(ollamaEndpoint('gpu-box')).toBe('http://gpu-box:11434');
    expect(ollamaEndpoint('https://me:pw@ollama.example')).toBe('https://ollama.example');
  });
});

describe('OpenAI-compatible provider (openai SDK) against the chat-completions wire protocol', () => {
  it('sends model, messages, max_tokens and the bearer key, and returns the message content', async () => {
    const d = await double('openai', () => ({ content: 'the answer' }));
    const p = provider({ llm: 'openai', llmModel: 'gpt-test', openaiApiKey: KEY, openaiBaseUrl: d.url });
    expect(await p.complete(MESSAGES, { maxTokens: 123 })).toBe('the answer');
    expect(d.requests).toHaveLength(1);
    const r = d.requests[0];
    expect(r).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.body).toMatchObject({ model: 'gpt-test', messages: MESSAGES, max_tokens: 123 });
  });

  it('switches to max_completion_tokens once when the model refuses max_tokens (OpenAI reasoning models)', async () => {
    const d = await double('openai', (r) => ('max_tokens' in r.body
      ? { status: 400, error: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." }
      : { content: 'reasoned' }));
    expect(await provider({ llm: 'openai', llmModel: 'o-test', openaiApiKey: KEY, openaiBaseUrl: d.url }).complete(MESSAGES, { maxTokens: 50 })).toBe('reasoned');
    expect(d.requests.map((r) => r.body.max_tokens ?? r.body.max_completion_tokens)).toEqual([50, 50]);
    expect(d.requests[1].body).not.toHaveProperty('max_tokens');
  });

  it('maps HTTP 500 to UNAVAILABLE naming the endpoint, once (no retries), never showing the key', async () => {
    const d = await double('openai', () => ({ status: 500, error: `backend exploded for key ${KEY}` }));
    const e = await failure(provider({ llm: 'openai', llmModel: 'gpt-test', openaiApiKey: KEY, openaiBaseUrl: d.url }).complete(MESSAGES));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toContain(d.url);
    expect(e.message).toContain('500');
    expect(JSON.stringify({ m: e.message, h: e.hint })).not.toContain(KEY);
    expect(d.requests).toHaveLength(1);
  });

  it('gives up after its timeout with a TIMEOUT error', async () => {
    const d = await double('openai', () => ({ hang: true }));
    const t0 = Date.now();
    const e = await failure(provider({ llm: 'openai', llmModel: 'gpt-test', openaiApiKey: KEY, openaiBaseUrl: d.url }).complete(MESSAGES, { timeoutMs: 300 }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain(d.url);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(d.requests).toHaveLength(1);
  });

  it('reports a refused connection as UNAVAILABLE', async () => {
    const port = await closedPort();
    const e = await failure(provider({ llm: 'openai', llmModel: 'm', openaiBaseUrl: `http://127.0.0.1:${port}/v1` }).complete(MESSAGES, { timeoutMs: 3000 }));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });
});

describe('Ollama provider (ollama SDK) against the /api/chat wire protocol', () => {
  it('sends model, messages, stream:false and num_predict, and returns the message content', async () => {
    const d = await double('ollama', () => ({ content: 'from ollama' }));
    const p = provider({ llm: 'ollama', llmModel: 'qwen-test', ollamaHost: d.url });
    expect(await p.complete(MESSAGES, { maxTokens: 77 })).toBe('from ollama');
    const r = d.requests[0];
    expect(r).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(r.body).toMatchObject({ model: 'qwen-test', messages: MESSAGES, stream: false, options: { num_predict: 77 } });
  });

  it('maps HTTP 500 and an unknown model (404) to UNAVAILABLE naming the endpoint', async () => {
    const d = await double('ollama', (r) => (r.body.model === 'missing' ? { status: 404, error: 'model "missing" not found, try pulling it first' } : { status: 500, error: 'llama runner crashed' }));
    const e500 = await failure(provider({ llm: 'ollama', llmModel: 'qwen-test', ollamaHost: d.url }).complete(MESSAGES));
    expect(e500).toMatchObject({ code: 'UNAVAILABLE' });
    expect(e500.message).toContain(d.url);
    expect(e500.message).toContain('llama runner crashed');
    const e404 = await failure(provider({ llm: 'ollama', llmModel: 'missing', ollamaHost: d.url }).complete(MESSAGES));
    expect(e404.message).toContain('ollama pull');
  });

  it('gives up after its timeout, and stops at once when the caller cancels', async () => {
    const d = await double('ollama', () => ({ hang: true }));
    const p = provider({ llm: 'ollama', llmModel: 'qwen-test', ollamaHost: d.url });
    expect(await failure(p.complete(MESSAGES, { timeoutMs: 300 }))).toMatchObject({ code: 'TIMEOUT' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const e = await failure(p.complete(MESSAGES, { timeoutMs: 10_000, signal: ac.signal }));
    expect(e).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('cancelled') });
  });
});

describe('boundedProvider', () => {
  it('stops asking after the first failure and after its call budget', async () => {
    const d = await double('openai', (r) => (String((r.body.messages as { content: string }[])[1].content) === 'fail' ? { status: 503, error: 'overloaded' } : { content: 'ok' }));
    const inner = provider({ llm: 'openai', llmModel: 'm', openaiApiKey: KEY, openaiBaseUrl: d.url });
    const two = boundedProvider(inner, 2);
    await two.complete(MESSAGES);
    await two.complete(MESSAGES);
    expect(await failure(two.complete(MESSAGES))).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('2 times') });
    expect(d.requests).toHaveLength(2);

    const broken = boundedProvider(inner, 10);
    await failure(broken.complete([{ role: 'user', content: 'x' }, { role: 'user', content: 'fail' }]));
    expect(await failure(broken.complete(MESSAGES))).toMatchObject({ message: expect.stringContaining('not asked again') });
    expect(d.requests).toHaveLength(3);
  });
});
