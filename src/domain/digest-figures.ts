import { isOpen, type Ticket } from './ticket';

export interface Period {
  from: Date;
  to: Date;
}

export interface Satisfaction {
  asked: number;
  fixed: number;
  notFixed: number;
  unsure: number;
}

/** The figures the city used to show the 12345 hotline falling, for one compound or a street. */
export interface DigestFigures {
  raised: number;
  /** Reports counted, "+1"s included. */
  reports: number;
  resolved: number;
  /** Resolved without leaving the compound: no whistle blown, handled by the branch or the property company. */
  solvedInCompound: number;
  escalations: number;
  openNow: number;
  overdueNow: number;
  resolvedLate: number;
  medianHoursToResolve: number | null;
  byCategory: Record<string, number>;
  byTier: Record<string, number>;
  /** Buildings with more than one report in the period, most first. */
  repeatsByBuilding: Array<{ building: string; reports: number }>;
  satisfaction: Satisfaction | null;
}

const within = (d: Date | null, p: Period) => d !== null && d >= p.from && d < p.to;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/**
 * Pure: from the tickets that touch a period (created in it, or still open at its end)
 * to the report's figures. `now` decides what counts as overdue.
 */
export function digestFigures(tickets: readonly Ticket[], period: Period, now: Date, satisfaction: Satisfaction | null = null): DigestFigures {
  const raised = tickets.filter((t) => within(t.createdAt, period));
  const resolved = tickets.filter((t) => within(t.resolvedAt, period));
  const escalated = (t: Ticket) => t.history.some((e) => e.action === 'escalate');
  const open = tickets.filter((t) => isOpen(t.status));
  const reports = tickets.flatMap((t) => t.reporters.filter((r) => within(r.at, period)).map((r) => ({ r, t })));
  const byBuilding = countBy(reports.filter(({ t }) => t.building !== null).map(({ t }) => t.building as string));
  return {
    raised: raised.length,
    reports: reports.length,
    resolved: resolved.length,
    solvedInCompound: resolved.filter((t) => !escalated(t) && (t.tier === 'branch' || t.tier === 'property')).length,
    escalations: tickets.flatMap((t) => t.history).filter((e) => e.action === 'escalate' && within(e.at, period)).length,
    openNow: open.length,
    overdueNow: open.filter((t) => t.dueAt !== null && t.dueAt < now).length,
    resolvedLate: resolved.filter((t) => t.dueAt !== null && t.resolvedAt !== null && t.resolvedAt > t.dueAt).length,
    medianHoursToResolve: median(resolved.map((t) => ((t.resolvedAt as Date).getTime() - t.createdAt.getTime()) / 3_600_000)),
    byCategory: countBy(raised.map((t) => t.category)),
    byTier: countBy(raised.map((t) => t.tier)),
    repeatsByBuilding: Object.entries(byBuilding)
      .filter(([, n]) => n > 1)
      .map(([building, n]) => ({ building, reports: n }))
      .sort((a, b) => b.reports - a.reports),
    satisfaction,
  };
}
