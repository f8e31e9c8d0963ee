import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible endpoint: point OPENAI_BASE_URL (or a classifier's baseUrl) at
 * `baseUrl` and the real `openai` SDK talks to it. Answers come from the queue
 * (`enqueue`), then from the script (`script`), then a deterministic default.
 */

export interface FakeChatMessage {
  role: string;
  content: string;
}

export interface FakeChatRequest {
  model: string;
  messages: FakeChatMessage[];
  temperature?: number;
  max_tokens?: number;
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> } };
  [key: string]: unknown;
}

export interface FakeRequest {
  body: FakeChatRequest;
  /** Date.now() when the request arrived. */
  at: number;
}

export type FakeAnswer =
  | { labels: object; usage?: { prompt_tokens: number; completion_tokens: number } }
  /** Sent as the message content verbatim: invalid JSON, prose, a code fence… */
  | { content: string }
  | { delayMs: number; then: FakeAnswer }
  | { status: number; body?: object; headers?: Record<string, string> };

export interface FakeOpenAi {
  /** Ends with /v1, as OPENAI_BASE_URL does. */
  baseUrl: string;
  requests: FakeRequest[];
  /** Answers every request the queue does not; replaces the default. */
  script(handler: (req: FakeRequest) => FakeAnswer): void;
  /** One answer per coming request, in order, before the script. */
  enqueue(...answers: FakeAnswer[]): void;
  close(): Promise<void>;
}

export interface FakeOpenAiOptions {
  /** Delay before every default answer (the pipeline bench uses 300 ms). */
  defaultDelayMs?: number;
}

/** What the default answer says: an ordinary chatter classification, stable for benchmarks. */
export const DEFAULT_FAKE_LABELS = {
  actionable: false,
  category: 'chit_chat',
  tier: 'none',
  urgency: 'low',
  building: null,
  needs_clarification: false,
  summary: '居民闲聊',
  clarifying_question: null,
} as const;

/** The user message of a recorded request (the one carrying the resident's text). */
export function userContent(req: FakeRequest): string {
  return req.body.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
}

export function systemContent(req: FakeRequest): string {
  return req.body.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
}

/** The text between `<tag>` and `</tag>` in the user message (`reply` for the staff-intent reader); null when absent. */
export function taggedContent(req: FakeRequest, tag: string): string | null {
  const m = new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(userContent(req));
  return m?.[1] ?? null;
}

export async function startFakeOpenAi(opts: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const requests: FakeRequest[] = [];
  const queue: FakeAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let handler: ((req: FakeRequest) => FakeAnswer) | null = null;
  let seq = 0;

  const defaultAnswer = (): FakeAnswer =>
    opts.defaultDelayMs ? { delayMs: opts.defaultDelayMs, then: { labels: DEFAULT_FAKE_LABELS } } : { labels: DEFAULT_FAKE_LABELS };

  function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  function answer(req: FakeRequest, a: FakeAnswer, res: ServerResponse): void {
    if ('delayMs' in a) {
      const t = setTimeout(() => {
        timers.delete(t);
        answer(req, a.then, res);
      }, a.delayMs);
      timers.add(t);
      return;
    }
    if ('status' in a) {
      send(res, a.status, a.body ?? { error: { message: `fake error ${a.status}`, type: 'server_error', param: null, code: null } }, a.headers);
      return;
    }
    const content = 'content' in a ? a.content : JSON.stringify(a.labels);
    const promptTokens = 'labels' in a && a.usage ? a.usage.prompt_tokens : tokenCount(req.body.messages.map((m) => m.content).join(''));
    const completionTokens = 'labels' in a && a.usage ? a.usage.completion_tokens : tokenCount(content);
    send(res, 200, {
      id: `chatcmpl-fake-${++seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: req.body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/chat/completions') {
      send(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    let body: FakeChatRequest;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeChatRequest;
    } catch {
      send(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    const recorded: FakeRequest = { body, at: Date.now() };
    requests.push(recorded);
    answer(recorded, queue.shift() ?? handler?.(recorded) ?? defaultAnswer(), res);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => send(res, 500, { error: { message: 'fake crashed', type: 'server_error', param: null, code: null } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(h) {
      handler = h;
    },
    enqueue(...answers) {
      queue.push(...answers);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** Roughly one token per two characters: deterministic, and close enough for budgets. */
function tokenCount(text: string): number {
  return Math.max(1, Math.ceil(text.length / 2));
}
