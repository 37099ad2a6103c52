/**
 * Chooses the language-model backend from the configuration. NOVA_LLM=none (the default) means no
 * provider at all: every caller must work without one and only gets better with one.
 */
import type { Config } from '../config.js';
import { NovaError } from '../errors.js';
import { OLLAMA_DEFAULT_HOST, OPENAI_DEFAULT_BASE_URL, ollamaEndpoint, publicEndpoint } from './endpoints.js';

export type { ChatMessage, CompleteOptions, LlmProvider } from './types.js';
export { DEFAULT_LLM_TIMEOUT_MS, DEFAULT_MAX_TOKENS } from './types.js';
import type { LlmProvider } from './types.js';

export type LlmConfig = Pick<Config, 'llm' | 'llmModel' | 'openaiApiKey' | 'openaiBaseUrl' | 'ollamaHost'>;

function checkHttpUrl(value: string, variable: string, example: string): void {
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(value).protocol);
  } catch { /* reported below */ }
  if (!ok) throw new NovaError('BAD_INPUT', `${variable} must be an http(s) URL, got "${value.slice(0, 200)}"`, { hint: `Example: ${variable}=${example}` });
}

/**
 * The configured provider, or undefined for NOVA_LLM=none. Incomplete settings are a BAD_INPUT
 * NovaError saying which variable to set; nothing is contacted here.
 */
export function createLlmProvider(config: LlmConfig): LlmProvider | undefined {
  if (config.llm === 'none') return undefined;
  const model = config.llmModel?.trim();
  if (config.llm === 'openai') {
    if (!model) throw new NovaError('BAD_INPUT', 'NOVA_LLM=openai needs a model, and NOVA_LLM_MODEL is not set', { hint: 'Set NOVA_LLM_MODEL to a chat model the endpoint serves (e.g. gpt-4o-mini), or set NOVA_LLM=none.' });
    if (config.openaiBaseUrl) checkHttpUrl(config.openaiBaseUrl, 'OPENAI_BASE_URL', 'http://127.0.0.1:8000/v1');
    if (!config.openaiApiKey && !config.openaiBaseUrl) {
      throw new NovaError('BAD_INPUT', 'NOVA_LLM=openai needs OPENAI_API_KEY (api.openai.com requires a key)', { hint: 'Set OPENAI_API_KEY, or OPENAI_BASE_URL for a self-hosted OpenAI-compatible server, or set NOVA_LLM=none.' });
    }
    const o = { model, apiKey: config.openaiApiKey, baseUrl: config.openaiBaseUrl };
    return lazyProvider('openai', model, publicEndpoint(o.baseUrl || OPENAI_DEFAULT_BASE_URL), async () => new (await import('./openai/openai-provider.js')).OpenAiProvider(o));
  }
  if (config.llm === 'ollama') {
    if (!model) throw new NovaError('BAD_INPUT', 'NOVA_LLM=ollama needs a model, and NOVA_LLM_MODEL is not set', { hint: 'Set NOVA_LLM_MODEL to a model pulled on the server (`ollama list`, e.g. qwen2.5-coder:7b), or set NOVA_LLM=none.' });
    const o = { model, host: config.ollamaHost };
    return lazyProvider('ollama', model, o.host ? ollamaEndpoint(o.host) : OLLAMA_DEFAULT_HOST, async () => new (await import('./ollama/ollama-provider.js')).OllamaProvider(o));
  }
  throw new NovaError('BAD_INPUT', `NOVA_LLM="${String(config.llm)}" is not one of: none, openai, ollama`, { hint: 'Set NOVA_LLM to none, openai or ollama.' });
}

/** The SDK behind a provider loads on its first request, not when NovaSystem starts. */
function lazyProvider(name: string, model: string, endpoint: string, load: () => Promise<LlmProvider>): LlmProvider {
  let real: Promise<LlmProvider> | undefined;
  return {
    name, model, endpoint,
    async complete(messages, opts) {
      real ??= load();
      return (await real).complete(messages, opts);
    },
  };
}

/**
 * A provider that stops asking after `maxCalls` requests, or after the first failure (a dead or
 * slow endpoint then costs one timeout per run, not one per failed step).
 */
export function boundedProvider(inner: LlmProvider, maxCalls: number): LlmProvider & { readonly calls: number; readonly disabledBecause?: string } {
  let calls = 0;
  let disabledBecause: string | undefined;
  return {
    name: inner.name,
    model: inner.model,
    endpoint: inner.endpoint,
    get calls() { return calls; },
    get disabledBecause() { return disabledBecause; },
    async complete(messages, opts) {
      if (disabledBecause) throw new NovaError('UNAVAILABLE', `the LLM is not asked again in this run: ${disabledBecause}`, { hint: 'Fix the LLM settings (`nova doctor`) or set NOVA_LLM=none.' });
      if (calls >= maxCalls) throw new NovaError('UNAVAILABLE', `the LLM was already asked ${maxCalls} times in this run`, { hint: 'Each run consults the LLM a bounded number of times.' });
      calls++;
      try {
        return await inner.complete(messages, opts);
      } catch (e) {
        disabledBecause = e instanceof Error ? e.message : String(e);
        throw e;
      }
    },
  };
}
