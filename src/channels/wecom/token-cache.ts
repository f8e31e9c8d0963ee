import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { WeComRetryableError } from './api-errors';

/** A stable, non-reversible name for a secret (app secret, webhook key) in Redis keys and logs. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

export interface FetchedToken {
  token: string;
  expiresIn: number;
}

export interface TokenCacheOptions {
  redis: Redis;
  keyPrefix: string;
  corpId: string;
  secret: string;
  /** Calls gettoken; throws classified WeCom errors. */
  fetchToken: () => Promise<FetchedToken>;
  /** Refresh this long before WeCom's expiry. */
  earlyRefreshSeconds?: number;
  /** How long a refresher may hold the lock; longer than one gettoken call with its timeout. */
  lockTtlMs?: number;
  pollMs?: number;
  /** Give up waiting for a token after this long. */
  maxWaitMs?: number;
}

// Compare-and-delete: only the holder's own value is removed, so a late invalidation or a lock
// release after expiry cannot delete a token or lock that someone else wrote since.
const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * One access token per (corp, secret) in Redis, shared by every replica. A miss is refreshed
 * by one process at a time (SET NX lock); the others poll the key. Callers in one process share
 * one promise, so a burst of sends on a cold cache costs a single gettoken.
 */
export class TokenCache {
  readonly key: string;
  private readonly lockKey: string;
  private inflight: Promise<string> | undefined;
  private readonly earlyRefreshSeconds: number;
  private readonly lockTtlMs: number;
  private readonly pollMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.key = `${opts.keyPrefix}:wecom:token:${opts.corpId}:${fingerprint(opts.secret)}`;
    this.lockKey = `${this.key}:lock`;
    this.earlyRefreshSeconds = opts.earlyRefreshSeconds ?? 300;
    this.lockTtlMs = opts.lockTtlMs ?? 15_000;
    this.pollMs = opts.pollMs ?? 50;
    this.maxWaitMs = opts.maxWaitMs ?? 30_000;
  }

  get(): Promise<string> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drops the cached token only if it is still the one WeCom rejected. */
  async invalidate(badToken: string): Promise<void> {
    await this.opts.redis.eval(DELETE_IF_EQUALS, 1, this.key, badToken);
  }

  private async load(): Promise<string> {
    const { redis } = this.opts;
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const cached = await redis.get(this.key);
      if (cached) return cached;

      const lockValue = randomUUID();
      if ((await redis.set(this.lockKey, lockValue, 'PX', this.lockTtlMs, 'NX')) === 'OK') {
        try {
          return await this.refreshHoldingLock();
        } finally {
          await redis.eval(DELETE_IF_EQUALS, 1, this.lockKey, lockValue).catch(() => undefined);
        }
      }

      // Another replica is refreshing: wait for its token, or for its lock to lapse if it died.
      while (Date.now() < deadline && (await redis.exists(this.lockKey)) === 1) {
        const token = await redis.get(this.key);
        if (token) return token;
        await delay(this.pollMs);
      }
      if (Date.now() >= deadline) {
        throw new WeComRetryableError('gettoken', null, 'timed out waiting for another replica to refresh the access token');
      }
    }
  }

  private async refreshHoldingLock(): Promise<string> {
    // The previous holder may have written the token between our GET and our lock.
    const cached = await this.opts.redis.get(this.key);
    if (cached) return cached;
    const { token, expiresIn } = await this.opts.fetchToken();
    const ttlSeconds = expiresIn > this.earlyRefreshSeconds * 2 ? expiresIn - this.earlyRefreshSeconds : Math.max(1, Math.floor(expiresIn / 2));
    await this.opts.redis.set(this.key, token, 'EX', ttlSeconds);
    return token;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
