import { NUMBER, normalizeChat, parseNumber } from './service-day-numbers';

/** One activity as written; what is missing stays null and the bot asks for it. */
export interface ActivityDraft {
  /** Month written in the message ("10月7日"), else null. */
  month: number | null;
  /** Day of the month written ("7号"), else null: the plan's service day. */
  day: number | null;
  /** 0-23, null when no time was written. */
  hour: number | null;
  minute: number;
  place: string | null;
  title: string | null;
  bring: string | null;
  capacity: number | null;
}

export type MoveMonth = number | 'this' | 'next' | null;

export type PlanReading =
  | { kind: 'activities'; activities: ActivityDraft[] }
  | { kind: 'move'; day: number; month: MoveMonth }
  | { kind: 'summary'; text: string }
  | { kind: 'cancel' }
  /** The group owner says the group-send task is sent. */
  | { kind: 'owner_sent' }
  | { kind: 'none' };

const N = NUMBER;
const DATE = new RegExp(`(?:(${N})月)?(${N})[号日](?![楼栋幢门室院单])`);
const PERIOD = '上午|早上|早晨|清晨|中午|下午|傍晚|晚上|晚';
// Minutes: 半/一刻/三刻, "30分", two digits ("9点30", not the "3" of "2点 3号楼"), or Chinese numerals.
const CLOCK = `(?:(${PERIOD})\\s*)?(${N})\\s*(?:[点时](?:(半|一刻|三刻)|(\\d{1,2})分|(\\d{2})(?![\\d号日楼栋幢])|([一二三四五六七八九十]{1,3})分?)?|:(\\d{2}))`;
const TIME = new RegExp(`${CLOCK}(?:\\s*(?:-|~|至|到)\\s*(?:(?:${PERIOD})\\s*)?${N}\\s*(?:[点时](?:半|\\d{1,2}分?|[一二三四五六七八九十]{1,3}分?)?|:\\d{2}))?`);
const UNLIMITED = /不限(?:人数|名额)|无需报名|不用报名|无需预约/;
const CAPACITY = [
  new RegExp(`(?:可报名|限报|限额|限|名额|报名人数|人数)\\s*(?:为|:)?\\s*(${N})\\s*(?:人|名|位|个|户)?`),
  new RegExp(`(${N})\\s*(?:个)?(?:名额|人以内)`),
];
const BRING = /(?:^|[\s,;])(?:请|需要?)?(?:携带|自带|带上|带好|带)([^\s,;。、!?]{1,20})/;
const TICKET_REF = /#\s*\d|工单|单号/;
const ACTIVITY_WORDS = /服务日|睦邻|宜七来|报名|义诊|讲座|读书|集市|太极|直播|义剪|理发|磨刀|体检|慰问|走访|宣讲|演出|电影|手工|亲子|健康|公益|志愿|课堂|培训|沙龙|比赛|运动|联欢|茶话会/;
const PLACE = /(?:广场|驿站|活动室|活动中心|会议室|中心|大厅|门口|大门|[东南西北]门|亭|长廊|公园|空地|球场|操场|停车场|会所|服务站|书屋|图书室|食堂|礼堂|楼下|楼前|[号幢栋]楼?|室|馆|厅|站|院)$/;
const GLUED_PLACE = /^(.{2,12}?(?:广场|驿站|活动室|活动中心|会议室|大厅|门口|服务站|长廊|公园|会所|礼堂|书屋))(.{2,})$/;
const FILLER = /^(?:本月|下月|这个月|下个月|服务日|睦邻服务日|宜七来|宜七来·睦邻服务日|活动|活动安排|欢迎参加|欢迎|参加|报名|安排|地点|时间|开始)$/;
const MOVE = new RegExp(
  `(?:(本|这个?|下个?)月份?)?(?:(${N})月份?)?的?(?:睦邻)?服务日\\s*(?:改|调整|挪|换|推迟|提前|延期?)\\s*(?:期|回|为|成)?\\s*(?:到|至|在|为|成)?\\s*(?:(${N})月)?(${N})[号日]`,
);
const SUMMARY = /^(?:服务日|本次|今天的?|活动)?(?:总结|小结)\s*[:]?\s*([\s\S]+)$/;
const CANCEL = /^(?:取消|撤销|撤回|删除)(?:刚才的?|上一条的?|这条)?(?:登记|活动)?$/;
const OWNER_SENT = /^(?:(?:已|已经)(?:确认)?(?:群发|发送|发了|发出|发到群里?)了?|(?:群发|通知)(?:已|已经)?(?:发|发送|发出)(?:了|好了)?)$/;

/**
 * What a secretary's message means for the service-day plan. Strict on purpose: staff
 * also answer ticket prompts in free words ("明天上午9点去看"), and a message taken here
 * never reaches the ticket loop. An activity needs a time or date and either an activity
 * word, a capacity, something to bring, or a date with a recognisable place.
 */
export function readPlanMessage(raw: string): PlanReading {
  const text = normalizeChat(raw);
  if (text === '') return { kind: 'none' };
  const bare = text.replace(/[。.!！~\s]+$/u, '');
  if (CANCEL.test(bare)) return { kind: 'cancel' };
  if (OWNER_SENT.test(bare)) return { kind: 'owner_sent' };
  const summary = SUMMARY.exec(text);
  if (summary?.[1]?.trim()) return { kind: 'summary', text: summary[1].trim().slice(0, 200) };
  if (TICKET_REF.test(text)) return { kind: 'none' };
  const move = readMove(text);
  if (move) return move;
  return readActivities(raw);
}

