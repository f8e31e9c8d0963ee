import { Schema, type Connection, type Model } from 'mongoose';
import type { Destination } from '../channels/wecom/destination';
import { insertRaw, readById, updateById } from './by-id';
import { isDuplicateKeyError } from './connection';

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface DeliveryError {
  errcode?: number;
  message: string;
}

/** One outbound WeCom message. The id is the caller's business key, so enqueuing twice stores one delivery. */
export interface Delivery {
  id: string;
  destination: Destination;
  body: object;
  /** Another delivery that must be sent first (the previous part of a split text). */
  after: string | null;
  status: DeliveryStatus;
  attempts: number;
  lastError: DeliveryError | null;
  createdAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  msgid: string | null;
  responseCode: string | null;
}

export interface NewDelivery {
  id: string;
  destination: Destination;
  body: object;
  after?: string | null;
}

interface DeliveryDoc extends Omit<Delivery, 'id'> {
  _id: string;
}

const schema = new Schema<DeliveryDoc>(
  {
    _id: { type: String, required: true },
    destination: { type: Schema.Types.Mixed, required: true },
    body: { type: Schema.Types.Mixed, required: true },
    after: { type: String, default: null },
    status: { type: String, required: true, enum: ['pending', 'sent', 'failed'], default: 'pending' },
    attempts: { type: Number, required: true, default: 0 },
    lastError: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date, default: null },
    failedAt: { type: Date, default: null },
    msgid: { type: String, default: null },
    responseCode: { type: String, default: null },
  },
  // minimize: false keeps empty objects inside bodies exactly as built.
  { collection: 'deliveries', versionKey: false, minimize: false },
);
schema.index({ status: 1, createdAt: 1 });

function toPlain(doc: DeliveryDoc): Delivery {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

function errorFields(err: DeliveryError): DeliveryError {
  return err.errcode === undefined ? { message: err.message } : { errcode: err.errcode, message: err.message };
}

export class DeliveryRepo {
  private readonly model: Model<DeliveryDoc>;
  private readonly now: () => Date;

  constructor(conn: Connection, opts: { now?: () => Date } = {}) {
    this.model = (conn.models.Delivery as Model<DeliveryDoc> | undefined) ?? conn.model<DeliveryDoc>('Delivery', schema);
    this.now = opts.now ?? (() => new Date());
  }

  async init(): Promise<void> {
    await this.model.init();
  }

  /** Returns false when a delivery with this id already exists (whatever its content). */
  async createIfAbsent(d: NewDelivery): Promise<boolean> {
    const doc: DeliveryDoc = {
      _id: d.id,
      destination: d.destination,
      body: d.body,
      after: d.after ?? null,
      status: 'pending',
      attempts: 0,
      lastError: null,
      createdAt: this.now(),
      sentAt: null,
      failedAt: null,
      msgid: null,
      responseCode: null,
    };
    try {
      await insertRaw(this.model.collection, doc);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async get(id: string): Promise<Delivery | null> {
    const doc = await readById<DeliveryDoc>(this.model.collection, id);
    return doc ? toPlain(doc) : null;
  }

  /**
   * Records that WeCom took the message; returns false when it was not pending any more. It was
   * sent whatever the record said, so the write is not conditional (and, by _id alone, an index
   * hit on FerretDB 1.24 too).
   */
  async markSent(id: string, info: { msgid?: string; responseCode?: string } = {}): Promise<boolean> {
    const before = await updateById<Pick<DeliveryDoc, 'status'>>(
      this.model.collection,
      id,
      { $set: { status: 'sent', sentAt: this.now(), msgid: info.msgid ?? null, responseCode: info.responseCode ?? null }, $inc: { attempts: 1 } },
      'before',
    );
    return before?.status === 'pending';
  }

  /** A failed try that will be retried. */
  async markAttempt(id: string, err: DeliveryError): Promise<void> {
    await this.model.updateOne({ _id: id, status: 'pending' }, { $set: { lastError: errorFields(err) }, $inc: { attempts: 1 } });
  }

  async markFailed(id: string, err: DeliveryError): Promise<void> {
    await this.model.updateOne(
      { _id: id, status: 'pending' },
      { $set: { status: 'failed', failedAt: this.now(), lastError: errorFields(err) }, $inc: { attempts: 1 } },
    );
  }

  /** Pending deliveries older than `createdBefore`, oldest first: candidates whose job may have been lost. */
  async listPending(createdBefore: Date, limit: number): Promise<Delivery[]> {
    const docs = await this.model.find({ status: 'pending', createdAt: { $lt: createdBefore } }).sort({ createdAt: 1 }).limit(limit).lean<DeliveryDoc[]>();
    return docs.map(toPlain);
  }

  async countByStatus(): Promise<Record<DeliveryStatus, number>> {
    const counts: Record<DeliveryStatus, number> = { pending: 0, sent: 0, failed: 0 };
    const rows = await this.model.aggregate<{ _id: DeliveryStatus; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]);
    for (const r of rows) if (r._id in counts) counts[r._id] = r.n;
    return counts;
  }
}
