import type { FilterQuery } from 'mongoose';
import type { Category } from '../domain/labels';
import { OPEN_STATUSES, type HandlerTier, type TicketStatus } from '../domain/ticket';
import type { TicketDoc } from './ticket-schema';

export interface TicketQuery {
  street?: string;
  compoundCode?: string;
  /** One status, several, or 'open' for OPEN_STATUSES. */
  status?: TicketStatus | readonly TicketStatus[] | 'open';
  tier?: HandlerTier;
  category?: Category;
  /** Open tickets (unless status says otherwise) due before this instant. */
  overdueAt?: Date;
  /** Escalated tickets whose unit has not reported in (报到) by this instant. */
  reportInOverdueAt?: Date;
  createdFrom?: Date;
  createdBefore?: Date;
}

export type CountField = 'status' | 'tier' | 'category' | 'compoundCode' | 'urgency';

export function toFilter(q: TicketQuery): FilterQuery<TicketDoc> {
  const f: FilterQuery<TicketDoc> = {};
  if (q.street !== undefined) f.street = q.street;
  if (q.compoundCode !== undefined) f.compoundCode = q.compoundCode;
  if (q.tier !== undefined) f.tier = q.tier;
  if (q.category !== undefined) f.category = q.category;
  const status = q.status === 'open' ? OPEN_STATUSES : q.status;
  if (typeof status === 'string') f.status = status;
  else if (status !== undefined) f.status = { $in: [...status] };
  if (q.overdueAt) {
    f.dueAt = { $lt: q.overdueAt };
    f.status ??= { $in: [...OPEN_STATUSES] };
  }
  if (q.reportInOverdueAt) {
    f.reportInDueAt = { $lt: q.reportInOverdueAt };
    f.status = 'escalated';
  }
  if (q.createdFrom || q.createdBefore) {
    f.createdAt = { ...(q.createdFrom ? { $gte: q.createdFrom } : {}), ...(q.createdBefore ? { $lt: q.createdBefore } : {}) };
  }
  return f;
}
