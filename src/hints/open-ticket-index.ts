import type { Redis } from 'ioredis';
import type { Category } from '../domain/labels';
import type { Logger } from '../log';
import { isOpen, lastReportAt, type Ticket } from '../domain/ticket';

export interface OpenTicketQuery {
  compoundCode: string;
  /** Only tickets of this category (all when left out). */
  category?: Category;
  /** Only tickets someone reported on since then. */
  since: Date;
  limit: number;
}

/** What the index is rebuilt from: every compound's open tickets with a report since then. */
export interface OpenTicketSource {
  openSince(since: Date): Promise<Array<Pick<Ticket, 'id' | 'compoundCode' | 'category' | 'createdAt' | 'reporters'>>>;
  get(id: string): Promise<Ticket | null>;
}

// Once a day per compound. A rebuild reads the open tickets of every compound (on FerretDB any
// query but one by _id reads every ticket anyway) and builds every compound it finds, so a
// cold start or a Redis loss costs one such read, not one per compound.
const REBUILD_AFTER_SECONDS = 24 * 3600;
/** Members are read a few times over the limit, since a category query drops the others. */
const OVERFETCH = 4;

/** The category is in the member, so a query for one category reads only its tickets. */
const member = (t: Pick<Ticket, 'category' | 'id'>) => `${t.category}:${t.id}`;

/**
 * Which tickets of a compound are open, kept in Redis (a sorted set per compound, scored by the
 * last report), so matching a new report against them reads each candidate by _id instead of
 * querying tickets by compound and status. On MongoDB that query is an index hit either way;
 * on FerretDB 1.24 (tests, the local default) it reads every ticket of every compound.
 *
 * A hint, never the truth: every candidate is re-read and re-checked, a set Redis lost (or one
 * a day old) is rebuilt from the store, and a failed update only costs a missed match until
 * then, which opens a ticket rather than hiding one.
 */
export class OpenTicketIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly store: OpenTicketSource,
    private readonly log: Logger,
  ) {}

  async findOpen(q: OpenTicketQuery): Promise<Ticket[]> {
    const key = this.key(q.compoundCode);
    if (!(await this.redis.exists(`${key}:built`))) await this.rebuild(q);
    const members = (await this.redis.zrevrangebyscore(key, '+inf', q.since.getTime(), 'LIMIT', 0, OVERFETCH * q.limit))
      .filter((m) => !q.category || m.startsWith(`${q.category}:`))
      .slice(0, q.limit);
    const found = await Promise.all(members.map((m) => this.store.get(m.slice(m.lastIndexOf(':') + 1))));
    const open: Ticket[] = [];
    const gone: string[] = [];
    members.forEach((m, i) => {
      const t = found[i];
      if (t && isOpen(t.status) && t.compoundCode === q.compoundCode && m === member(t)) open.push(t);
      else gone.push(m);
    });
    if (gone.length) await this.redis.zrem(key, ...gone);
    return open.filter((t) => t.reporters.some((r) => r.at >= q.since)).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  /** Called with a ticket after every change the store made to it. */
  async note(t: Ticket): Promise<void> {
    try {
      const key = this.key(t.compoundCode);
      if (isOpen(t.status)) await this.redis.zadd(key, 'GT', lastReportAt(t).getTime(), member(t));
      else await this.redis.zrem(key, member(t));
    } catch (err) {
      this.log.warn({ ticket: t.ref, err: (err as Error).message }, 'open-ticket index not updated; it is rebuilt within the day');
    }
  }

  private rebuilding: Promise<void> | null = null;

  /** One rebuild at a time per process: a burst of first messages waits for the same read. */
  private async rebuild(q: OpenTicketQuery): Promise<void> {
    this.rebuilding ??= this.rebuildAll(q).finally(() => (this.rebuilding = null));
    await this.rebuilding;
  }

  private async rebuildAll(q: OpenTicketQuery): Promise<void> {
    const open = await this.store.openSince(q.since);
    const codes = new Set([q.compoundCode, ...open.map((t) => t.compoundCode)]);
    const multi = this.redis.multi();
    for (const code of codes) multi.zremrangebyscore(this.key(code), '-inf', `(${q.since.getTime()}`);
    for (const t of open) multi.zadd(this.key(t.compoundCode), 'GT', lastReportAt(t).getTime(), member(t));
    for (const code of codes) multi.set(`${this.key(code)}:built`, '1', 'EX', REBUILD_AFTER_SECONDS);
    await multi.exec();
    this.log.info({ compounds: codes.size, tickets: open.length }, 'open-ticket index rebuilt from the store');
  }

  private key(compoundCode: string): string {
    return `${this.prefix}:open-tickets:${compoundCode}`;
  }
}
