/**
 * A local or remote Ollama server via the `ollama` SDK (`POST /api/chat`, not streamed). The SDK
 * has no per-request timeout, so each call gets its own client whose fetch carries the call's
 * signal (timeout or the caller's cancel).
 */
import { Ollama } from 'ollama';
import { NovaError } from '../../errors.js';
import { DEFAULT_LLM_TIMEOUT_MS, DEFAULT_MAX_TOKENS, llmRequestError, requestSignal, type ChatMessage, type CompleteOptions, type LlmProvider } from '../types.js';
import { OLLAMA_DEFAULT_HOST, ollamaEndpoint } from '../endpoints.js';

export { OLLAMA_DEFAULT_HOST, ollamaEndpoint };

export interface OllamaProviderOptions {
  model: string;
  /** OLLAMA_HOST: a URL or host:port. */
  host?: string;
}

export class OllamaProvider implements LlmProvider {
  readonly name = 'ollama';
  readonly model: string;
  readonly endpoint: string;
  private readonly host: string;

  constructor(o: OllamaProviderOptions) {
    this.model = o.model;
    this.endpoint = ollamaEndpoint(o.host);
    // The SDK is given the host as configured (it may carry credentials the endpoint text omits).
    this.host = o.host || OLLAMA_DEFAULT_HOST;
  }

  async complete(messages: ChatMessage[], opts: CompleteOptions = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
    const req = requestSignal(timeoutMs, opts.signal);
    const client = new Ollama({ host: this.host, fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, req.signal]) : req.signal }) });
    let text: unknown;
    try {
      const r = await client.chat({ model: this.model, messages, stream: false, options: { num_predict: opts.maxTokens ?? DEFAULT_MAX_TOKENS } });
      text = r.message?.content;
    } catch (e) {
      throw this.failure(e, req.timedOut(), timeoutMs, opts.signal);
    }
    if (typeof text !== 'string' || !text.trim()) {
      throw llmRequestError(this, 'failed', 'the answer had no message content', 'Check that NOVA_LLM_MODEL names a model pulled on the server (`ollama list`).');
    }
    return text;
  }

  private failure(e: unknown, timedOut: boolean, timeoutMs: number, signal?: AbortSignal): NovaError {
    const hint = 'Check OLLAMA_HOST and NOVA_LLM_MODEL (`ollama list` on the server, `nova doctor` here), or set NOVA_LLM=none.';
    if (timedOut && !signal?.aborted) return llmRequestError(this, 'timeout', `${Math.round(timeoutMs / 1000)} s`, hint, e);
    if (signal?.aborted) return llmRequestError(this, 'aborted', '', hint, e);
    const status = (e as { status_code?: unknown })?.status_code;
    const msg = (e instanceof Error ? e.message : String(e)).slice(0, 300);
    if (typeof status === 'number') {
      const why = status === 404 ? ' (model not found on the server: `ollama pull` it)' : '';
      return llmRequestError(this, 'failed', `HTTP ${status}${why}: ${msg}`, hint);
    }
    const cause = (e as { cause?: { code?: unknown } })?.cause?.code;
    return llmRequestError(this, 'failed', typeof cause === 'string' ? `${msg} (${cause})` : msg, hint);
  }
}
