import type { Category } from './labels';
import { maskPii } from './pii';
import { compareBuildings, isOpen, lastReportAt, type BuildingMatch, type Ticket } from './ticket';

// Is a new report the same problem as an open ticket? A wrong merge hides a problem from
// the people who must fix it, a missed merge only costs a second ticket, so every rule
// here errs towards "no". The thresholds come from test/fixtures/duplicate-pairs.jsonl
// (scripts/eval-duplicates.ts prints how they were chosen).

export interface MatchCandidate {
  category: Category;
  building: string | null;
  text: string;
  at: Date;
  senderId: string;
}

export type MatchableTicket = Pick<Ticket, 'id' | 'category' | 'building' | 'summary' | 'description' | 'status' | 'reporters' | 'createdAt'>;

/**
 * corroborated: both name the same place (building, landmark or plate) and the same thing
 * (PROBLEM_OBJECTS), so little shared wording is needed; textOnly: the place or the thing is
 * missing on one side, so the wording itself must carry it.
 */
export type MatchBasis = 'corroborated' | 'textOnly';
export type MatchThresholds = Record<MatchBasis, number>;

/** Chosen per basis on the tune split of the fixture: the most merges at precision >= 0.97. */
export const MATCH_THRESHOLDS: Readonly<MatchThresholds> = { corroborated: 0.05, textOnly: 0.5 };

const H = 1;
const DAY = 24 * H;

/**
 * How long after the latest report a new one may still be the same problem.
 *
 * | category                                   | window  | why                                            |
 * |--------------------------------------------|---------|------------------------------------------------|
 * | emergency                                  | 2 h     | one incident, reported by many within minutes  |
 * | illegal_parking                            | 12 h    | cars move: tomorrow's car is a new case        |
 * | noise                                      | 2 days  | tonight's and tomorrow night's noise           |
 * | garbage, pet, other_issue, policy_inquiry  | 3 days  |                                                |
 * | facility_repair, fire_hazard, property_service, neighbor_dispute, service_request | 7 days | a fault stays until fixed |
 * | illegal_construction, green_occupation, space_encroachment | 30 days | a shed or a fenced lawn stays for months |
 * | micro_wish                                 | 90 days | wishes collect +1s over a season               |
 * | not actionable                             | never   |                                                |
 */
export const MATCH_WINDOW_HOURS: Readonly<Record<Category, number>> = {
  emergency: 2 * H,
  illegal_parking: 12 * H,
  noise: 2 * DAY,
  garbage: 3 * DAY,
  pet: 3 * DAY,
  other_issue: 3 * DAY,
  policy_inquiry: 3 * DAY,
  facility_repair: 7 * DAY,
  fire_hazard: 7 * DAY,
  property_service: 7 * DAY,
  neighbor_dispute: 7 * DAY,
  service_request: 7 * DAY,
  illegal_construction: 30 * DAY,
  green_occupation: 30 * DAY,
  space_encroachment: 30 * DAY,
  micro_wish: 90 * DAY,
  activity_signup: 0,
  chit_chat: 0,
  spam: 0,
  bot_feedback: 0,
};

/**
 * A dispute or a family's need belongs to the people who raised it: two residents with
 * "楼上漏水" are two leaks. These merge only with the same resident's own earlier report.
 */
export const PERSONAL_CATEGORIES: ReadonlySet<Category> = new Set(['neighbor_dispute', 'service_request']);

/** Wishes are for the whole compound ("more chargers"): where each resident stands says nothing. */
export const PLACELESS_CATEGORIES: ReadonlySet<Category> = new Set(['micro_wish']);

/** A follow-up found by context rather than by its own sender reaches back at most this far. */
export const CONTEXT_FOLLOW_UP_HOURS = 24;

export interface MatchOptions {
  thresholds?: Partial<MatchThresholds>;
  windowHours?: Partial<Record<Category, number>>;
}

export interface DuplicateMatch<T> {
  ticket: T;
  score: number;
  why: string;
}

export type Assessment =
  | { eligible: false; reason: string }
  | { eligible: true; basis: MatchBasis; score: number; why: string };

