import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from './connection';

export type FixAnswer = 'fixed' | 'not_fixed' | 'unsure';

/** One reporter asked "is it really fixed?" about one resolution (ticket version) of a ticket. */
export interface FixCheck {
  id: string;
  ticketId: string;
  /** The ticket version the question is about; the round ends when the ticket leaves it. */
  version: number;
  compoundCode: string;
  userId: string;
  askedAt: Date;
  /** False once the ticket was closed or reopened: answers are no longer taken. */
  open: boolean;
  answer: FixAnswer | null;
  answerText: string | null;
  answeredAt: Date | null;
  /** The inbound message (or click) that gave the answer. */
  messageId: string | null;
}

interface Doc extends Omit<FixCheck, 'id'> {
  _id: string;
}

const schema = new Schema<Doc>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, required: true },
    version: { type: Number, required: true },
    compoundCode: { type: String, required: true },
    userId: { type: String, required: true },
    askedAt: { type: Date, required: true },
    open: { type: Boolean, required: true },
    answer: { type: String, default: null },
    answerText: { type: String, default: null },
    answeredAt: { type: Date, default: null },
    messageId: { type: String, default: null },
  },
  { collection: 'fix_checks', versionKey: false, minimize: false },
);
schema.index({ userId: 1, open: 1, askedAt: -1 });
schema.index({ ticketId: 1, version: 1 });
schema.index({ messageId: 1 });

const plain = ({ _id, ...rest }: Doc): FixCheck => ({
  id: _id,
  ...rest,
  answer: rest.answer ?? null,
  answerText: rest.answerText ?? null,
  answeredAt: rest.answeredAt ?? null,
  messageId: rest.messageId ?? null,
});

export function fixCheckId(ticketId: string, version: number, userId: string): string {
  return `${ticketId}-v${version}-${userId}`;
}

/**
 * The questions asked and the answers given, so any worker can take a resident's
 * answer. Keyed by ticket, version and reporter: asking again keeps the first askedAt.
 */
export class FixCheckRepo {
  private readonly model: Model<Doc>;

  constructor(conn: Connection) {
    this.model = (conn.models.FixCheck as Model<Doc> | undefined) ?? conn.model<Doc>('FixCheck', schema);
  }

  async init(): Promise<void> {
    await this.model.init();
  }

  async ask(q: { ticketId: string; version: number; compoundCode: string; userIds: readonly string[]; at: Date }): Promise<FixCheck[]> {
    for (const userId of q.userIds) {
      const _id = fixCheckId(q.ticketId, q.version, userId);
      const doc = { ticketId: q.ticketId, version: q.version, compoundCode: q.compoundCode, userId, askedAt: q.at, open: true, answer: null, answerText: null, answeredAt: null, messageId: null };
      try {
        await this.model.updateOne({ _id }, { $setOnInsert: doc }, { upsert: true });
      } catch (err) {
        // Two workers asked at once; the other one's record stands.
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    return this.round(q.ticketId, q.version);
  }

  async round(ticketId: string, version: number): Promise<FixCheck[]> {
    const docs = await this.model.find({ ticketId, version }).sort({ _id: 1 }).lean<Doc[]>();
    return docs.map(plain);
  }

  async get(ticketId: string, version: number, userId: string): Promise<FixCheck | null> {
    const doc = await this.model.findById(fixCheckId(ticketId, version, userId)).lean<Doc>();
    return doc ? plain(doc) : null;
  }

  /** Open questions to this resident, last asked first; `compoundCode` limits them to one compound's group. */
  async openFor(userId: string, compoundCode: string | null): Promise<FixCheck[]> {
    const filter: Record<string, unknown> = { userId, open: true };
    if (compoundCode) filter.compoundCode = compoundCode;
    const docs = await this.model.find(filter).sort({ askedAt: -1 }).limit(10).lean<Doc[]>();
    return docs.map(plain);
  }

  /** The latest answer counts while the round is open (a resident may say 不清楚 first, then 没解决). */
  async answer(id: string, a: { answer: FixAnswer; text: string; messageId: string; at: Date }): Promise<FixCheck | null> {
    await this.model.updateOne({ _id: id, open: true }, { $set: { answer: a.answer, answerText: a.text, answeredAt: a.at, messageId: a.messageId } });
    const doc = await this.model.findById(id).lean<Doc>();
    return doc ? plain(doc) : null;
  }

  /** The answer a message gave, so a retried job finishes what its first run started. */
  async byMessage(messageId: string): Promise<FixCheck | null> {
    const doc = await this.model.findOne({ messageId }).lean<Doc>();
    return doc ? plain(doc) : null;
  }

  async closeRound(ticketId: string, version: number): Promise<void> {
    await this.model.updateMany({ ticketId, version, open: true }, { $set: { open: false } });
  }

  /** Answers given in a period, by answer, for the satisfaction figure of a report. */
  async tally(q: { compoundCodes: readonly string[]; from: Date; to: Date }): Promise<{ asked: number; fixed: number; notFixed: number; unsure: number }> {
    const docs = await this.model
      .find({ compoundCode: { $in: [...q.compoundCodes] }, askedAt: { $gte: q.from, $lt: q.to } }, { answer: 1 })
      .lean<Array<Pick<Doc, 'answer'>>>();
    const count = (a: FixAnswer) => docs.filter((d) => d.answer === a).length;
    return { asked: docs.length, fixed: count('fixed'), notFixed: count('not_fixed'), unsure: count('unsure') };
  }
}
