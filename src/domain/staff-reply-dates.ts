import { toShanghaiParts } from './shanghai-time';
import { fixTypos, fold, normalize } from './staff-reply-normalize';

// Dates in staff replies (明天, 下周一, 15号, 3月20日), resolved in Asia/Shanghai.

interface Day {
  y: number;
  m: number;
  d: number;
}

function dayFromUtc(ms: number): Day {
  const t = new Date(ms);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
const utc = (day: Day, plus = 0): number => Date.UTC(day.y, day.m - 1, day.d + plus);
const addDays = (day: Day, n: number): Day => dayFromUtc(utc(day, n));
const weekday = (day: Day): number => new Date(utc(day)).getUTCDay() || 7; // Monday 1 … Sunday 7
export const dayKey = (day: Day): string => `${day.y}-${String(day.m).padStart(2, '0')}-${String(day.d).padStart(2, '0')}`;

/** A calendar date, or null when it does not exist (2月30日). */
function validDay(y: number, m: number, d: number): Day | null {
  const day = dayFromUtc(Date.UTC(y, m - 1, d));
  return day.y === y && day.m === m && day.d === d ? day : null;
}

const CN_DIGITS: Readonly<Record<string, number>> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

function smallNumber(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^([一二两三四五六七八九])?(十)?([一二三四五六七八九])?$/.exec(s);
  if (!m || s === '') return null;
  const [, a, ten, b] = m;
  if (!ten) return a && !b ? (CN_DIGITS[a] ?? null) : null;
  return (a ? (CN_DIGITS[a] ?? 0) : 1) * 10 + (b ? (CN_DIGITS[b] ?? 0) : 0);
}

const WEEKDAY_NAMES: Readonly<Record<string, number>> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };

type DateRule = { re: RegExp; at: (m: RegExpExecArray, today: Day) => Day | null };

const mondayOf = (day: Day): Day => addDays(day, 1 - weekday(day));

// Earlier rules win when two match at the same position ("下个月底" before "下个月").
export const DATE_RULES: readonly DateRule[] = [
  {
    re: /(\d{1,2})月(\d{1,2})[日号]?/,
    at: (m, t) => {
      const d = validDay(t.y, Number(m[1]), Number(m[2]));
      return d && utc(d) < utc(t) ? validDay(t.y + 1, Number(m[1]), Number(m[2])) : d;
    },
  },
  {
    re: /(下下|下|这|本)?个?(?:周|星期|礼拜)([一二三四五六日天1-7])/,
    at: (m, t) => {
      const wd = WEEKDAY_NAMES[m[2] ?? ''] ?? Number(m[2]);
      const thisWeek = addDays(mondayOf(t), wd - 1);
      if (m[1] === '下') return addDays(thisWeek, 7);
      if (m[1] === '下下') return addDays(thisWeek, 14);
      if (m[1]) return utc(thisWeek) >= utc(t) ? thisWeek : null;
      return utc(thisWeek) > utc(t) ? thisWeek : addDays(thisWeek, 7);
    },
  },
  { re: /下个?(?:周|星期|礼拜)/, at: (_m, t) => addDays(mondayOf(t), 7) },
  {
    re: /周末/,
    at: (_m, t) => {
      const sat = addDays(mondayOf(t), 5);
      return utc(sat) > utc(t) ? sat : addDays(sat, 7);
    },
  },
  { re: /(下个?)?月[底末]/, at: (m, t) => dayFromUtc(Date.UTC(t.y, t.m + (m[1] ? 1 : 0), 0)) },
  { re: /下个?月/, at: (_m, t) => dayFromUtc(Date.UTC(t.y, t.m, 1)) },
  { re: /月中/, at: (_m, t) => (t.d < 15 ? { ...t, d: 15 } : dayFromUtc(Date.UTC(t.y, t.m, 15))) },
  {
    re: /(?<![\d月.])(\d{1,2})[号日](?![楼栋幢单门室])/,
    at: (m, t) => {
      const n = Number(m[1]);
      const here = validDay(t.y, t.m, n);
      if (here && here.d >= t.d) return here;
      const next = dayFromUtc(Date.UTC(t.y, t.m, 1));
      return validDay(next.y, next.m, n);
    },
  },
  { re: /大后天/, at: (_m, t) => addDays(t, 3) },
  { re: /后天/, at: (_m, t) => addDays(t, 2) },
  { re: /明[天日早晚]/, at: (_m, t) => addDays(t, 1) },
  { re: /今[天日晚]/, at: (_m, t) => t },
  {
    re: /(?:过|缓)?(\d{1,2}|[一二两三四五六七八九十]{1,3})个?(天|周|星期|礼拜)(?:后|以后|之后)?/,
    at: (m, t) => {
      const n = smallNumber(m[1] ?? '');
      const hasAnchor = /^[过缓]/.test(m[0]) || /后$/.test(m[0]);
      if (n === null || !hasAnchor) return null;
      return addDays(t, m[2] === '天' ? n : 7 * n);
    },
  },
];

export function findDateMatch(s: string, now: Date): { index: number; day: Day | null } | null {
  const p = toShanghaiParts(now);
  const today: Day = { y: p.year, m: p.month, d: p.day };
  let best: { index: number; day: Day | null } | null = null;
  for (const rule of DATE_RULES) {
    const m = rule.re.exec(s);
    if (!m || (best && best.index <= m.index)) continue;
    const day = rule.at(m, today);
    if (day || !best) best = { index: m.index, day };
  }
  return best;
}

/** The first date a reply names, resolved against `now` in Asia/Shanghai, as YYYY-MM-DD. */
export function parseReplyDate(text: string, now: Date): string | null {
  const found = findDateMatch(fixTypos(fold(normalize(text))), now);
  return found?.day ? dayKey(found.day) : null;
}
