import { createHash } from 'node:crypto';
import type { Connection, FilterQuery, Model } from 'mongoose';
import type { Category } from '../domain/labels';
import { OPEN_STATUSES, openTicket, type NewTicket, type Ticket, type TicketReporter } from '../domain/ticket';
import { InvalidTransitionError, reportEvent } from '../domain/ticket-transitions';
import { readById, updateById } from './by-id';
import { isDuplicateKeyError } from './connection';
import { toFilter, type CountField, type TicketQuery } from './ticket-queries';
import { counterKey, counterSchema, ticketSchema, toPlain, type CounterDoc, type TicketDoc } from './ticket-schema';

export type { CountField, TicketQuery } from './ticket-queries';

/** save() lost a race: someone changed the ticket after it was read. Re-read, re-apply, retry. */
export class ConcurrentUpdateError extends Error {
  constructor(
    readonly id: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`ticket ${id} is at version ${actualVersion}, not ${expectedVersion}`);
    this.name = 'ConcurrentUpdateError';
  }
}

export class TicketNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no ticket ${id}`);
    this.name = 'TicketNotFoundError';
  }
}

export interface TicketRepoOptions {
  now?: () => Date;
  /** Told about each ticket after the store changed it (and after create() found it made already). */
  onChange?: (ticket: Ticket) => Promise<void>;
}

/**
 * A ticket's id follows from the message that opened it, so "was a ticket opened for this
 * message?" is a lookup by _id: the only lookup FerretDB 1.24 answers from an index.
 */
export function ticketIdFor(sourceInboundId: string): string {
  return createHash('sha256').update(sourceInboundId).digest('hex').slice(0, 24);
}

const MAX_LIST = 500;
// Each attempt either inserts or learns a higher taken number, so this only bounds a storm.
const MAX_NUMBER_ATTEMPTS = 50;

/** Fields save() may change; identity, numbering, source and classifier are fixed at creation. */
const MUTABLE = [
  'category',
  'tier',
  'urgency',
  'building',
  'summary',
  'status',
  'assignees',
  'watchers',
  'unitName',
  'reporters',
  'reportCount',
  'dueAt',
  'snoozedUntil',
  'reportInDueAt',
  'gaps',
  'version',
  'updatedAt',
  'resolvedAt',
  'closedAt',
  'resolution',
  'duplicateOf',
] as const satisfies ReadonlyArray<keyof Ticket>;

export class TicketRepo {
  private readonly model: Model<TicketDoc>;
  private readonly counters: Model<CounterDoc>;
  private readonly now: () => Date;
  private readonly onChange: (ticket: Ticket) => Promise<void>;

  constructor(conn: Connection, opts: TicketRepoOptions = {}) {
    this.model = (conn.models.Ticket as Model<TicketDoc> | undefined) ?? conn.model<TicketDoc>('Ticket', ticketSchema);
    this.counters = (conn.models.TicketCounter as Model<CounterDoc> | undefined) ?? conn.model<CounterDoc>('TicketCounter', counterSchema);
    this.now = opts.now ?? (() => new Date());
    this.onChange = opts.onChange ?? (async () => {});
  }

  async init(): Promise<void> {
    await this.model.init();
    await this.counters.init();
  }

  /**
   * Opens a ticket numbered per compound. Idempotent on sourceInboundId (the id follows from it):
   * a retried job gets the ticket its first run opened (created: false). The unique (compoundCode, number) index is what
   * makes numbers unique; the counter only proposes one, so a counter that lags (a lost $inc on
   * FerretDB, a restored backup) costs a retry, never a duplicate number.
   */
  async create(input: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    const res = await this.insert(input);
    await this.onChange(res.ticket);
    return res;
  }

  private async insert(input: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    const existing = await this.bySource(input.sourceInboundId);
    if (existing) return { ticket: existing, created: false };
    let number = await this.proposeNumber(input.compoundCode);
    for (let attempt = 0; attempt < MAX_NUMBER_ATTEMPTS; attempt++) {
      const ticket = openTicket(input, { id: ticketIdFor(input.sourceInboundId), number }, this.now());
      try {
        const { id, ...rest } = ticket;
        await this.model.create({ _id: id, ...rest });
        return { ticket, created: true };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const raced = await this.bySource(input.sourceInboundId);
        if (raced) return { ticket: raced, created: false };
        number = await this.numberAfterTaken(input.compoundCode);
      }
    }
    throw new Error(`could not number a ticket for ${input.compoundCode} in ${MAX_NUMBER_ATTEMPTS} attempts`);
  }

  async get(id: string): Promise<Ticket | null> {
    const doc = await readById<TicketDoc>(this.model.collection, id);
    return doc ? toPlain(doc) : null;
  }

  async byRef(compoundCode: string, number: number): Promise<Ticket | null> {
    const doc = await this.model.findOne({ compoundCode, number }).lean<TicketDoc>();
    return doc ? toPlain(doc) : null;
  }

  async bySource(sourceInboundId: string): Promise<Ticket | null> {
    return this.get(ticketIdFor(sourceInboundId));
  }

  /** Open tickets of a compound, newest first; `since` keeps those a resident reported on since then. */
  async findOpen(q: { compoundCode: string; category?: Category; since?: Date; limit: number }): Promise<Ticket[]> {
    const filter: FilterQuery<TicketDoc> = { compoundCode: q.compoundCode, status: { $in: OPEN_STATUSES } };
    if (q.category) filter.category = q.category;
    if (q.since) filter['reporters.at'] = { $gte: q.since };
    const docs = await this.model.find(filter).sort({ createdAt: -1 }).limit(clamp(q.limit)).lean<TicketDoc[]>();
    return docs.map(toPlain);
  }

  /** Open tickets of every compound with a report since then: only what an index of them needs. */
  async openSince(since: Date): Promise<Array<Pick<Ticket, 'id' | 'compoundCode' | 'category' | 'createdAt' | 'reporters'>>> {
    const cursor = this.model.collection.find(
      { status: { $in: OPEN_STATUSES }, 'reporters.at': { $gte: since } } as object,
      { projection: { compoundCode: 1, category: 1, createdAt: 1, reporters: 1 }, batchSize: 1000 },
    );
    const out: Array<Pick<Ticket, 'id' | 'compoundCode' | 'category' | 'createdAt' | 'reporters'>> = [];
    for await (const d of cursor) {
      const doc = d as unknown as Pick<TicketDoc, '_id' | 'compoundCode' | 'category' | 'createdAt' | 'reporters'>;
      out.push({ id: doc._id, compoundCode: doc.compoundCode, category: doc.category, createdAt: doc.createdAt, reporters: doc.reporters });
    }
    return out;
  }

  /** Open tickets this resident reported on since then, the one they reported on last first. */
  async openForSender(compoundCode: string, senderId: string, since: Date): Promise<Ticket[]> {
    // Without $elemMatch (FerretDB 1.24 lacks it) the two array conditions may hit different
    // reporters, so the exact rule is applied again below.
    const docs = await this.model
      .find({ compoundCode, status: { $in: OPEN_STATUSES }, 'reporters.userId': senderId, 'reporters.at': { $gte: since } })
      .sort({ createdAt: -1 })
      .limit(50)
      .lean<TicketDoc[]>();
    const lastBySender = (t: Ticket) => Math.max(...t.reporters.filter((r) => r.userId === senderId && r.at >= since).map((r) => r.at.getTime()), -Infinity);
    return docs
      .map(toPlain)
      .filter((t) => lastBySender(t) > -Infinity)
      .sort((a, b) => lastBySender(b) - lastBySender(a));
  }

  /**
   * Counts a report on an open ticket, once per message id (attached: false when already counted).
   * Read, checked, then one update by _id: FerretDB 1.24 serves only an _id-alone filter from an
   * index, and "+1" storms land on the biggest collection. One message is one job, so the same
   * report never races itself; a ticket closed between the read and the write (milliseconds)
   * gets the report in its history. The update bumps the version, so a staff save() made from an
   * older read fails instead of dropping the report.
   */
  async attachReport(id: string, reporter: TicketReporter): Promise<{ ticket: Ticket; attached: boolean }> {
    const current = await this.get(id);
    if (!current) throw new TicketNotFoundError(id);
    if (current.reporters.some((r) => r.messageId === reporter.messageId)) return { ticket: current, attached: false };
    if (!OPEN_STATUSES.includes(current.status)) throw new InvalidTransitionError(current.status, 'add_report', 'the ticket is no longer open');
    const now = this.now();
    const doc = await updateById<TicketDoc>(
      this.model.collection,
      id,
      {
        $push: { reporters: { ...reporter }, history: reportEvent(reporter, now) },
        $inc: { reportCount: 1, version: 1 },
        $set: { updatedAt: now },
      },
      'after',
    );
    if (!doc) throw new TicketNotFoundError(id);
    const ticket = toPlain(doc);
    await this.onChange(ticket);
    return { ticket, attached: true };
  }

  /**
   * Stores a ticket returned by applyAction, only if nobody changed it since expectedVersion was
   * read. Only the new history events are written ($push), so stored history is never rewritten.
   */
  async save(ticket: Ticket, expectedVersion: number): Promise<Ticket> {
    if (ticket.version !== ticket.history.length || ticket.version <= expectedVersion) {
      throw new RangeError(`save() needs a ticket changed by applyAction: version ${ticket.version}, ${ticket.history.length} events, expected ${expectedVersion}`);
    }
    const set: Record<string, unknown> = {};
    for (const k of MUTABLE) set[k] = ticket[k];
    const res = await this.model.updateOne(
      { _id: ticket.id, version: expectedVersion },
      { $set: set, $push: { history: { $each: ticket.history.slice(expectedVersion) } } },
    );
    const current = await this.get(ticket.id);
    if (!current) throw new TicketNotFoundError(ticket.id);
    await this.onChange(current);
    if (res.matchedCount === 0) throw new ConcurrentUpdateError(ticket.id, expectedVersion, current.version);
    return current;
  }

  /** Overdue lists sort by due time, the rest newest first. */
  async list(q: TicketQuery & { limit: number; skip?: number }): Promise<Ticket[]> {
    const sort: Record<string, 1 | -1> = q.overdueAt ? { dueAt: 1 } : q.reportInOverdueAt ? { reportInDueAt: 1 } : { createdAt: -1 };
    const docs = await this.model
      .find(toFilter(q))
      .sort(sort)
      .skip(Math.max(0, q.skip ?? 0))
      .limit(clamp(q.limit))
      .lean<TicketDoc[]>();
    return docs.map(toPlain);
  }

  async countBy(field: CountField, q: TicketQuery = {}): Promise<Record<string, number>> {
    const rows = await this.model.aggregate<{ _id: string | null; n: number }>([{ $match: toFilter(q) }, { $group: { _id: `$${field}`, n: { $sum: 1 } } }]);
    const out: Record<string, number> = {};
    for (const r of rows) out[String(r._id)] = r.n;
    return out;
  }

  async count(q: TicketQuery = {}): Promise<number> {
    return this.model.countDocuments(toFilter(q));
  }

  private async proposeNumber(compoundCode: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const doc = await this.counters.findOneAndUpdate({ _id: counterKey(compoundCode) }, { $inc: { seq: 1 } }, { upsert: true, new: true }).lean<CounterDoc>();
        if (doc) return doc.seq;
      } catch (err) {
        // Two first tickets of a compound raced the upsert; the counter exists now.
        if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
      }
    }
  }

  /** The number after the highest taken one; pulls the counter up so the next proposals fit. */
  private async numberAfterTaken(compoundCode: string): Promise<number> {
    const top = await this.model.findOne({ compoundCode }, { number: 1 }).sort({ number: -1 }).lean<{ number: number }>();
    const next = (top?.number ?? 0) + 1;
    try {
      await this.counters.updateOne({ _id: counterKey(compoundCode) }, { $max: { seq: next } }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    return next;
  }
}

function clamp(limit: number): number {
  return Math.min(Math.max(1, Math.floor(limit)), MAX_LIST);
}