/** Whether an open ticket may be the candidate's problem at all, and how similar they read. */
export function assessDuplicate(candidate: MatchCandidate, t: MatchableTicket, opts: MatchOptions = {}): Assessment {
  const no = (reason: string): Assessment => ({ eligible: false, reason });
  if (!isOpen(t.status)) return no(`ticket is ${t.status}`);
  if (t.category !== candidate.category) return no('another category');
  if (!withinWindow(t, candidate.at, windowFor(candidate.category, opts))) return no('outside the time window');
  if (PERSONAL_CATEGORIES.has(t.category) && !t.reporters.some((r) => r.userId === candidate.senderId)) return no('personal category, another resident');
  const building = compareBuildings(candidate.building, t.building);
  if (building === 'different') return no('another building');
  const named = problemObjects(candidate.text);
  const theirs = mergeObjects(problemObjects(t.description), problemObjects(t.summary));
  // Without a building on both sides, a named landmark (北门, 广场, 车库) places the report.
  const landmark = building === 'unknown' ? overlap(named.places, theirs.places) : 'unknown';
  if (landmark === 'disjoint') return no('another place');
  const place: BuildingMatch = landmark === 'shared' || PLACELESS_CATEGORIES.has(t.category) ? 'same' : building;
  const plates = overlap(named.plates, theirs.plates);
  if (plates === 'disjoint') return no('another plate number');
  const things = overlap(named.objects, theirs.objects);
  if (things === 'disjoint') return no('names other things');
  // The same plate is the same car, wherever each resident said it stood.
  const samePlace = place === 'same' || plates === 'shared';
  const basis: MatchBasis = samePlace && things === 'shared' ? 'corroborated' : 'textOnly';
  const text = normaliseForMatch(candidate.text);
  const score = Math.max(jaccard(text, normaliseForMatch(t.description)), jaccard(text, normaliseForMatch(t.summary)));
  const shared = [...named.objects].filter((o) => theirs.objects.has(o));
  const landmarks = [...named.places].filter((p) => theirs.places.has(p));
  const where =
    plates === 'shared'
      ? 'same plate number'
      : building === 'same'
        ? `same building ${t.building ?? ''}`.trim()
        : landmark === 'shared'
          ? `same place ${landmarks.join('/')}`
          : place === 'same'
            ? 'a compound-wide wish'
            : 'place not known on both sides';
  const what = shared.length > 0 ? `both about ${shared.join('/')}` : 'no common thing named';
  return { eligible: true, basis, score, why: `same category ${t.category}, ${where}, ${what}, text similarity ${score.toFixed(2)}` };
}

export function findDuplicate<T extends MatchableTicket>(candidate: MatchCandidate, open: readonly T[], opts: MatchOptions = {}): DuplicateMatch<T> | null {
  const thresholds = { ...MATCH_THRESHOLDS, ...opts.thresholds };
  let best: (DuplicateMatch<T> & { last: number }) | null = null;
  for (const t of open) {
    const a = assessDuplicate(candidate, t, opts);
    if (!a.eligible || a.score < thresholds[a.basis]) continue;
    const last = lastReportAt(t).getTime();
    if (!best || a.score > best.score || (a.score === best.score && last > best.last)) {
      best = { ticket: t, score: a.score, why: `${a.why} >= ${thresholds[a.basis].toFixed(2)} (${a.basis})`, last };
    }
  }
  if (!best) return null;
  const { last: _last, ...match } = best;
  return match;
}

export interface FollowUp {
  senderId: string;
  at: Date;
  /** The category the classifier read from the chat context, if any. */
  category: Category | null;
  /** The building from the message or its context, if any. */
  building: string | null;
}

/**
 * A bare follow-up ("+1", "还没人管吗") carries no text to compare. It attaches to the sender's
 * own most recent open ticket, else to the chat's most recent open ticket of the category the
 * context gives, reported within CONTEXT_FOLLOW_UP_HOURS. Neither path crosses buildings.
 */
export function findFollowUpTarget<T extends MatchableTicket>(f: FollowUp, open: readonly T[], opts: MatchOptions = {}): { ticket: T; why: string } | null {
  const fits = (t: T, window: number, place: (m: BuildingMatch) => boolean) =>
    isOpen(t.status) && withinWindow(t, f.at, window) && place(compareBuildings(f.building, t.building));
  const notElsewhere = (m: BuildingMatch) => m !== 'different';
  const own = open
    .filter((t) => t.reporters.some((r) => r.userId === f.senderId) && fits(t, windowFor(t.category, opts), notElsewhere))
    .sort((a, b) => Number(b.category === f.category) - Number(a.category === f.category) || lastReportAt(b).getTime() - lastReportAt(a).getTime());
  if (own[0]) return { ticket: own[0], why: `the sender's own open ticket (${own[0].category})` };
  const category = f.category;
  if (!category || PERSONAL_CATEGORIES.has(category)) return null;
  // By context only: a follow-up naming a building never lands on a ticket that names none.
  const samePlace = (m: BuildingMatch) => (f.building === null ? m !== 'different' : m === 'same');
  const recent = open
    .filter((t) => t.category === category && fits(t, Math.min(windowFor(category, opts), CONTEXT_FOLLOW_UP_HOURS), samePlace))
    .sort((a, b) => lastReportAt(b).getTime() - lastReportAt(a).getTime());
  return recent[0] ? { ticket: recent[0], why: `the chat's latest open ${category} ticket` } : null;
}

