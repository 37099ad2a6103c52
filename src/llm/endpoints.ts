/**
 * Endpoint helpers without the SDKs: the provider factory validates settings and names endpoints
 * at start-up, while the `openai` and `ollama` packages load only when a request is made.
 */
import { NovaError } from '../errors.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const OLLAMA_DEFAULT_HOST = 'http://127.0.0.1:11434';

/** Origin and path of a URL: no user, password or query string in messages. */
export function publicEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Where OLLAMA_HOST points, as the SDK reads it (a bare host:port means http; no port means 11434), without credentials. */
export function ollamaEndpoint(host: string | undefined): string {
  if (!host) return OLLAMA_DEFAULT_HOST;
  const explicit = host.includes('://');
  try {
    const u = new URL(explicit ? host : `http://${host.startsWith(':') ? `127.0.0.1${host}` : host}`);
    if (!u.port && !explicit) u.port = '11434';
    return publicEndpoint(u.toString());
  } catch {
    throw new NovaError('BAD_INPUT', `OLLAMA_HOST="${host}" is not a host or URL`, { hint: 'Example: OLLAMA_HOST=127.0.0.1:11434 or http://gpu-box:11434' });
  }
}
