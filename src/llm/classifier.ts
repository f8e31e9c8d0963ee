import type { Labels } from '../domain/labels';

export interface LlmClassifyInput {
  /** The resident's message as written; implementations mask personal numbers before sending. */
  text: string;
  /** The same sender's earlier messages in the same chat, oldest first: context only. */
  previousTexts: string[];
  compoundName: string | null;
  underServiceDayPost: boolean;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface LlmClassification {
  labels: Labels;
  /** Only when labels.needs_clarification; Chinese, ≤ 30 chars. */
  clarifyingQuestion: string | null;
  /** The model the endpoint says answered (falls back to the configured name). */
  model: string;
  promptVersion: string;
  usage: LlmUsage;
  latencyMs: number;
}

export interface LlmClassifier {
  classify(input: LlmClassifyInput, opts?: { signal?: AbortSignal }): Promise<LlmClassification>;
}

/**
 * The endpoint could not answer in time or at all: fall back to the local classifier.
 * `http_4xx` (bad key, unknown model, unsupported response_format) will not heal by
 * retrying: operators must fix the configuration.
 */
export type LlmUnavailableReason = 'timeout' | 'network' | 'http_5xx' | 'rate_limited' | 'http_4xx';

export class LlmUnavailableError extends Error {
  constructor(
    readonly reason: LlmUnavailableReason,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`LLM unavailable: ${reason}${status === undefined ? '' : ` (HTTP ${status})`}`, options);
    this.name = 'LlmUnavailableError';
  }
}

/**
 * The answer was not JSON or failed the label schema. Carries the answer's length and
 * the failing paths, never the answer itself: it may echo resident text.
 */
export class LlmSchemaError extends Error {
  constructor(
    readonly answerLength: number,
    readonly problems: string[],
    /** Tokens were spent even though the answer is unusable. */
    readonly usage: LlmUsage | null = null,
  ) {
    super(`LLM answer rejected (${answerLength} chars): ${problems.join('; ')}`);
    this.name = 'LlmSchemaError';
  }
}

export class LlmBudgetExceededError extends Error {
  constructor(
    readonly scope: 'global' | 'compound',
    readonly unit: 'calls' | 'tokens',
    readonly limit: number,
  ) {
    super(`LLM ${scope} daily ${unit} budget (${limit}) exhausted`);
    this.name = 'LlmBudgetExceededError';
  }
}
