/**
 * Test doubles for the LLM endpoints that cannot exist here (a paid API, a GPU box): real HTTP
 * servers on 127.0.0.1 speaking the real wire protocols — OpenAI's `POST /v1/chat/completions`
 * and Ollama's `POST /api/chat` (non-streamed) — so the providers run their SDKs unchanged.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WireKind = 'openai' | 'ollama';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** What the double does with a request: answer with text, fail with an HTTP status, or never answer. */
export type WireReply = { content: string } | { status: number; error: string } | { hang: true };

export interface WireDouble {
  /** Base URL as the provider is configured: OPENAI_BASE_URL (…/v1) or OLLAMA_HOST. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function openAiCompletion(model: string, content: string): unknown {
  return {
    id: `chatcmpl-${Date.now()}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

function ollamaChat(model: string, content: string): unknown {
  return {
    model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done: true, done_reason: 'stop',
    total_duration: 1_000_000, load_duration: 1000, prompt_eval_count: 10, prompt_eval_duration: 1000, eval_count: 10, eval_duration: 1000,
  };
}

export async function startWireDouble(kind: WireKind, reply: (req: RecordedRequest) => WireReply): Promise<WireDouble> {
  const requests: RecordedRequest[] = [];
  const route = kind === 'openai' ? '/v1/chat/completions' : '/api/chat';
  const server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      let body: Record<string, unknown> = {};
      try { body = JSON.parse(text) as Record<string, unknown>; } catch { /* recorded as empty */ }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      if (req.method !== 'POST' || req.url !== route) {
        send(res, 404, kind === 'openai' ? { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } } : { error: `no route ${req.url}` });
        return;
      }
      const r = reply(recorded);
      if ('hang' in r) return; // the client's timeout must end this
      if ('status' in r) {
        send(res, r.status, kind === 'openai' ? { error: { message: r.error, type: 'server_error', code: null } } : { error: r.error });
        return;
      }
      const model = String(body.model ?? '');
      send(res, 200, kind === 'openai' ? openAiCompletion(model, r.content) : ollamaChat(model, r.content));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: kind === 'openai' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
