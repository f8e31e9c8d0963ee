import type { CompoundDirectory } from './compound-lookup';

/**
 * The registry changes a few times a year and every message asks it: a short
 * in-process cache spares a store query per message. A reload shows within `ttlMs`.
 */
export function cachedDirectory(dir: CompoundDirectory, ttlMs: number, now: () => number = Date.now): CompoundDirectory {
  const cache = new Map<string, { at: number; value: Awaited<ReturnType<CompoundDirectory['byChatId']>> }>();
  return {
    async byChatId(chatId) {
      const hit = cache.get(chatId);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const value = await dir.byChatId(chatId);
      if (cache.size > 50_000) cache.clear();
      cache.set(chatId, { at: now(), value });
      return value;
    },
  };
}
