import type { Redis } from 'ioredis';

// Redis figures for scale-fanout.ts. used_memory is the whole server's (other tenants included);
// MEMORY USAGE of our own keys is the cross-check that other tenants cannot move.

export async function usedMemory(redis: Redis): Promise<number> {
  const m = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  if (!m) throw new Error('INFO memory has no used_memory');
  return Number(m[1]);
}

/**
 * used_memory once objects freed in the background (lazyfree) are gone: memory right after a
 * large delete still counts them.
 */
export async function settledMemory(redis: Redis, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await redis.info('memory');
    const pending = Number(/^lazyfree_pending_objects:(\d+)/m.exec(info)?.[1] ?? 0);
    if (pending === 0 || Date.now() > deadline) return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scanKeys(redis: Redis, pattern: string, each: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await each(keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Sum of MEMORY USAGE (all elements counted) over the keys matching `pattern`. */
export async function keysMemory(redis: Redis, pattern: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  await scanKeys(redis, pattern, async (batch) => {
    const pipe = redis.pipeline();
    for (const k of batch) pipe.memory('USAGE', k, 'SAMPLES', 0);
    for (const [err, n] of (await pipe.exec()) ?? []) {
      if (err) continue;
      keys++;
      bytes += Number(n ?? 0);
    }
  });
  return { keys, bytes };
}

/** MEMORY USAGE and encoding of some keys (e.g. a sample of job hashes). */
export async function memoryOf(redis: Redis, keys: readonly string[]): Promise<{ keys: number; bytes: number; encodings: Map<string, number> }> {
  const pipe = redis.pipeline();
  for (const k of keys) pipe.memory('USAGE', k, 'SAMPLES', 0).object('ENCODING', k);
  const res = (await pipe.exec()) ?? [];
  let bytes = 0;
  let found = 0;
  const encodings = new Map<string, number>();
  for (let i = 0; i < res.length; i += 2) {
    const usage = res[i]?.[1];
    const enc = res[i + 1]?.[1];
    if (usage === null || usage === undefined) continue;
    found++;
    bytes += Number(usage);
    encodings.set(String(enc), (encodings.get(String(enc)) ?? 0) + 1);
  }
  return { keys: found, bytes, encodings };
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let n = 0;
  await scanKeys(redis, pattern, async (keys) => {
    n += await redis.unlink(...keys);
  });
  return n;
}

export async function redisConfig(redis: Redis, name: string): Promise<string> {
  const [, value] = (await redis.config('GET', name)) as [string, string];
  return value ?? '?';
}
