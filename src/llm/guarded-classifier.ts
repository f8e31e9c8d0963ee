import type { Logger } from '../log';
import type { LlmBudget } from './budget';
import type { ClassificationCache } from './classify-cache';
import { LlmBudgetExceededError, LlmSchemaError, LlmUnavailableError, type LlmClassification, type LlmClassifier, type LlmClassifyInput, type LlmUnavailableReason } from './classifier';

export type LlmFallbackReason = 'unconfigured' | 'budget_global' | 'budget_compound' | 'schema' | LlmUnavailableReason;

export type GuardedClassification =
  | { ok: true; result: LlmClassification; cached: boolean }
  | { ok: false; reason: LlmFallbackReason };

export interface GuardedClassifyInput extends LlmClassifyInput {
  /** The compound whose budget pays; null for a chat not mapped to a compound (global budget only). */
  compoundCode: string | null;
}

export interface GuardedClassifierOptions {
  /** null when no LLM is configured: every call answers `unconfigured`. */
  classifier: LlmClassifier | null;
  budget: LlmBudget;
  cache: ClassificationCache;
  log?: Logger;
}

type Attempt = { ok: true; result: LlmClassification } | { ok: false; reason: LlmFallbackReason };

/**
 * cache → budget → LLM → token count → cache. Answers why it could not classify instead
 * of throwing, so the pipeline falls back to the local classifier and records the
 * reason. Redis errors and the caller's own abort still throw: those are not LLM
 * outcomes, and the job should retry.
 */
export class GuardedClassifier {
  constructor(private readonly opts: GuardedClassifierOptions) {}

  async classify(input: GuardedClassifyInput, callOpts: { signal?: AbortSignal } = {}): Promise<GuardedClassification> {
    const { classifier, cache } = this.opts;
    if (!classifier) return { ok: false, reason: 'unconfigured' };
    const key = cache.key(input);
    const hit = await cache.get(key);
    if (hit) return { ok: true, result: hit, cached: true };

    let ranHere = false;
    const attempt = await cache.singleFlight(key, () => {
      ranHere = true;
      return this.attempt(classifier, key, input, callOpts);
    });
    return attempt.ok ? { ok: true, result: attempt.result, cached: !ranHere } : attempt;
  }

  private async attempt(classifier: LlmClassifier, key: string, input: GuardedClassifyInput, callOpts: { signal?: AbortSignal }): Promise<Attempt> {
    const { budget, cache, log } = this.opts;
    try {
      await budget.reserve(input.compoundCode);
    } catch (err) {
      if (err instanceof LlmBudgetExceededError) return { ok: false, reason: err.scope === 'global' ? 'budget_global' : 'budget_compound' };
      throw err;
    }
    let result: LlmClassification;
    try {
      result = await classifier.classify(
        { text: input.text, previousTexts: input.previousTexts, compoundName: input.compoundName, underServiceDayPost: input.underServiceDayPost },
        callOpts,
      );
    } catch (err) {
      if (err instanceof LlmUnavailableError) return { ok: false, reason: err.reason };
      if (err instanceof LlmSchemaError) {
        if (err.usage) await budget.recordTokens(input.compoundCode, err.usage.totalTokens);
        return { ok: false, reason: 'schema' };
      }
      throw err;
    }
    await budget.recordTokens(input.compoundCode, result.usage.totalTokens);
    // The answer is paid for: losing the cache write must not lose the answer.
    await cache.set(key, result).catch((err: unknown) => log?.warn({ err }, 'llm cache write failed'));
    return { ok: true, result };
  }
}
