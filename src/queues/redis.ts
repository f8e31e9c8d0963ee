import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers need maxRetriesPerRequest null (BullMQ blocks on Redis); producers on the
 * HTTP path must fail fast when Redis is down so the callback answers 503 instead
 * of hanging until WeCom gives up.
 */
export function createRedis(url: string, role: 'worker' | 'producer', extra: RedisOptions = {}): Redis {
  const base: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : // Auto-pipelining sends the commands issued in one tick in one write: a message's
        // several small Redis calls (stream state, cache, budget, hints, job adds) cost one syscall.
        { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 2000, enableAutoPipelining: true };
  const client = new Redis(url, { ...base, lazyConnect: false, ...extra });
  // An unhandled 'error' event would crash the process; callers add their own listener for logging.
  client.on('error', () => undefined);
  return client;
}
