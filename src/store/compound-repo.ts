import { isDeepStrictEqual } from 'node:util';
import { Schema, type Connection, type Model } from 'mongoose';
import type { BuildingLeader, Compound, ContactUnit } from '../domain/compound';
import { isDuplicateKeyError } from './connection';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/** Which of the compound's chats a chat id is: the residents' group or the branch staff group. */
export type ChatVia = 'group' | 'staff';

/** The chat id is already another compound's group or staff chat; the write was refused. */
export class ChatIdInUseError extends Error {
  constructor(
    readonly field: 'chatId' | 'staffChatId',
    readonly chatId: string,
    readonly usedBy: string,
  ) {
    super(`${field} ${chatId} is already used by compound ${usedBy}`);
    this.name = 'ChatIdInUseError';
  }
}

type CompoundDoc = Compound & { createdAt?: Date; updatedAt?: Date };

const unitSchema = new Schema<ContactUnit>({ name: { type: String, required: true }, contacts: { type: [String], default: [] } }, { _id: false });
const leaderSchema = new Schema<BuildingLeader>({ building: { type: String, required: true }, userId: { type: String, required: true } }, { _id: false });

const schema = new Schema<CompoundDoc>(
  {
    code: { type: String, required: true },
    name: { type: String, required: true },
    street: { type: String, required: true },
    town: { type: String, default: null },
    community: { type: String, default: null },
    groupKind: { type: String, required: true, enum: ['internal', 'customer'] },
    chatId: { type: String, default: null },
    staffChatId: { type: String, default: null },
    pushWebhookKey: { type: String, default: null },
    staffWebhookKey: { type: String, default: null },
    groupOwner: { type: String, default: null },
    secretary: { type: String, required: true },
    committee: { type: [String], default: [] },
    buildingLeaders: { type: [leaderSchema], default: [] },
    property: { type: unitSchema, default: null },
    enforcement: { type: unitSchema, default: null },
    streetOffice: { type: unitSchema, default: null },
    routingOverrides: { type: Schema.Types.Mixed, default: {} },
    active: { type: Boolean, default: true },
  },
  // minimize: false keeps an empty routingOverrides as {} instead of dropping it.
  { collection: 'compounds', versionKey: false, timestamps: true, minimize: false },
);
schema.index({ code: 1 }, { unique: true });
// FerretDB 1.24 rejects partialFilterExpression and silently ignores sparse, so
// these are plain indexes (most compounds have no staff chat, many no chatId)
// and chat-id uniqueness is checked in upsert().
schema.index({ chatId: 1 });
schema.index({ staffChatId: 1 });

const unit = (u: ContactUnit | null | undefined): ContactUnit | null => (u ? { name: u.name, contacts: [...u.contacts] } : null);

/** Exactly the Compound fields, as plain data: no _id, timestamps or mongoose wrappers. */
function toPlain(d: Compound): Compound {
  return {
    code: d.code,
    name: d.name,
    street: d.street,
    town: d.town ?? null,
    community: d.community ?? null,
    groupKind: d.groupKind,
    chatId: d.chatId ?? null,
    staffChatId: d.staffChatId ?? null,
    pushWebhookKey: d.pushWebhookKey ?? null,
    staffWebhookKey: d.staffWebhookKey ?? null,
    groupOwner: d.groupOwner ?? null,
    secretary: d.secretary,
    committee: [...(d.committee ?? [])],
    buildingLeaders: (d.buildingLeaders ?? []).map((b) => ({ building: b.building, userId: b.userId })),
    property: unit(d.property),
    enforcement: unit(d.enforcement),
    streetOffice: unit(d.streetOffice),
    routingOverrides: { ...(d.routingOverrides ?? {}) },
    active: d.active ?? true,
  };
}

export class CompoundRepo {
  private readonly model: Model<CompoundDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.Compound as Model<CompoundDoc> | undefined) ?? conn.model<CompoundDoc>('Compound', schema);
  }

  /** Waits for the indexes; upsert() does this itself. */
  async init(): Promise<void> {
    await this.model.init();
  }

  /**
   * Creates or replaces the compound with this code. Throws ChatIdInUseError when
   * its chat ids belong to another compound. dryRun reports the outcome without writing.
   */
  async upsert(c: Compound, opts: { dryRun?: boolean } = {}): Promise<UpsertOutcome> {
    await this.model.init();
    const next = toPlain(c);
    await this.assertChatsFree(next);
    const existing = await this.byCode(next.code);
    if (existing && isDeepStrictEqual(existing, next)) return 'unchanged';
    if (opts.dryRun) return existing ? 'updated' : 'created';
    if (!existing) {
      try {
        await this.model.create(next);
        return 'created';
      } catch (err) {
        // Another loader created it in between: fall through to an update.
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    await this.model.updateOne({ code: next.code }, { $set: next });
    return 'updated';
  }

  async byCode(code: string): Promise<Compound | null> {
    const doc = await this.model.findOne({ code }).lean<CompoundDoc>();
    return doc ? toPlain(doc) : null;
  }

  /** The compound whose residents' group (via 'group') or staff group (via 'staff') this chat is. Inactive compounds included. */
  async byChatId(chatId: string): Promise<{ compound: Compound; via: ChatVia } | null> {
    const group = await this.model.findOne({ chatId }).lean<CompoundDoc>();
    if (group) return { compound: toPlain(group), via: 'group' };
    const staff = await this.model.findOne({ staffChatId: chatId }).lean<CompoundDoc>();
    return staff ? { compound: toPlain(staff), via: 'staff' } : null;
  }

  /** The compounds where this WeCom user holds any staff role. */
  async forStaff(userId: string): Promise<Compound[]> {
    const docs = await this.model
      .find({
        $or: [
          { secretary: userId },
          { committee: userId },
          { 'buildingLeaders.userId': userId },
          { 'property.contacts': userId },
          { 'enforcement.contacts': userId },
          { 'streetOffice.contacts': userId },
        ],
      })
      .sort({ code: 1 })
      .lean<CompoundDoc[]>();
    return docs.map(toPlain);
  }

  async list(filter: { street?: string; active?: boolean } = {}): Promise<Compound[]> {
    const query: Partial<Pick<Compound, 'street' | 'active'>> = {};
    if (filter.street !== undefined) query.street = filter.street;
    if (filter.active !== undefined) query.active = filter.active;
    const docs = await this.model.find(query).sort({ code: 1 }).lean<CompoundDoc[]>();
    return docs.map(toPlain);
  }

  async count(): Promise<number> {
    return this.model.countDocuments();
  }

  private async assertChatsFree(c: Compound): Promise<void> {
    const ids = [c.chatId, c.staffChatId].filter((id): id is string => id !== null);
    if (ids.length === 0) return;
    const other = await this.model
      .findOne({ code: { $ne: c.code }, $or: [{ chatId: { $in: ids } }, { staffChatId: { $in: ids } }] }, { code: 1, chatId: 1, staffChatId: 1 })
      .lean<Pick<Compound, 'code' | 'chatId' | 'staffChatId'>>();
    if (!other) return;
    const field = c.chatId !== null && (c.chatId === other.chatId || c.chatId === other.staffChatId) ? 'chatId' : 'staffChatId';
    throw new ChatIdInUseError(field, c[field] ?? '', other.code);
  }
}
