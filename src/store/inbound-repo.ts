import { Schema, type Connection, type Model } from 'mongoose';
import type { InboundMessage } from '../domain/inbound-message';
import { insertRaw, readById, updateById } from './by-id';
import { isDuplicateKeyError } from './connection';

export type InboundStatus = 'received' | 'done' | 'failed';

export interface StoredInbound extends InboundMessage {
  status: InboundStatus;
  replyText: string | null;
  handledBy: string | null;
  processedAt: Date | null;
  error: string | null;
}

interface InboundDoc extends Omit<StoredInbound, 'id'> {
  _id: string;
}

const schema = new Schema<InboundDoc>(
  {
    _id: { type: String, required: true },
    channel: { type: String, required: true },
    rawId: { type: String, required: true },
    kind: { type: String, required: true },
    compoundCode: { type: String, default: null },
    chatId: { type: String, default: null },
    chatType: { type: String, required: true },
    senderId: { type: String, required: true },
    text: { type: String, default: '' },
    quote: { type: String, default: null },
    action: { type: Schema.Types.Mixed, default: null },
    sentAt: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    status: { type: String, required: true, default: 'received' },
    replyText: { type: String, default: null },
    handledBy: { type: String, default: null },
    processedAt: { type: Date, default: null },
    error: { type: String, default: null },
  },
  { collection: 'inbound_messages', versionKey: false },
);
schema.index({ status: 1, receivedAt: 1 });
schema.index({ compoundCode: 1, receivedAt: -1 });

function toPlain(doc: InboundDoc): StoredInbound {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

export class InboundRepo {
  private readonly model: Model<InboundDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.InboundMessage as Model<InboundDoc> | undefined) ?? conn.model<InboundDoc>('InboundMessage', schema);
  }

  async init(): Promise<void> {
    await this.model.init();
  }

  /**
   * Stores the message under its stable id. The unique _id is what makes a
   * resent or replayed callback (on any replica) a duplicate instead of a second
   * message. A duplicate is not read back: the intake job re-reads it anyway.
   */
  async record(msg: InboundMessage): Promise<{ created: boolean }> {
    const { id, ...rest } = msg;
    try {
      const doc: InboundDoc = { _id: id, ...rest, status: 'received', replyText: null, handledBy: null, processedAt: null, error: null };
      await insertRaw(this.model.collection, doc);
      return { created: true };
    } catch (err) {
      if (isDuplicateKeyError(err)) return { created: false };
      throw err;
    }
  }

  async get(id: string): Promise<StoredInbound | null> {
    const doc = await readById<InboundDoc>(this.model.collection, id);
    return doc ? toPlain(doc) : null;
  }

  /**
   * Marks the message done; returns false when it was not waiting any more (another run got
   * there first): the status it replaced tells who was first.
   */
  async markDone(id: string, outcome: { replyText: string | null; handledBy: string; compoundCode?: string | null }, at: Date): Promise<boolean> {
    const before = await updateById<Pick<InboundDoc, 'status'>>(this.model.collection, id, { $set: { status: 'done', ...outcome, processedAt: at } }, 'before');
    return before?.status === 'received';
  }

  async markFailed(id: string, error: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: id, status: 'received' }, { $set: { status: 'failed', error, processedAt: at } });
  }

  /** Accepted messages whose job may have been lost (e.g. Redis down between the write and the enqueue). */
  async listUnprocessed(receivedBefore: Date, limit: number): Promise<string[]> {
    const docs = await this.model.find({ status: 'received', receivedAt: { $lt: receivedBefore } }, { _id: 1 }).sort({ receivedAt: 1 }).limit(limit).lean();
    return docs.map((d) => d._id);
  }

  async count(filter: Partial<Pick<StoredInbound, 'status' | 'channel'>> = {}): Promise<number> {
    return this.model.countDocuments(filter);
  }
}
