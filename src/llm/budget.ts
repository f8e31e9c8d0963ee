import type { Redis } from 'ioredis';
import { shanghaiDayKey } from '../domain/shanghai-time';
import { LlmBudgetExceededError } from './classifier';

export interface LlmBudgetLimits {
  globalCallsPerDay: number;
  globalTokensPerDay: number;
  compoundCallsPerDay: number;
  compoundTokensPerDay: number;
}

export interface LlmBudgetOptions {
  redis: Redis;
  /** e.g. `${QUEUE_PREFIX}:llm`; keys are `<prefix>:budget:<day>:…`. */
  prefix: string;
  limits: LlmBudgetLimits;
  now?: () => Date;
}

export interface LlmBudgetUsage {
  /** YYYY-MM-DD in Asia/Shanghai: budgets reset at local midnight. */
  day: string;
  global: { calls: number; tokens: number };
  compound: { calls: number; tokens: number } | null;
  limits: LlmBudgetLimits;
}

// Counters outlive their day by a day so yesterday's figures can still be read.
const KEY_TTL_SECONDS = 2 * 24 * 3600;

// Checks every limit, then counts the call in both scopes, in one step: concurrent
// workers can never overshoot the call limits. Tokens are only known after the call,
// so a token limit stops the next call once it has been reached.
// KEYS: global calls, global tokens[, compound calls, compound tokens]
// ARGV: limits in the same order, then the TTL. Returns nil or {scope, unit, limit}.
const RESERVE = `
local n = #KEYS
local scopes = {'global', 'global', 'compound', 'compound'}
local units = {'calls', 'tokens', 'calls', 'tokens'}
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  local limit = tonumber(ARGV[i])
  if used >= limit then return {scopes[i], units[i], ARGV[i]} end
end
for i = 1, n, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[n + 1])
end
return nil
`;

/** Daily LLM budgets (calls and tokens), globally and per compound, counted in Redis. */
export class LlmBudget {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly limits: LlmBudgetLimits;
  private readonly now: () => Date;

  constructor(opts: LlmBudgetOptions) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.limits = opts.limits;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Counts one call in the global scope and, when the chat belongs to a known compound,
   * in that compound's; or throws LlmBudgetExceededError and counts nothing.
   */
  async reserve(compoundCode: string | null): Promise<void> {
    const keys = this.keys(compoundCode);
    const l = this.limits;
    const limits = compoundCode === null ? [l.globalCallsPerDay, l.globalTokensPerDay] : [l.globalCallsPerDay, l.globalTokensPerDay, l.compoundCallsPerDay, l.compoundTokensPerDay];
    const refused = (await this.redis.eval(RESERVE, keys.length, ...keys, ...limits.map(String), String(KEY_TTL_SECONDS))) as [string, string, string] | null;
    if (refused) throw new LlmBudgetExceededError(refused[0] as 'global' | 'compound', refused[1] as 'calls' | 'tokens', Number(refused[2]));
  }

  async recordTokens(compoundCode: string | null, tokens: number): Promise<void> {
    if (!(tokens > 0)) return;
    const tx = this.redis.multi();
    for (const key of this.keys(compoundCode).filter((k) => k.endsWith(':tokens'))) tx.incrby(key, Math.round(tokens)).expire(key, KEY_TTL_SECONDS);
    await tx.exec();
  }

  async usage(compoundCode?: string | null): Promise<LlmBudgetUsage> {
    const code = compoundCode ?? null;
    const keys = this.keys(code);
    const values = (await this.redis.mget(...keys)).map((v) => Number(v ?? 0));
    return {
      day: this.day(),
      global: { calls: values[0] ?? 0, tokens: values[1] ?? 0 },
      compound: code === null ? null : { calls: values[2] ?? 0, tokens: values[3] ?? 0 },
      limits: { ...this.limits },
    };
  }

  private day(): string {
    return shanghaiDayKey(this.now());
  }

  private keys(compoundCode: string | null): string[] {
    const base = `${this.prefix}:budget:${this.day()}`;
    const keys = [`${base}:global:calls`, `${base}:global:tokens`];
    if (compoundCode !== null) keys.push(`${base}:compound:${compoundCode}:calls`, `${base}:compound:${compoundCode}:tokens`);
    return keys;
  }
}