// Phrases that chase or second a report without describing anything new.
const FOLLOW_UP_PHRASES: readonly RegExp[] = [
  /[+＋]\s*[1１一]+/g,
  /同上|同问|附议|顶一下|顶顶|^顶$/g,
  /我(?:家|们|们家|这边|这里)?(?:楼下|楼上|这边|这里)?也(?:是|一样|这样|遇到了?|碰到了?)(?:的|啊|呀)?/g,
  /(?:一样|也是|同样)的?(?:情况|问题)?/g,
  /(?:还|还是|到现在还?|怎么还|为什么还|咋还)(?:没|没有)(?:人)?(?:来)?(?:管|修好?|处理好?|解决|弄好?|清理?|人管|人修|人来修|人来|人处理|动静|回复|反应)/g,
  /(?:有没有|有|没)人管(?:管|一下)?(?:没有|没)?/g,
  /(?:到底)?(?:管不管|修不修)/g,
  /什么时候(?:能|才能|可以)?(?:修好?|处理|解决|弄好?)/g,
  /(?:处理|修|解决)(?:了|好了)?(?:没有|没|吗)/g,
  /进展(?:怎么样|如何)|催(?:一下|一催|催)|跟进一下/g,
  /[一二两三四五六七八九十几\d]+(?:天|个?礼拜|个?星期|个?月|个?小时)了?/g,
];
const FILLER = /[啊呀吗呢吧了哦噢喔嘛么啦的呐哈哎唉诶]|请问|物业|书记|到底|都|已经|真的|这个|那个|怎么|回事/g;
const FOLLOW_UP_MAX_REST = 6;

/**
 * True for a message that only seconds or chases an earlier report: "+1", "同上", "还没人管吗",
 * "怎么还没修好". What is left after those phrases must name nothing (no thing, place or
 * number): "电梯也是坏的" is a report of its own and is matched by its text.
 */
export function isFollowUp(text: string): boolean {
  let rest = stripNoise(text.normalize('NFKC').toLowerCase());
  let matched = false;
  for (const p of FOLLOW_UP_PHRASES) {
    rest = rest.replace(p, () => {
      matched = true;
      return '';
    });
  }
  if (!matched) return false;
  rest = rest.replace(FILLER, '').replace(/\s+/g, '');
  if (/\d/.test(rest) || [...rest].length > FOLLOW_UP_MAX_REST) return false;
  const named = problemObjects(rest);
  return named.objects.size === 0 && named.places.size === 0 && !/[栋幢单元座号]/.test(rest);
}

// Words that say the same thing in different ways in compound groups.
const SYNONYMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/电[悌梯体递]/g, '电梯'],
  [/电瓶车|电动自行车|电[动频平]车/g, '电动车'],
  [/地库|地下车库/g, '车库'],
  [/消防车道|生命通道/g, '消防通道'],
  [/分类房|垃圾站|垃圾分类点|投放点/g, '垃圾房'],
  [/[拉垃][级圾]/g, '垃圾'],
  [/[躁燥]音/g, '噪音'],
  [/物[叶页]/g, '物业'],
  [/违[见件]/g, '违建'],
  [/楼顶|天台|顶楼/g, '楼顶'],
  [/小车|轿车|私家车/g, '车'],
];

