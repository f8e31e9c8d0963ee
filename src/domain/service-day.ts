import { parseDayKey, shanghaiDate, shanghaiDayKey, toShanghaiParts } from './shanghai-time';

/** 每月7日 "宜七来·睦邻服务日". */
export const SERVICE_DAY_OF_MONTH = 7;

export interface ServiceDayPlan {
  /** A branch may move its day within the month (YYYY-MM-DD). */
  movedTo?: string;
}

export interface ServiceDayHours {
  planReminderHour?: number;
  eveAnnouncementHour?: number;
  morningAnnouncementHour?: number;
  summaryRequestHour?: number;
}

export interface ServiceDayScheduleOptions {
  /** Day of the month on which secretaries are reminded to register the plan; default 1. */
  remindDay?: number;
  plan?: ServiceDayPlan;
  hours?: ServiceDayHours;
}

export interface ServiceDaySchedule {
  serviceDay: string;
  planReminderAt: Date;
  /** The evening before the day. */
  eveAnnouncementAt: Date;
  morningAnnouncementAt: Date;
  summaryRequestAt: Date;
}

const DEFAULT_HOURS: Required<ServiceDayHours> = {
  planReminderHour: 9,
  eveAnnouncementHour: 19,
  morningAnnouncementHour: 8,
  summaryRequestHour: 20,
};

/**
 * The 7th, even inside a public holiday (October's falls in the National Day break):
 * the announcement still goes out unless the branch moved its day.
 */
export function serviceDayFor(year: number, month: number, plan?: ServiceDayPlan): string {
  checkMonth(year, month);
  const moved = plan?.movedTo;
  if (moved === undefined) return shanghaiDayKey(shanghaiDate(year, month, SERVICE_DAY_OF_MONTH));
  const p = parseDayKey(moved);
  // Guards against a typo in the month: a plan for October cannot move the day into November.
  if (p.year !== year || p.month !== month) {
    throw new RangeError(`service day for ${year}-${month} moved outside its month: ${moved}`);
  }
  return moved;
}

export function serviceDaySchedule(year: number, month: number, opts: ServiceDayScheduleOptions = {}): ServiceDaySchedule {
  const serviceDay = serviceDayFor(year, month, opts.plan);
  const hours = { ...DEFAULT_HOURS, ...opts.hours };
  const remindDay = opts.remindDay ?? 1;
  if (!Number.isInteger(remindDay) || remindDay < 1 || remindDay > 28) {
    throw new RangeError(`remindDay must be 1-28, got ${remindDay}`);
  }
  const { day } = parseDayKey(serviceDay);
  const at = (d: number, h: number): Date => shanghaiDate(year, month, d, h);
  return {
    serviceDay,
    // A day moved early in the month still gets its plan reminder, the day before.
    planReminderAt: at(Math.min(remindDay, day - 1), hours.planReminderHour),
    eveAnnouncementAt: at(day - 1, hours.eveAnnouncementHour),
    morningAnnouncementAt: at(day, hours.morningAnnouncementHour),
    summaryRequestAt: at(day, hours.summaryRequestHour),
  };
}

/**
 * The first service day on or after the Shanghai day of `now`, rolling December into January.
 * `planFor` supplies each month's plan, if any.
 */
export function nextServiceDay(
  now: Date,
  planFor: (year: number, month: number) => ServiceDayPlan | undefined = () => undefined,
): { year: number; month: number; serviceDay: string } {
  const today = shanghaiDayKey(now);
  const { year, month } = toShanghaiParts(now);
  const thisMonth = serviceDayFor(year, month, planFor(year, month));
  if (thisMonth >= today) return { year, month, serviceDay: thisMonth };
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return { ...next, serviceDay: serviceDayFor(next.year, next.month, planFor(next.year, next.month)) };
}

function checkMonth(year: number, month: number): void {
  if (!Number.isInteger(year) || !Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`bad year/month ${year}-${month}`);
  }
}
