import OpenAI, { type ClientOptions } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { LlmUnavailableError, type LlmUsage } from './classifier';

/** Some models wrap their JSON in a ```json fence even in JSON mode. */
export function stripCodeFence(content: string): string {
  const m = /^\s*```(?:json)?\s*\n?([\s\S]*?)\n?```\s*$/i.exec(content);
  return m?.[1] ?? content;
}

export function usageOf(completion: ChatCompletion): LlmUsage {
  const u = completion.usage;
  const promptTokens = u?.prompt_tokens ?? 0;
  const completionTokens = u?.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: u?.total_tokens ?? promptTokens + completionTokens };
}

type Fetch = NonNullable<ClientOptions['fetch']>;

/**
 * The SDK tells its own timeout from a connection failure only by an AbortError that is
 * `instanceof Error` in its realm. undici's DOMException is not when modules run inside
 * a vm (jest does that), and every timeout would be reported as `network`.
 */
export function abortAsError(fetch: Fetch): Fetch {
  return (input, init) =>
    fetch(input, init).catch((err: unknown) => {
      if (err instanceof Error || (err as { name?: unknown } | null)?.name !== 'AbortError') throw err;
      throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    });
}

/** SDK errors as the error classes callers act on; anything else passes through. */
export function toLlmError(err: unknown): unknown {
  // The caller's own abort is not an LLM failure: let it through unchanged.
  if (err instanceof OpenAI.APIUserAbortError) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new LlmUnavailableError('timeout', undefined, { cause: err });
  if (err instanceof OpenAI.APIConnectionError) return new LlmUnavailableError('network', undefined, { cause: err });
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const s = err.status;
    const reason = s === 429 ? 'rate_limited' : s >= 500 ? 'http_5xx' : s === 408 ? 'timeout' : 'http_4xx';
    return new LlmUnavailableError(reason, s, { cause: err });
  }
  return err;
}
