import type { Redis } from 'ioredis';

export interface SenderMessage {
  id: string;
  receivedAt: Date;
}

const KEEP_SECONDS = 24 * 3600;

// One command instead of a MULTI of three: this runs for every resident message.
const REMEMBER = `redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`;

/**
 * What a sender said and was asked lately in a chat, kept in Redis. The ids of their latest
 * messages, newest first, for a day, so the context for "+1" or "还没人管吗" is a few reads
 * by _id (the texts stay in the store).
 * On MongoDB a query by chat and sender would do; FerretDB 1.24 would read every message
 * ever received for it. Lost ids only make the context shorter.
 */
export class SenderHistory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly keep: number,
  ) {}

  async remember(chatId: string, senderId: string, msg: SenderMessage): Promise<void> {
    await this.redis.eval(REMEMBER, 1, this.key(chatId, senderId), `${msg.receivedAt.getTime()}:${msg.id}`, this.keep * 2 - 1, KEEP_SECONDS);
  }

  /** Up to `limit` ids received before `before` (not `before` itself), newest first. */
  async before(chatId: string, senderId: string, before: SenderMessage, limit: number): Promise<string[]> {
    const entries = (await this.redis.lrange(this.key(chatId, senderId), 0, this.keep * 2 - 1))
      .map((e) => ({ at: Number(e.slice(0, e.indexOf(':'))), id: e.slice(e.indexOf(':') + 1) }))
      .sort((a, b) => b.at - a.at);
    const ids: string[] = [];
    for (const { at, id } of entries) {
      if (id === before.id || at >= before.receivedAt.getTime() || ids.includes(id)) continue;
      ids.push(id);
      if (ids.length >= limit) break;
    }
    return ids;
  }

  /** The bot asked this sender a question in this chat that waits `waitMs` for an answer. */
  async noteQuestion(chatId: string, senderId: string, waitMs: number): Promise<void> {
    await this.redis.set(this.questionKey(chatId, senderId), '1', 'PX', Math.max(1, Math.ceil(waitMs)));
  }

  /**
   * Whether a question may be waiting: most messages are not answers, and this spares them a
   * store read. A hint Redis lost makes the answer read as a new message; the question then
   * times out and its ticket opens with the gap marked.
   */
  async mayHaveQuestion(chatId: string, senderId: string): Promise<boolean> {
    return (await this.redis.exists(this.questionKey(chatId, senderId))) === 1;
  }

  private questionKey(chatId: string, senderId: string): string {
    return `${this.prefix}:asked:${chatId}:${senderId}`;
  }

  private key(chatId: string, senderId: string): string {
    return `${this.prefix}:sender-history:${chatId}:${senderId}`;
  }
}
