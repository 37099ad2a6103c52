/**
 * The one shape every language-model backend has for NovaSystem: a chat completion that returns
 * text, bounded in time and tokens. Backends (openai/, ollama/) turn every failure into a
 * NovaError that names the endpoint, never the credentials.
 */
import { NovaError } from '../errors.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompleteOptions {
  /** Upper bound on the answer's length, in tokens. */
  maxTokens?: number;
  /** Wall-clock bound of the whole request (default DEFAULT_LLM_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Cancels the request (Ctrl-C of an install). */
  signal?: AbortSignal;
}

export interface LlmProvider {
  /** Backend name: 'openai' (any OpenAI-compatible endpoint) or 'ollama'. */
  readonly name: string;
  readonly model: string;
  /** Where requests go, without credentials (for messages and doctor). */
  readonly endpoint: string;
  complete(messages: ChatMessage[], opts?: CompleteOptions): Promise<string>;
}

export const DEFAULT_LLM_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_TOKENS = 800;

/** A signal that fires on the caller's abort or after `timeoutMs`, whichever comes first. */
export function requestSignal(timeoutMs: number, signal?: AbortSignal): { signal: AbortSignal; timedOut: () => boolean } {
  const timer = AbortSignal.timeout(timeoutMs);
  return { signal: signal ? AbortSignal.any([signal, timer]) : timer, timedOut: () => timer.aborted };
}

/** Removes a secret from text that may echo it (an error body quoting the request, say). */
export function withoutSecret(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('***') : text;
}

/**
 * The NovaError for a failed request. Timeouts are TIMEOUT, a cancelled request and everything
 * else (refused connection, HTTP errors, empty answers) UNAVAILABLE; all name the endpoint.
 */
export function llmRequestError(p: { name: string; model: string; endpoint: string }, kind: 'timeout' | 'aborted' | 'failed', detail: string, hint: string, cause?: unknown): NovaError {
  const where = `${p.name} model ${p.model} at ${p.endpoint}`;
  if (kind === 'timeout') return new NovaError('TIMEOUT', `the LLM (${where}) did not answer within ${detail}`, { hint, cause });
  if (kind === 'aborted') return new NovaError('UNAVAILABLE', `the request to the LLM (${where}) was cancelled`, { hint, cause });
  return new NovaError('UNAVAILABLE', `the LLM (${where}) failed: ${detail}`, { hint, cause });
}
