// Asia/Shanghai has been UTC+8 without DST since 1991, so a fixed offset is exact
// and keeps every rule independent of the host's timezone.
const OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface ShanghaiParts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday, as Date#getDay. */
  weekday: number;
}

export function toShanghaiParts(d: Date): ShanghaiParts {
  const s = new Date(d.getTime() + OFFSET_MS);
  return {
    year: s.getUTCFullYear(),
    month: s.getUTCMonth() + 1,
    day: s.getUTCDate(),
    hour: s.getUTCHours(),
    minute: s.getUTCMinutes(),
    weekday: s.getUTCDay(),
  };
}

/** Shanghai wall-clock time to an instant. Out-of-range parts roll over as in Date.UTC (day 0 = last day of the previous month). */
export function shanghaiDate(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, hour, minute) - OFFSET_MS);
}

export function shanghaiDayKey(d: Date): string {
  const p = toShanghaiParts(d);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function startOfShanghaiDay(d: Date): Date {
  const p = toShanghaiParts(d);
  return shanghaiDate(p.year, p.month, p.day);
}

export function addShanghaiDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * DAY_MS);
}

/** Parses a 'YYYY-MM-DD' key, rejecting impossible dates such as 2025-02-30. */
export function parseDayKey(key: string): { year: number; month: number; day: number } {
  const m = DAY_KEY.exec(key);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (shanghaiDayKey(shanghaiDate(year, month, day)) === key) return { year, month, day };
  }
  throw new RangeError(`not a YYYY-MM-DD day: ${JSON.stringify(key)}`);
}

/** Weekday (0 = Sunday) of a day key; needs no timezone because a day key is already local. */
export function weekdayOf(key: string): number {
  const { year, month, day } = parseDayKey(key);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "11月30日 16:00", Shanghai time: how staff and residents read a deadline. */
export function formatShanghaiShort(d: Date): string {
  const p = toShanghaiParts(d);
  return `${p.month}月${p.day}日 ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}
