import packageData from 'chinese-days/dist/chinese-days.json';
import { addShanghaiDays, parseDayKey, shanghaiDate, shanghaiDayKey, weekdayOf } from './shanghai-time';

// chinese-days' functions (isWorkday, getDayDetail…) read a day in the host's local
// timezone: on a UTC-5 host isWorkday('2025-10-01') looks up Sep 30. Its bundled
// JSON is keyed by plain day, so we read that instead and stay host-independent.
const DATA: { holidays: Record<string, string>; workdays: Record<string, string> } = packageData;

const HOUR_MS = 60 * 60 * 1000;
/** Longest run of non-working days we accept before calling the calendar broken. */
const MAX_IDLE_DAYS = 366;

export interface DayDescription {
  workday: boolean;
  /** Chinese name of the holiday the day belongs to (or is a make-up for), else null. */
  holidayName: string | null;
  /** A weekend day worked in exchange for a holiday (调休补班). */
  makeUpWorkday: boolean;
}

export interface WorkCalendar {
  isWorkday(dayKey: string): boolean;
  describe(dayKey: string): DayDescription;
  /** Days outside this range fall back to Monday-Friday; warn operators before it runs out. */
  coverage(): { from: string; to: string };
  covers(dayKey: string): boolean;
}

export interface CalendarOverride {
  date: string;
  workday: boolean;
  name?: string;
}

export interface BusinessHours {
  workdayStartHour?: number;
  workdayEndHour?: number;
}

export const DEFAULT_WORKDAY_START_HOUR = 9;
export const DEFAULT_WORKDAY_END_HOUR = 17;
/** Working hours in one default business day; SLA tables count days in these. */
export const WORKDAY_HOURS = DEFAULT_WORKDAY_END_HOUR - DEFAULT_WORKDAY_START_HOUR;

const PACKAGE_YEARS = Object.keys(DATA.holidays).map((k) => Number(k.slice(0, 4)));
const PACKAGE_FROM_YEAR = Math.min(...PACKAGE_YEARS);
const PACKAGE_TO_YEAR = Math.max(...PACKAGE_YEARS);

export function createWorkCalendar(opts: { overrides?: CalendarOverride[] } = {}): WorkCalendar {
  const overrides = indexOverrides(opts.overrides ?? []);
  // A year with any override counts as covered: operators load a whole State Council notice at once.
  let toYear = PACKAGE_TO_YEAR;
  while ([...overrides.keys()].some((k) => k.startsWith(`${toYear + 1}-`))) toYear += 1;
  const range = { from: `${PACKAGE_FROM_YEAR}-01-01`, to: `${toYear}-12-31` };

  const describe = (dayKey: string): DayDescription => {
    const weekend = isWeekend(dayKey);
    const o = overrides.get(dayKey);
    if (o) return { workday: o.workday, holidayName: o.name ?? null, makeUpWorkday: o.workday && weekend };
    const madeUp = DATA.workdays[dayKey];
    if (madeUp !== undefined) return { workday: true, holidayName: chineseName(madeUp), makeUpWorkday: weekend };
    const holiday = DATA.holidays[dayKey];
    if (holiday !== undefined) return { workday: false, holidayName: chineseName(holiday), makeUpWorkday: false };
    return { workday: !weekend, holidayName: null, makeUpWorkday: false };
  };

  return {
    describe,
    isWorkday: (dayKey) => describe(dayKey).workday,
    coverage: () => ({ ...range }),
    covers: (dayKey) => {
      parseDayKey(dayKey);
      return dayKey >= range.from && dayKey <= range.to;
    },
  };
}

/**
 * Adds working time, counting only business hours of working days.
 * A start outside business hours begins at the next opening; landing exactly on closing time stays there.
 */
export function addWorkingTime(start: Date, hours: number, cal: WorkCalendar, opts: BusinessHours = {}): Date {
  if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`working hours must be >= 0, got ${hours}`);
  const { startHour, endHour } = businessHours(opts);
  let remaining = hours * HOUR_MS;
  let key = shanghaiDayKey(start);
  let idle = 0;
  while (idle <= MAX_IDLE_DAYS) {
    if (cal.isWorkday(key)) {
      idle = 0;
      const from = Math.max(start.getTime(), dayStartMs(key) + startHour * HOUR_MS);
      const close = dayStartMs(key) + endHour * HOUR_MS;
      if (from <= close) {
        if (remaining <= close - from) return new Date(from + remaining);
        remaining -= close - from;
      }
    } else {
      idle += 1;
    }
    key = nextDayKey(key);
  }
  throw new Error(`no working day within ${MAX_IDLE_DAYS} days of ${key}`);
}

/**
 * Same clock time on the Nth working day after start. A start on a non-working day
 * counts from the next working day's opening, so Saturday 15:00 + 2 is Wednesday 09:00.
 */
export function addWorkingDays(start: Date, days: number, cal: WorkCalendar, opts: BusinessHours = {}): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`working days must be an integer >= 0, got ${days}`);
  let from = start;
  let key = shanghaiDayKey(start);
  if (!cal.isWorkday(key)) {
    key = nextWorkday(key, cal);
    from = new Date(dayStartMs(key) + businessHours(opts).startHour * HOUR_MS);
  }
  const clock = from.getTime() - dayStartMs(key);
  for (let i = 0; i < days; i++) key = nextWorkday(key, cal);
  return new Date(dayStartMs(key) + clock);
}

function nextWorkday(key: string, cal: WorkCalendar): string {
  let next = nextDayKey(key);
  for (let i = 0; i < MAX_IDLE_DAYS; i++, next = nextDayKey(next)) {
    if (cal.isWorkday(next)) return next;
  }
  throw new Error(`no working day within ${MAX_IDLE_DAYS} days of ${key}`);
}

function businessHours(opts: BusinessHours): { startHour: number; endHour: number } {
  const startHour = opts.workdayStartHour ?? DEFAULT_WORKDAY_START_HOUR;
  const endHour = opts.workdayEndHour ?? DEFAULT_WORKDAY_END_HOUR;
  if (!(startHour >= 0 && startHour < endHour && endHour <= 24)) {
    throw new RangeError(`bad business hours ${startHour}-${endHour}`);
  }
  return { startHour, endHour };
}

function indexOverrides(list: CalendarOverride[]): Map<string, CalendarOverride> {
  const byDate = new Map<string, CalendarOverride>();
  for (const o of list) {
    parseDayKey(o.date);
    if (byDate.has(o.date)) throw new RangeError(`calendar override listed twice: ${o.date}`);
    byDate.set(o.date, o);
  }
  return byDate;
}

function dayStartMs(key: string): number {
  const { year, month, day } = parseDayKey(key);
  return shanghaiDate(year, month, day).getTime();
}

function nextDayKey(key: string): string {
  return shanghaiDayKey(addShanghaiDays(new Date(dayStartMs(key)), 1));
}

function isWeekend(key: string): boolean {
  const wd = weekdayOf(key);
  return wd === 0 || wd === 6;
}

/** Package values look like "National Day,国庆节,3". */
function chineseName(value: string): string {
  return value.split(',')[1] ?? value;
}
