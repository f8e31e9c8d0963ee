import type { Redis } from 'ioredis';
import { SenderHistory, type SenderMessage } from '../../src/hints/sender-history';
import { createRedis } from '../../src/queues/redis';
import { REDIS_URL, uniqueName } from '../support/env';

const prefix = uniqueName('senderhistory');
const T0 = new Date('2025-04-01T02:00:00Z').getTime();
/** As many as src/roles/services.ts keeps per sender and chat. */
const KEEP = 10;

let redis: Redis;
let history: SenderHistory;
let seq = 0;

/** A fresh chat per test, so lists never leak between tests. */
const newChat = () => `wrchat-${++seq}`;
const msg = (id: string, minute: number): SenderMessage => ({ id, receivedAt: new Date(T0 + minute * 60_000) });
const key = (chatId: string, senderId: string) => `${prefix}:sender-history:${chatId}:${senderId}`;

beforeAll(() => {
  redis = createRedis(REDIS_URL, 'worker');
  history = new SenderHistory(redis, prefix, KEEP);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('SenderHistory', () => {
  it('answers the sender\'s earlier messages newest first, by time received rather than the order remembered', async () => {
    const chat = newChat();
    // Jobs finish out of order: the 3rd message is remembered before the 1st.
    for (const [id, minute] of [['m2', 2], ['m3', 3], ['m1', 1], ['m4', 4]] as const) await history.remember(chat, 'res.a', msg(id, minute));

    expect(await history.before(chat, 'res.a', msg('m5', 5), 10)).toEqual(['m4', 'm3', 'm2', 'm1']);
  });

  it('leaves out the message itself and anything received at or after it', async () => {
    const chat = newChat();
    for (const [id, minute] of [['m1', 1], ['m2', 2], ['m3', 3], ['same-ms', 3], ['m4', 4]] as const) await history.remember(chat, 'res.a', msg(id, minute));

    // On a retried job the first run already remembered the message: it is not its own context.
    expect(await history.before(chat, 'res.a', msg('m3', 3), 10)).toEqual(['m2', 'm1']);
    expect(await history.before(chat, 'res.a', msg('m1', 1), 10)).toEqual([]);
    // Received the same millisecond as m3: before m4, after neither m3 nor itself.
    const beforeM4 = await history.before(chat, 'res.a', msg('m4', 4), 10);
    expect(beforeM4.slice(0, 2).sort()).toEqual(['m3', 'same-ms']);
    expect(beforeM4.slice(2)).toEqual(['m2', 'm1']);
  });

  it('keeps each sender in each chat apart', async () => {
    const chat = newChat();
    const other = newChat();
    await history.remember(chat, 'res.a', msg('a1', 1));
    await history.remember(chat, 'res.b', msg('b1', 2));
    await history.remember(other, 'res.a', msg('a-elsewhere', 3));

    expect(await history.before(chat, 'res.a', msg('a2', 10), 10)).toEqual(['a1']);
    expect(await history.before(chat, 'res.b', msg('b2', 10), 10)).toEqual(['b1']);
    expect(await history.before(other, 'res.a', msg('a3', 10), 10)).toEqual(['a-elsewhere']);
    expect(await history.before(chat, 'res.nobody', msg('x', 10), 10)).toEqual([]);
  });

  it('answers an id remembered twice (a retried job) once, and does not count the repeat toward the limit', async () => {
    const chat = newChat();
    await history.remember(chat, 'res.a', msg('m1', 1));
    await history.remember(chat, 'res.a', msg('m2', 2));
    await history.remember(chat, 'res.a', msg('m2', 2));
    await history.remember(chat, 'res.a', msg('m3', 3));
    await history.remember(chat, 'res.a', msg('m3', 3));

    expect(await redis.llen(key(chat, 'res.a'))).toBe(5);
    expect(await history.before(chat, 'res.a', msg('m4', 4), 10)).toEqual(['m3', 'm2', 'm1']);
    expect(await history.before(chat, 'res.a', msg('m4', 4), 2)).toEqual(['m3', 'm2']);
  });

  it('answers at most limit ids, the newest', async () => {
    const chat = newChat();
    for (let i = 1; i <= 6; i++) await history.remember(chat, 'res.a', msg(`m${i}`, i));

    expect(await history.before(chat, 'res.a', msg('m7', 7), 3)).toEqual(['m6', 'm5', 'm4']);
    expect(await history.before(chat, 'res.a', msg('m7', 7), 1)).toEqual(['m6']);
    expect(await history.before(chat, 'res.a', msg('m5', 5), 2)).toEqual(['m4', 'm3']);
  });

  it('keeps at most keep*2 entries, the latest remembered', async () => {
    const keep = 3;
    const small = new SenderHistory(redis, prefix, keep);
    const chat = newChat();
    for (let i = 1; i <= 10; i++) await small.remember(chat, 'res.a', msg(`m${i}`, i));

    expect(await redis.llen(key(chat, 'res.a'))).toBe(keep * 2);
    expect(await small.before(chat, 'res.a', msg('m11', 11), 100)).toEqual(['m10', 'm9', 'm8', 'm7', 'm6', 'm5']);
    // The default keep reads the same list: nothing older comes back.
    expect(await history.before(chat, 'res.a', msg('m11', 11), 100)).toEqual(['m10', 'm9', 'm8', 'm7', 'm6', 'm5']);
  });

  it('lets the list expire within a day of the last message remembered', async () => {
    const chat = newChat();
    await history.remember(chat, 'res.a', msg('m1', 1));
    await redis.expire(key(chat, 'res.a'), 60);
    await history.remember(chat, 'res.a', msg('m2', 2));
    const ttl = await redis.ttl(key(chat, 'res.a'));

    expect(ttl).toBeGreaterThan(60);
    expect(ttl).toBeLessThanOrEqual(86400);
  });
  it('remembers that the bot asked the sender a question, for as long as it waits, per chat and sender', async () => {
    const chat = newChat();
    expect(await history.mayHaveQuestion(chat, 'res.q')).toBe(false);
    await history.noteQuestion(chat, 'res.q', 30 * 60_000);
    expect(await history.mayHaveQuestion(chat, 'res.q')).toBe(true);
    expect(await history.mayHaveQuestion(chat, 'res.other')).toBe(false);
    expect(await history.mayHaveQuestion(newChat(), 'res.q')).toBe(false);
    const ttl = await redis.pttl(`${prefix}:asked:${chat}:res.q`);
    expect(ttl).toBeGreaterThan(29 * 60_000);
    expect(ttl).toBeLessThanOrEqual(30 * 60_000);
  });
});
