import { Schema, type Connection, type Model } from 'mongoose';
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
schema.index({ chatId: 1, senderId: 1, status: 1, createdAt: -1 });

const plain = ({ _id, ...rest }: Doc): PendingClarification => ({ id: _id, ...rest });

/**
 * Pending questions live in the store, not in memory, so an answer (or the
 * timeout) is handled by whichever worker gets it. Claiming is one atomic update,
 * so the answer and the timeout never both win, and a retried job re-claims what
 * its first run claimed.
 */
export class ClarificationRepo {
  private readonly model: Model<Doc>;

  constructor(conn: Connection) {
    this.model = (conn.models.PendingClarification as Model<Doc> | undefined) ?? conn.model<Doc>('PendingClarification', schema);
  }

  async put(p: Omit<PendingClarification, 'status' | 'answeredBy'>): Promise<boolean> {
    const { id, ...rest } = p;
    try {
      await this.model.create({ _id: id, ...rest, status: 'open', answeredBy: null });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** The sender's latest open question in this chat, claimed by this answer. */
  async claimForAnswer(chatId: string, senderId: string, answerId: string, now: Date): Promise<PendingClarification | null> {
    const doc = await this.model
      .findOneAndUpdate(
        { chatId, senderId, expiresAt: { $gt: now }, $or: [{ status: 'open' }, { status: 'answered', answeredBy: answerId }] },
        { $set: { status: 'answered', answeredBy: answerId } },
        { sort: { createdAt: -1 }, new: true },
      )
      .lean<Doc>();
    return doc ? plain(doc) : null;
  }

  /** Claimed by the timeout unless an answer got there first. */
  async claimForTimeout(id: string): Promise<PendingClarification | null> {
    const doc = await this.model.findOneAndUpdate({ _id: id, status: { $in: ['open', 'timed_out'] } }, { $set: { status: 'timed_out' } }, { new: true }).lean<Doc>();
    return doc ? plain(doc) : null;
  }
}