// What a report is about, beyond its category: two reports that each name something
// and share nothing ("电梯" and "门禁", "垃圾桶" and "一袋垃圾") are two problems, however
// alike the rest of the words. Built from the vocabulary of real group messages.
const PROBLEM_OBJECTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['电梯', /电梯(?!里的?空调)|轿厢/],
  ['空调', /空调/],
  ['路灯', /路灯/],
  ['灯', /(?<!路)灯|照明/],
  ['门禁', /门禁|刷卡|人脸识别|对讲/],
  ['道闸', /道闸|栏杆/],
  ['井盖', /井盖|窨井/],
  ['漏水', /漏水|滴水|渗水|水管|爆管|淹/],
  ['水压', /水压|没水|停水/],
  ['停电', /停电|没电|来电/],
  ['下水道', /下水道|污水|化粪池/],
  ['卷帘门', /卷帘门/],
  ['信报箱', /信报箱|信箱/],
  ['监控', /监控|摄像头/],
  ['健身器材', /健身器材|单杠|双杠/],
  ['扶手', /扶手/],
  ['窗户', /窗户|玻璃/],
  ['外墙', /外墙|瓷砖/],
  ['电线', /电线|线路|拉线|飞线|私接|私拉|插线板/],
  ['垃圾桶', /垃圾桶|厨余桶|桶/],
  ['垃圾袋', /垃圾袋|一袋垃圾|袋垃圾/],
  ['大件垃圾', /大件垃圾|沙发|旧家具|床垫/],
  ['装修垃圾', /装修垃圾|建筑垃圾/],
  ['快递盒', /快递盒|快递箱/],
  ['河道', /河里|河道|河边|池塘/],
  ['消防通道', /消防通道/],
  ['盲道', /盲道/],
  ['人行道', /人行道/],
  ['车位', /车位/],
  ['车库出口', /车库出口|车库门口|车库门/],
  ['僵尸车', /僵尸车/],
  ['纸箱杂物', /纸箱|杂物|泡沫板/],
  ['消防栓', /消防栓|水带|水枪/],
  ['灭火器', /灭火器/],
  ['消防门', /消防门|防火门|安全出口/],
  ['电动车', /电动车/],
  ['棚子', /棚|搭建|砌/],
  ['院子', /院子|围墙/],
  ['楼顶', /楼顶/],
  ['地下室', /地下室/],
  ['种菜', /种菜|菜地|种葱/],
  ['树木', /砍.{0,3}树|树被/],
  ['装修', /装修|电钻|砸墙|打桩|施工/],
  ['广场舞', /广场舞|跳舞/],
  ['狗叫', /狗.{0,2}叫|犬吠/],
  ['烧烤', /烧烤|划拳/],
  ['麻将', /麻将/],
  ['唱歌', /唱歌|卡拉ok|k歌/],
  ['拍球', /篮球|拍球/],
  ['喇叭', /喇叭|广播/],
  ['垃圾车', /垃圾车/],
  ['狗屎', /狗屎|狗粪|拉屎|粪便/],
  ['狗尿', /狗尿|尿尿|撒尿/],
  ['遛狗', /不牵绳|不拴绳|没拴|没牵|嘴套/],
  ['咬人', /咬/],
  ['鸽子', /鸽/],
  ['猫', /(?<!流浪)猫/],
  ['流浪狗', /流浪狗/],
  ['流浪猫', /流浪猫/],
  ['保安', /保安|值班|门卫/],
  ['保洁', /保洁|拖地|打扫|扫地/],
  ['收费', /物业费|收费|账目|涨价/],
  ['充电桩', /充电桩/],
  ['座椅', /长椅|椅子|凳子/],
  ['停车位', /停车位/],
  ['火情', /着火|起火|失火|冒烟|黑烟|烧起来/],
  ['燃气', /煤气|燃气|天然气/],
  ['伤人', /晕倒|摔倒|受伤|流血|砸到人/],
  ['助餐', /送饭|助餐|吃饭/],
];

// Places in a compound that are not buildings, for reports that name no building.
const LANDMARKS: ReadonlyArray<readonly [string, RegExp]> = [
  ['大门', /小区门口|(?<![东南西北后侧])大门|正门/],
  ['东门', /东门/],
  ['南门', /南门/],
  ['西门', /西门/],
  ['北门', /北门/],
  ['后门', /后门/],
  ['侧门', /侧门/],
  ['广场', /广场/],
  ['花园', /花园/],
  ['车库', /车库|停车场/],
  ['垃圾房', /垃圾房/],
  ['篮球场', /篮球场/],
  ['羽毛球场', /羽毛球场/],
  ['健身区', /健身区|健身场/],
  ['游乐场', /游乐场|游乐区/],
  ['河道', /河|池塘|水池|湖/],
  ['物业办公室', /物业办公室/],
  ['幼儿园', /幼儿园/],
  ['车棚', /车棚/],
  ['配电房', /配电房/],
  ['水泵房', /水泵房/],
  ['会所', /会所/],
  ['东区', /东区/],
  ['南区', /南区/],
  ['西区', /西区/],
  ['北区', /北区/],
];

