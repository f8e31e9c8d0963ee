import type { Compound } from '../domain/compound';
import type { CompoundDirectory } from './compound-lookup';

type Entry = NonNullable<Awaited<ReturnType<CompoundDirectory['byChatId']>>>;

/**
 * The registry changes a few times a year and every message asks it, so each worker keeps
 * all of it in memory (10,000 compounds are ~10 MB) and reads it again every `ttlMs`: one
 * read of the collection instead of a query per message, and a chat no compound owns costs
 * nothing. A reload by the operator shows within `ttlMs`; if a reload fails, the last
 * snapshot stays in use and the next message tries again.
 */
export function snapshotDirectory(repo: { list(): Promise<Compound[]> }, ttlMs: number, now: () => number = Date.now): CompoundDirectory {
  let snapshot: { at: number; byChat: Map<string, Entry> } | null = null;
  let loading: Promise<Map<string, Entry>> | null = null;

  const load = async () => {
    const byChat = new Map<string, Entry>();
    for (const compound of await repo.list()) {
      if (compound.staffChatId) byChat.set(compound.staffChatId, { compound, via: 'staff' });
      // A chat that is both (a misconfiguration the loader refuses) reads as the residents' group.
      if (compound.chatId) byChat.set(compound.chatId, { compound, via: 'group' });
    }
    snapshot = { at: now(), byChat };
    return byChat;
  };

  return {
    async byChatId(chatId) {
      let byChat = snapshot && now() - snapshot.at < ttlMs ? snapshot.byChat : null;
      if (!byChat) {
        loading ??= load().finally(() => (loading = null));
        try {
          byChat = await loading;
        } catch (err) {
          if (!snapshot) throw err;
          byChat = snapshot.byChat;
        }
      }
      return byChat.get(chatId) ?? null;
    },
  };
}
