import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isCategory } from '../domain/labels';
import type { LlmClassification, LlmClassifyInput } from './classifier';
import { maskForLlm } from './openai-classifier';

export interface ClassificationCacheOptions {
  redis: Redis;
  /** Put the prompt version in it (e.g. `mulin:llm-cache:classify.v1`) so a new prompt starts cold. */
  prefix: string;
  /** 0 turns the shared cache off; concurrent identical calls are still merged. */
  ttlSeconds: number;
}

export type CacheKeyInput = Pick<LlmClassifyInput, 'text' | 'previousTexts' | 'underServiceDayPost'>;

/**
 * Identical text within a short window is classified once: a "+1" storm, or the same
 * advert pasted into many groups. Shared across processes through Redis; within one
 * process, concurrent identical requests also share the one call in flight.
 */
export class ClassificationCache {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(opts: ClassificationCacheOptions) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.ttlSeconds = opts.ttlSeconds;
  }

  /**
   * Hashes what the LLM would see. Masked first: texts differing only in a phone number
   * produce the same request, and the key holds nothing personal.
   */
  key(input: CacheKeyInput): string {
    const material = JSON.stringify([normalise(input.text), input.previousTexts.map(normalise), input.underServiceDayPost]);
    return createHash('sha256').update(material).digest('hex');
  }

  async get(key: string): Promise<LlmClassification | null> {
    if (this.ttlSeconds <= 0) return null;
    const raw = await this.redis.get(this.redisKey(key));
    if (raw === null) return null;
    try {
      const value = JSON.parse(raw) as LlmClassification;
      // A value written by an older release with other labels is a miss, not an error.
      return isCategory(value?.labels?.category) ? value : null;
    } catch {
      return null;
    }
  }

  async set(key: string, value: LlmClassification): Promise<void> {
    if (this.ttlSeconds <= 0) return;
    await this.redis.set(this.redisKey(key), JSON.stringify(value), 'EX', this.ttlSeconds);
  }

  /** Concurrent calls with the same key in this process share one run of `fn`. */
  singleFlight<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const run = fn().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private redisKey(key: string): string {
    return `${this.prefix}:${key}`;
  }
}

/** Full-width to half-width, masked as the LLM would see it, trimmed, runs of spaces to one. */
export function normalise(text: string): string {
  const halfWidth = text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  return maskForLlm(halfWidth).replace(/\s+/g, ' ').trim();
}
