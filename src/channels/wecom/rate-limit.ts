import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateLimitRule } from './destination';

export type Acquired = { ok: true } | { ok: false; retryAfterMs: number };

// Sliding-window log, one sorted set per key (score = ms). All keys are checked before any is
// written, so a send that is refused by one window consumes no slot in the others.
// Redis TIME instead of the caller's clock: replicas with skewed clocks still share one window.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i * 2])
  local window = tonumber(ARGV[i * 2 + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    local w = tonumber(freeing[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[i * 2 + 1]))
end
return 0
`;

/** Takes one slot in every window of `rules`, or none and says how long until one frees up. */
export async function tryAcquire(redis: Redis, prefix: string, rules: readonly RateLimitRule[]): Promise<Acquired> {
  if (rules.length === 0) return { ok: true };
  for (const r of rules) {
    if (!(r.limit >= 1 && r.windowMs >= 1)) throw new RangeError(`rate limit ${r.key} needs limit >= 1 and windowMs >= 1`);
  }
  const keys = rules.map((r) => `${prefix}:ratelimit:${r.key}`);
  const args = [randomUUID(), ...rules.flatMap((r) => [String(r.limit), String(r.windowMs)])];
  const wait = Number(await redis.eval(ACQUIRE, keys.length, ...keys, ...args));
  return wait > 0 ? { ok: false, retryAfterMs: wait } : { ok: true };
}