function readMove(text: string): PlanReading | null {
  const m = MOVE.exec(text);
  if (!m) return null;
  const day = parseNumber(m[4] ?? '');
  if (day === null || day < 1 || day > 31) return null;
  const written = m[3] ?? m[2];
  const month: MoveMonth = written !== undefined ? parseNumber(written) : m[1] === undefined ? null : m[1].startsWith('下') ? 'next' : 'this';
  return { kind: 'move', day, month };
}

function readActivities(raw: string): PlanReading {
  const parts = raw
    .split(/\n|;|；/)
    .map(normalizeChat)
    .filter((p) => p !== '');
  const drafts: ActivityDraft[] = [];
  let taken = false;
  let lastDate: { month: number | null; day: number | null } = { month: null, day: null };
  for (const part of parts) {
    const read = readActivityLine(part);
    if (!read) continue;
    if (read.draft.day === null) Object.assign(read.draft, lastDate);
    else lastDate = { month: read.draft.month, day: read.draft.day };
    drafts.push(read.draft);
    taken ||= read.planLike;
  }
  return taken && drafts.length > 0 ? { kind: 'activities', activities: drafts } : { kind: 'none' };
}

/** One line; null when it carries no time or date at all. */
export function readActivityLine(line: string): { draft: ActivityDraft; planLike: boolean } | null {
  let rest = ` ${normalizeChat(line)} `;
  const cut = (m: RegExpExecArray): void => {
    rest = rest.slice(0, m.index) + ' ' + rest.slice(m.index + m[0].length);
  };

  const date = DATE.exec(rest);
  let month: number | null = null;
  let day: number | null = null;
  if (date) {
    month = date[1] === undefined ? null : parseNumber(date[1]);
    day = parseNumber(date[2] ?? '');
    cut(date);
  }
  const time = TIME.exec(rest);
  let hour: number | null = null;
  let minute = 0;
  if (time) {
    const clock = readClock(time);
    if (clock) ({ hour, minute } = clock);
    cut(time);
  }
  if (day === null && hour === null) return null;

  let capacity: number | null = null;
  let strong = false;
  const unlimited = UNLIMITED.exec(rest);
  if (unlimited) {
    strong = true;
    cut(unlimited);
  } else {
    for (const re of CAPACITY) {
      const m = re.exec(rest);
      if (!m) continue;
      capacity = parseNumber(m[1] ?? '');
      strong = true;
      cut(m);
      break;
    }
  }
  let bring: string | null = null;
  const b = BRING.exec(rest);
  if (b?.[1]) {
    bring = b[1];
    strong = true;
    cut(b);
  }

  const words = ACTIVITY_WORDS.test(rest);
  const { place, title } = placeAndTitle(tokens(rest));
  const planLike = strong || words || (day !== null && hour !== null && place !== null && title !== null);
  return { draft: { month, day, hour, minute, place, title, bring, capacity: capacity !== null && capacity > 0 ? capacity : null }, planLike };
}

function readClock(m: RegExpExecArray): { hour: number; minute: number } | null {
  const period = m[1];
  let hour = parseNumber(m[2] ?? '');
  if (hour === null) return null;
  const fraction = m[3];
  const written = m[4] ?? m[5] ?? m[6] ?? m[7];
  let minute = written === undefined ? 0 : (parseNumber(written) ?? 0);
  if (fraction === '半') minute = 30;
  else if (fraction === '一刻') minute = 15;
  else if (fraction === '三刻') minute = 45;
  if (period && /下午|傍晚|晚/.test(period) && hour < 12) hour += 12;
  else if (period === '中午' && hour < 3) hour += 12;
  // No one runs a compound activity at 3 a.m.: "3点" without a period is the afternoon.
  else if (!period && hour >= 1 && hour <= 6) hour += 12;
  if (hour > 23 || minute > 59) return null;
  return { hour, minute };
}

function tokens(rest: string): string[] {
  return rest
    .split(/[\s,、。!?:]+/)
    .map((t) =>
      t
        .replace(/^(?:在|于)/, '')
        .replace(/^(?:举办|举行|开展|组织|进行)/, '')
        .replace(/(?:举办|举行|开展|进行)$/, ''),
    )
    .filter((t) => t !== '' && !FILLER.test(t));
}

function placeAndTitle(list: string[]): { place: string | null; title: string | null } {
  if (list.length === 0) return { place: null, title: null };
  if (list.length === 1) {
    const only = list[0] as string;
    const glued = GLUED_PLACE.exec(only);
    if (glued) return { place: glued[1] ?? null, title: glued[2] ?? null };
    return PLACE.test(only) ? { place: only, title: null } : { place: null, title: only };
  }
  const placeIndex = list.findIndex((t) => PLACE.test(t));
  // Without a place-like word the convention of the examples holds: time, place, activity.
  const i = placeIndex === -1 ? 0 : placeIndex;
  return { place: list[i] ?? null, title: list.filter((_, j) => j !== i).join(' ') };
}

/** What is missing before an activity can be registered, in the order the bot asks. */
export function missingParts(d: ActivityDraft): Array<'time' | 'place' | 'title'> {
  const out: Array<'time' | 'place' | 'title'> = [];
  if (d.hour === null) out.push('time');
  if (!d.place) out.push('place');
  if (!d.title) out.push('title');
  return out;
}
