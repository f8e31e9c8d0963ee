import { serviceDayFor } from './service-day';

/** A month as stored and passed around: 'YYYY-MM'. Job ids use the compact 'YYYYMM'. */
export type MonthKey = string;

export interface PlanActivity {
  id: string;
  title: string;
  startsAt: Date;
  place: string;
  /** What residents should bring ("身份证"), null when nothing. */
  bring: string | null;
  /** null: no sign-up limit. */
  capacity: number | null;
  source: 'chat' | 'import';
  /** What read the secretary's words: 'grammar' or the prompt version; null for imports. */
  readBy: string | null;
  addedBy: string | null;
  addedAt: Date;
}

/** One compound's service-day plan for one month. */
export interface ServicePlan {
  compoundCode: string;
  month: MonthKey;
  /** The branch moved its day (YYYY-MM-DD inside the month); null keeps the 7th. */
  movedTo: string | null;
  /** Sorted by start time. */
  activities: PlanActivity[];
  summary: string | null;
  summaryBy: string | null;
  summaryAt: Date | null;
}

export interface PlanSignup {
  activityId: string;
  userId: string;
  count: number;
  at: Date;
  messageId: string;
}

const MONTH_KEY = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function monthKey(year: number, month: number): MonthKey {
  return `${year}-${String(month).padStart(2, '0')}`;
}

export function parseMonthKey(key: string): { year: number; month: number } {
  const m = MONTH_KEY.exec(key);
  if (!m) throw new RangeError(`not a YYYY-MM month: ${JSON.stringify(key)}`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

export function isMonthKey(key: string): boolean {
  return MONTH_KEY.test(key);
}

/** '2025-10' -> '202510', for job ids. */
export function compactMonth(key: MonthKey): string {
  parseMonthKey(key);
  return key.replace('-', '');
}

export function monthOfDay(dayKey: string): MonthKey {
  return dayKey.slice(0, 7);
}

export function nextMonth(key: MonthKey): MonthKey {
  const { year, month } = parseMonthKey(key);
  return month === 12 ? monthKey(year + 1, 1) : monthKey(year, month + 1);
}

/** The plan's service day: the 7th unless the branch moved it. */
export function planServiceDay(month: MonthKey, plan: Pick<ServicePlan, 'movedTo'> | null): string {
  const { year, month: m } = parseMonthKey(month);
  return serviceDayFor(year, m, plan?.movedTo ? { movedTo: plan.movedTo } : undefined);
}
