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

/** What the store answers: open tickets of a compound with a report since `since`, newest first. */
export interface OpenTicketSource {
  findOpen(q: OpenTicketQuery): Promise<Ticket[]>;
  get(id: string): Promise<Ticket | null>;
}

// Once a day per compound: on FerretDB a rebuild reads every ticket, and 10,000 compounds
// rebuilding hourly would be ~3 such reads a second.
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
    if (!(await this.redis.exists(`${key}:built`))) return this.rebuild(q);
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

  private async rebuild(q: OpenTicketQuery): Promise<Ticket[]> {
    const key = this.key(q.compoundCode);
    const open = await this.store.findOpen({ compoundCode: q.compoundCode, since: q.since, limit: q.limit });
    const multi = this.redis.multi();
    multi.zremrangebyscore(key, '-inf', `(${q.since.getTime()}`);
    for (const t of open) multi.zadd(key, 'GT', lastReportAt(t).getTime(), member(t));
    multi.set(`${key}:built`, '1', 'EX', REBUILD_AFTER_SECONDS);
    await multi.exec();
    return q.category ? open.filter((t) => t.category === q.category) : open;
  }

  private key(compoundCode: string): string {
    return `${this.prefix}:open-tickets:${compoundCode}`;
  }
}
