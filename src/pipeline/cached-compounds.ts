import type { CompoundDirectory } from './compound-lookup';
import { TtlCache } from './ttl-cache';

/**
 * The registry changes a few times a year and every message asks it: a short
 * in-process cache spares a store query per message. A reload shows within `ttlMs`.
 */
export function cachedDirectory(dir: CompoundDirectory, ttlMs: number, now: () => number = Date.now): CompoundDirectory {
  const cache = new TtlCache<Awaited<ReturnType<CompoundDirectory['byChatId']>>>(ttlMs, 50_000, now);
  return { byChatId: (chatId) => cache.get(chatId, () => dir.byChatId(chatId)) };
}
