import { monthKey, nextMonth, planServiceDay, type MonthKey } from '../../domain/service-day-plan';
import { shanghaiDayKey, toShanghaiParts } from '../../domain/shanghai-time';
import type { ServicePlanRepo } from '../../store/service-day-plan-repo';

export function currentMonth(now: Date): MonthKey {
  const p = toShanghaiParts(now);
  return monthKey(p.year, p.month);
}

/** A month named without a year: this year's, unless it is already over, then next year's. */
export function monthNamed(month: number, now: Date): MonthKey {
  const p = toShanghaiParts(now);
  return monthKey(month < p.month ? p.year + 1 : p.year, month);
}

/** A day of the month named without a month ("7号"): this month's unless it has passed. */
export function monthOfNamedDay(day: number, now: Date): MonthKey {
  const p = toShanghaiParts(now);
  return day >= p.day ? monthKey(p.year, p.month) : nextMonth(monthKey(p.year, p.month));
}

/** The month whose service day is next: this one until its day has passed. */
export async function upcomingMonth(plans: ServicePlanRepo, compoundCode: string, now: Date): Promise<MonthKey> {
  const month = currentMonth(now);
  const day = planServiceDay(month, await plans.get(compoundCode, month));
  return day >= shanghaiDayKey(now) ? month : nextMonth(month);
}
