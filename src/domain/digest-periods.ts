import { addShanghaiDays, shanghaiDate, shanghaiDayKey, startOfShanghaiDay, toShanghaiParts } from './shanghai-time';
import type { Period } from './digest-figures';

/** Monday 00:00 to Monday 00:00 (Shanghai) of the week before the one `now` is in. */
export function previousWeek(now: Date): Period & { key: string; text: string } {
  const today = startOfShanghaiDay(now);
  const weekday = toShanghaiParts(today).weekday; // 0 = Sunday
  const thisMonday = addShanghaiDays(today, -((weekday + 6) % 7));
  const from = addShanghaiDays(thisMonday, -7);
  const last = addShanghaiDays(thisMonday, -1);
  const f = toShanghaiParts(from);
  const l = toShanghaiParts(last);
  return { from, to: thisMonday, key: shanghaiDayKey(from), text: `${f.month}月${f.day}日–${l.month}月${l.day}日` };
}

/** The calendar month (Shanghai) before the one `now` is in. */
export function previousMonth(now: Date): Period & { key: string; text: string } {
  const p = toShanghaiParts(now);
  const to = shanghaiDate(p.year, p.month, 1);
  const year = p.month === 1 ? p.year - 1 : p.year;
  const month = p.month === 1 ? 12 : p.month - 1;
  return { from: shanghaiDate(year, month, 1), to, key: `${year}-${String(month).padStart(2, '0')}`, text: `${year}年${month}月` };
}

/** A YYYY-MM month as a period. */
export function monthPeriod(key: string): Period & { key: string; text: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) throw new RangeError(`not a YYYY-MM month: ${JSON.stringify(key)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new RangeError(`not a YYYY-MM month: ${JSON.stringify(key)}`);
  return { from: shanghaiDate(year, month, 1), to: shanghaiDate(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1), key, text: `${year}年${month}月` };
}
