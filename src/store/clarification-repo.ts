import { Schema, type Connection, type Model } from 'mongoose';
import { readById } from './by-id';
import { isDuplicateKeyError } from './connection';

/** A message the bot asked one question about, waiting for the resident's answer. */
export interface PendingClarification {
  /** The inbound id of the message that needs clarifying. */
  id: string;
  compoundCode: string;
  chatId: string;
  senderId: string;
  missing: 'place' | 'problem';
  /** The classification so far, kept as plain data. */
  classification: Record<string, unknown>;
  createdAt: Date;
  expiresAt: Date;
  status: 'open' | 'answered' | 'timed_out';
  /** The inbound id of the answer that claimed it. */
  answeredBy: string | null;
}

interface Doc extends Omit<PendingClarification, 'id'> {
  _id: string;
}

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    compoundCode: { type: String, required: true },
    chatId: { type: String, required: true },
    senderId: { type: String, required: true },
    missing: { type: String, required: true },
    classification: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    status: { type: String, required: true, default: 'open' },
    answeredBy: { type: String, default: null },
  },
  { collection: 'pending_clarifications', versionKey: false, minimize: false },
);

/** Which question a sender in a chat was asked last: found by _id, the lookup FerretDB 1.24 indexes. */
interface LatestDoc {
  _id: string;
  clarificationId: string;
  expiresAt: Date;
}

const latestSchema = new Schema<LatestDoc>(
  {
    _id: { type: String, required: true },
    clarificationId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'latest_clarifications', versionKey: false },
);

const latestKey = (chatId: string, senderId: string) => `${chatId}|${senderId}`;

const plain = ({ _id, ...rest }: Doc): PendingClarification => ({ id: _id, ...rest });

/**
 * Pending questions live in the store, not in memory, so an answer (or the
 * timeout) is handled by whichever worker gets it. Claiming is one conditional update,
 * so on MongoDB the answer and the timeout never both win (FerretDB 1.24 does not make it
 * exclusive under a race; the ticket is still opened once, keyed by the message), and a
 * retried job re-claims what its first run claimed. Most short messages are not answers: they cost two reads
 * by _id (the sender's latest question, then the question) and no write.
 */
export class ClarificationRepo {
  private readonly model: Model<Doc>;
  private readonly latest: Model<LatestDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.PendingClarification as Model<Doc> | undefined) ?? conn.model<Doc>('PendingClarification', schema);
    this.latest = (conn.models.LatestClarification as Model<LatestDoc> | undefined) ?? conn.model<LatestDoc>('LatestClarification', latestSchema);
  }

  /** Stores the question (false when it already was: a retried job) and makes it the sender's latest. */
  async put(p: Omit<PendingClarification, 'status' | 'answeredBy'>): Promise<boolean> {
    const { id, ...rest } = p;
    let created = true;
    try {
      await this.model.create({ _id: id, ...rest, status: 'open', answeredBy: null });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      created = false;
    }
    // A retried job of an older question must not take over from a newer one.
    try {
      await this.latest.updateOne(
        { _id: latestKey(p.chatId, p.senderId), expiresAt: { $lte: p.expiresAt } },
        { $set: { clarificationId: id, expiresAt: p.expiresAt } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    return created;
  }

  /** The sender's latest question in this chat, if still open, claimed by this answer. */
  async claimForAnswer(chatId: string, senderId: string, answerId: string, now: Date): Promise<PendingClarification | null> {
    const latest = await readById<LatestDoc>(this.latest.collection, latestKey(chatId, senderId));
    if (!latest || latest.expiresAt <= now) return null;
    const doc = await readById<Doc>(this.model.collection, latest.clarificationId);
    if (!doc || doc.expiresAt <= now) return null;
    if (doc.status === 'answered' && doc.answeredBy === answerId) return plain(doc);
    if (doc.status !== 'open') return null;
    const claimed = await this.model
      .findOneAndUpdate({ _id: doc._id, status: 'open' }, { $set: { status: 'answered', answeredBy: answerId } }, { new: true })
      .lean<Doc>();
    return claimed ? plain(claimed) : null;
  }

  /** Claimed by the timeout unless an answer got there first. */
  async claimForTimeout(id: string): Promise<PendingClarification | null> {
    const doc = await this.model.findOneAndUpdate({ _id: id, status: { $in: ['open', 'timed_out'] } }, { $set: { status: 'timed_out' } }, { new: true }).lean<Doc>();
    return doc ? plain(doc) : null;
  }
}
