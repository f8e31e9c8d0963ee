import { ClarificationRepo, type PendingClarification } from '../../src/store/clarification-repo';
import { connectStore, type Connection } from '../../src/store/connection';
import { MONGODB_URL, uniqueName } from '../support/env';

const dbName = uniqueName('clarificationrepo');
const T0 = new Date('2025-04-01T02:00:00Z').getTime();
const WAIT_MS = 10 * 60_000;
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

let conn: Connection;
let repo: ClarificationRepo;
let seq = 0;

type Question = Omit<PendingClarification, 'status' | 'answeredBy'>;

/** A question asked at `minute`, in a fresh chat unless one is given. */
function question(over: Partial<Question> & { minute?: number } = {}): Question {
  const { minute = 0, ...rest } = over;
  const n = ++seq;
  return {
    id: `aibot-q-${n}`,
    compoundCode: 'YX0315',
    chatId: `wrchat-${n}`,
    senderId: 'res.a',
    missing: 'place',
    classification: { labels: { category: 'facility_repair', building: null, summary: '电梯坏了' }, classifier: { source: 'llm' } },
    createdAt: at(minute),
    expiresAt: new Date(at(minute).getTime() + WAIT_MS),
    ...rest,
  };
}

const stored = (id: string) => conn.collection('pending_clarifications').findOne({ _id: id as never });

beforeAll(async () => {
  conn = await connectStore(MONGODB_URL, { dbName });
  repo = new ClarificationRepo(conn);
});

afterAll(async () => {
  await conn.dropDatabase();
  await conn.close();
});

describe('ClarificationRepo', () => {
  it('lets the first answer from the same sender in the same chat claim the question, once', async () => {
    const q = question();
    expect(await repo.put(q)).toBe(true);

    const claimed = await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-answer-1', at(1));
    expect(claimed).toEqual({ ...q, status: 'answered', answeredBy: 'aibot-answer-1' });
    expect(await stored(q.id)).toMatchObject({ status: 'answered', answeredBy: 'aibot-answer-1' });

    // A second, different answer finds the question taken.
    expect(await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-answer-2', at(2))).toBeNull();
    expect(await stored(q.id)).toMatchObject({ status: 'answered', answeredBy: 'aibot-answer-1' });
  });

  it('gives a retried answer job the question its first run claimed', async () => {
    const q = question();
    await repo.put(q);
    const first = await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-answer-r', at(1));
    const retried = await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-answer-r', at(2));

    expect(first).toMatchObject({ id: q.id, status: 'answered', answeredBy: 'aibot-answer-r' });
    expect(retried).toEqual(first);
  });

  it('does not let another sender, or the same sender in another chat, claim the question', async () => {
    const q = question();
    await repo.put(q);

    expect(await repo.claimForAnswer(q.chatId, 'res.b', 'aibot-other-sender', at(1))).toBeNull();
    expect(await repo.claimForAnswer('wrchat-elsewhere', q.senderId, 'aibot-other-chat', at(1))).toBeNull();
    expect(await stored(q.id)).toMatchObject({ status: 'open', answeredBy: null });
    expect(await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-right-one', at(1))).toMatchObject({ id: q.id, answeredBy: 'aibot-right-one' });
  });

  it('does not let an answer claim an expired question, which the timeout still can', async () => {
    const q = question();
    await repo.put(q);

    expect(await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-late-1', q.expiresAt)).toBeNull();
    expect(await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-late-2', at(60))).toBeNull();
    expect(await stored(q.id)).toMatchObject({ status: 'open', answeredBy: null });
    expect(await repo.claimForTimeout(q.id)).toMatchObject({ id: q.id, status: 'timed_out', answeredBy: null });
  });

  it('makes a newer question from the same sender the one an answer claims; the older is left to its timeout', async () => {
    const older = question({ minute: 0 });
    const newer = question({ minute: 2, chatId: older.chatId, missing: 'problem' });
    await repo.put(older);
    await repo.put(newer);

    const claimed = await repo.claimForAnswer(older.chatId, older.senderId, 'aibot-answer-n', at(3));
    expect(claimed).toMatchObject({ id: newer.id, missing: 'problem', status: 'answered' });
    expect(await stored(older.id)).toMatchObject({ status: 'open', answeredBy: null });
    // A later answer finds the newer question taken and does not fall back to the older one.
    expect(await repo.claimForAnswer(older.chatId, older.senderId, 'aibot-answer-m', at(4))).toBeNull();
    expect(await repo.claimForTimeout(older.id)).toMatchObject({ id: older.id, status: 'timed_out' });
  });

  it('keeps the newer question the one an answer claims when the older question’s job runs again', async () => {
    const older = question({ minute: 0 });
    const newer = question({ minute: 2, chatId: older.chatId, missing: 'problem' });
    await repo.put(older);
    await repo.put(newer);
    expect(await repo.put(older)).toBe(false);

    expect(await repo.claimForAnswer(older.chatId, older.senderId, 'aibot-answer-r', at(3))).toMatchObject({ id: newer.id, status: 'answered' });
    expect(await stored(older.id)).toMatchObject({ status: 'open', answeredBy: null });
  });

  it('lets the timeout claim a question once nobody answered, again on a retried job, and not an answer after it', async () => {
    const q = question();
    await repo.put(q);

    const timedOut = await repo.claimForTimeout(q.id);
    expect(timedOut).toEqual({ ...q, status: 'timed_out', answeredBy: null });
    expect(await repo.claimForTimeout(q.id)).toEqual(timedOut);
    expect(await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-after-timeout', at(1))).toBeNull();
    expect(await stored(q.id)).toMatchObject({ status: 'timed_out', answeredBy: null });
  });

  it('gives the timeout nothing once an answer claimed the question', async () => {
    const q = question();
    await repo.put(q);
    await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-answer-t', at(1));

    expect(await repo.claimForTimeout(q.id)).toBeNull();
    expect(await stored(q.id)).toMatchObject({ status: 'answered', answeredBy: 'aibot-answer-t' });
    expect(await repo.claimForTimeout('aibot-never-asked')).toBeNull();
  });

  it('stores a question put twice (a retried job) once, answering false the second time, and it can still be claimed', async () => {
    const q = question();
    expect(await repo.put(q)).toBe(true);
    expect(await repo.put(q)).toBe(false);
    expect(await conn.collection('pending_clarifications').countDocuments({ _id: q.id as never })).toBe(1);

    expect(await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-answer-p', at(1))).toMatchObject({ id: q.id, status: 'answered' });
    // Put again after the answer: the claimed question is not reopened.
    expect(await repo.put(q)).toBe(false);
    expect(await stored(q.id)).toMatchObject({ status: 'answered', answeredBy: 'aibot-answer-p' });
    expect(await repo.claimForAnswer(q.chatId, q.senderId, 'aibot-answer-q', at(2))).toBeNull();
  });
});