// Copy of the plate pattern in pii.ts, which keeps its own private: the same plate in two
// reports is the same car, two different plates are two cars. Never put one in `why`.
const PLATE = /[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•.\s]?[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]/g;

// The building is compared on its own, so its mention must not make two texts look alike;
// numbers of floors, rooms and hours say little about which problem it is.
const PLACE_NUMBERS = /[0-9零〇一二两三四五六七八九十百]+\s*(?:号楼|栋|幢|座|单元|楼|层|号|室|#)/g;
const MASKS = /\[(?:身份证号|手机号|电话|车牌号)\]/g;
const STOP = /[的了吗呢啊吧呀哦噢嘛啦么哈呗喂也都又还就在是着把被给很太]/g;

function unify(text: string): string {
  let s = stripNoise(text.normalize('NFKC').toLowerCase());
  for (const [p, r] of SYNONYMS) s = s.replace(p, r);
  return s;
}

/** PII masked, synonyms unified, building and numbers removed, only Han and Latin letters left. */
export function normaliseForMatch(text: string): string {
  const s = unify(maskPii(text.normalize('NFKC')).replace(MASKS, ' '));
  return s.replace(PLACE_NUMBERS, ' ').replace(/\d+/g, ' ').replace(STOP, '').replace(/[^\p{Script=Han}a-z]+/gu, '');
}

/** The things a report names (PROBLEM_OBJECTS keys), the non-building places (LANDMARKS keys) and its plate numbers. */
export function problemObjects(text: string): { objects: Set<string>; places: Set<string>; plates: Set<string> } {
  const plates = new Set([...text.normalize('NFKC').toUpperCase().matchAll(PLATE)].map((m) => m[0].replace(/[·•.\s]/g, '')));
  const s = unify(maskPii(text).replace(MASKS, ' '));
  const keys = (table: ReadonlyArray<readonly [string, RegExp]>) => new Set(table.filter(([, p]) => p.test(s)).map(([k]) => k));
  return { objects: keys(PROBLEM_OBJECTS), places: keys(LANDMARKS), plates };
}

/** Character-bigram Jaccard of two normalised texts; 0 when either has no bigram. */
export function textSimilarity(a: string, b: string): number {
  return jaccard(normaliseForMatch(a), normaliseForMatch(b));
}

function jaccard(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  if (x.size === 0 || y.size === 0) return 0;
  let both = 0;
  for (const g of x) if (y.has(g)) both += 1;
  return both / (x.size + y.size - both);
}

function bigrams(s: string): Set<string> {
  const chars = [...s];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
  return out;
}

function stripNoise(s: string): string {
  return s
    .replace(/@\S+/g, ' ')
    .replace(/\[[\u4e00-\u9fa5a-z]{1,4}\]/gi, ' ')
    .replace(/\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F|\u200D/gu, ' ')
    .replace(/[\s\p{P}\p{S}]+/gu, (m) => (m.includes('+') || m.includes('＋') ? m : ' '));
}

function windowFor(category: Category, opts: MatchOptions): number {
  return opts.windowHours?.[category] ?? MATCH_WINDOW_HOURS[category];
}

// A report may be sent a little before the ticket it duplicates was stored (parallel jobs).
const CLOCK_SLACK_MS = 10 * 60 * 1000;

function withinWindow(t: MatchableTicket, at: Date, hours: number): boolean {
  if (hours <= 0) return false;
  const ms = at.getTime();
  return ms >= t.createdAt.getTime() - CLOCK_SLACK_MS && ms <= lastReportAt(t).getTime() + hours * 60 * 60 * 1000;
}

type Objects = ReturnType<typeof problemObjects>;

function mergeObjects(a: Objects, b: Objects): Objects {
  const union = (x: Set<string>, y: Set<string>) => new Set([...x, ...y]);
  return { objects: union(a.objects, b.objects), places: union(a.places, b.places), plates: union(a.plates, b.plates) };
}

/** unknown when either side names nothing. */
function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): 'shared' | 'disjoint' | 'unknown' {
  if (a.size === 0 || b.size === 0) return 'unknown';
  for (const x of a) if (b.has(x)) return 'shared';
  return 'disjoint';
}
