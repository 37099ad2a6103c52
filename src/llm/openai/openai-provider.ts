/**
 * Any OpenAI-compatible chat endpoint (api.openai.com, vLLM, llama.cpp server, LM Studio, …) via
 * the `openai` SDK. One request per call: the SDK's own retries are off so a dead endpoint costs
 * one timeout, not several.
 */
import OpenAI from 'openai';
import { NovaError } from '../../errors.js';
import { DEFAULT_LLM_TIMEOUT_MS, DEFAULT_MAX_TOKENS, llmRequestError, requestSignal, withoutSecret, type ChatMessage, type CompleteOptions, type LlmProvider } from '../types.js';

import { OPENAI_DEFAULT_BASE_URL, publicEndpoint } from '../endpoints.js';

export { OPENAI_DEFAULT_BASE_URL, publicEndpoint };

export interface OpenAiProviderOptions {
  model: string;
  /** Optional only for a self-hosted compatible server that does not check keys. */
  apiKey?: string;
  baseUrl?: string;
}

export class OpenAiProvider implements LlmProvider {
  readonly name = 'openai';
  readonly model: string;
  readonly endpoint: string;
  private readonly client: OpenAI;
  private readonly apiKey?: string;

  constructor(o: OpenAiProviderOptions) {
    const baseURL = o.baseUrl || OPENAI_DEFAULT_BASE_URL;
    this.model = o.model;
    this.endpoint = publicEndpoint(baseURL);
    this.apiKey = o.apiKey;
    // A compatible server without authentication still gets a syntactically valid header.
    this.client = new OpenAI({ apiKey: o.apiKey || 'no-key', baseURL, maxRetries: 0, timeout: DEFAULT_LLM_TIMEOUT_MS });
  }

  async complete(messages: ChatMessage[], opts: CompleteOptions = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
    const req = requestSignal(timeoutMs, opts.signal);
    let text: string | null | undefined;
    const limit = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
    const create = (tokens: { max_tokens: number } | { max_completion_tokens: number }) => this.client.chat.completions.create(
      { model: this.model, messages, ...tokens },
      { signal: req.signal, timeout: timeoutMs, maxRetries: 0 },
    );
    try {
      let r;
      try {
        // max_tokens is what compatible servers (vLLM, llama.cpp, LM Studio) know.
        r = await create({ max_tokens: limit });
      } catch (e) {
        // OpenAI's reasoning models refuse it and name its successor: one second request, no more.
        if (!(e instanceof OpenAI.APIError && e.status === 400 && /max_completion_tokens/.test(e.message))) throw e;
        r = await create({ max_completion_tokens: limit });
      }
      text = r.choices?.[0]?.message?.content;
    } catch (e) {
      throw this.failure(e, req.timedOut(), timeoutMs, opts.signal);
    }
    if (typeof text !== 'string' || !text.trim()) {
      throw llmRequestError(this, 'failed', 'the answer had no message content', 'Check that NOVA_LLM_MODEL names a chat model the endpoint serves.');
    }
    return text;
  }

  private failure(e: unknown, timedOut: boolean, timeoutMs: number, signal?: AbortSignal): NovaError {
    const hint = 'Check OPENAI_BASE_URL, OPENAI_API_KEY and NOVA_LLM_MODEL (`nova doctor`), or set NOVA_LLM=none.';
    if (e instanceof OpenAI.APIConnectionTimeoutError || (timedOut && !signal?.aborted)) return llmRequestError(this, 'timeout', `${Math.round(timeoutMs / 1000)} s`, hint, e);
    if (e instanceof OpenAI.APIUserAbortError || signal?.aborted) return llmRequestError(this, 'aborted', '', hint, e);
    if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
      const why = e.status === 401 || e.status === 403 ? ' (the key was refused)' : e.status === 404 ? ' (unknown model or path)' : '';
      return llmRequestError(this, 'failed', `HTTP ${e.status}${why}: ${withoutSecret(e.message, this.apiKey).slice(0, 300)}`, hint, undefined);
    }
    const msg = e instanceof Error ? e.message : String(e);
    return llmRequestError(this, 'failed', withoutSecret(msg, this.apiKey).slice(0, 300), hint, undefined);
  }
}
