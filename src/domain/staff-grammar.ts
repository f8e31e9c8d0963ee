import { toShanghaiParts } from './shanghai-time';
import { DANGEROUS_INTENTS } from './staff-command';
import type { HandlerTier, StaffIntent, StaffIntentName, TicketRef } from './staff-command';

// Deterministic reading of what staff write back to the bot. Two layers: a strict
// command (`#42 结单 …`) and a phrase grammar for free words. Whatever is unclear,
// mixed, hedged or phrased as a question about an action comes out as 'unknown';
// the caller then asks instead of acting.

// ---------- normalisation ----------

/** Collapses spaces (incl. the ideographic one) and drops leading @mentions; this is what notes keep. */
function normalize(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:[@＠]\S+\s+)+/, '');
}

/** Full-width ＃４２，？ to ASCII, one char for one char so offsets stay valid. */
function fold(s: string): string {
  return s
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\u2010-\u2015\u2212\uFE63]/g, '-');
}

// Common input-method slips. Every replacement keeps the length, so offsets found
// in the corrected copy are valid in the text staff wrote (used for notes).
const TYPOS: ReadonlyArray<[RegExp, string]> = [
  [/[己以]经/g, '已经'],
  [/已近/g, '已经'],
  [/己(?=[处解修挪联通安办完清拆到劝])/g, '已'],
  [/(?<![可所难予加足用得是之])以(?=处理|解决|修|挪|联系|通知|安排|办结|完成|清理|拆除|到场|劝离|整改)/g, '已'],
];

function fixTypos(s: string): string {
  return TYPOS.reduce((acc, [re, to]) => acc.replace(re, to), s);
}

// ---------- ticket refs ----------

interface RefHit {
  start: number;
  end: number;
  ref: TicketRef;
}

const short = (m: RegExpMatchArray): TicketRef => ({ compoundCode: null, number: Number(m[1]) });

// "N号" is also a day ("15号再处理") or a place ("3号楼"): only taken as a ref when
// nothing around it says date or place.
const REF_PATTERNS: ReadonlyArray<{ re: RegExp; build: (m: RegExpMatchArray) => TicketRef }> = [
  {
    re: /(?<![A-Za-z0-9])#?([A-Za-z]{1,4}\d{2,6})-(\d{1,6})(?!\d)/g,
    build: (m) => ({ compoundCode: (m[1] ?? '').toUpperCase(), number: Number(m[2]) }),
  },
  { re: /(?:工单号?|单号)\s*[:#]?\s*(\d{1,6})(?!\d)/g, build: short },
  { re: /第\s*(\d{1,6})\s*号?\s*(?:工单|单)/g, build: short },
  { re: /#\s?(\d{1,6})(?!\d)/g, build: short },
  { re: /(?<![\d.月])(\d{1,6})\s*号\s*(?:工单|单子|单(?!元))/g, build: short },
  {
    re: /(?<![\d./月到至等在延推改于从是])(\d{1,6})号(?!\s*[再前后之以左上下晚早那当开起楼栋幢单门室床位线车口院店铺房码])/g,
    build: short,
  },
];

function findRefs(s: string): RefHit[] {
  const taken = new Array<boolean>(s.length).fill(false);
  const hits: RefHit[] = [];
  for (const { re, build } of REF_PATTERNS) {
    for (const m of s.matchAll(re)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (taken.slice(start, end).some(Boolean)) continue;
      taken.fill(true, start, end);
      hits.push({ start, end, ref: build(m) });
    }
  }
  return hits.sort((a, b) => a.start - b.start);
}

/** Distinct refs: #42 and YX0315-0042 are the same ticket, #42 and #43 are not. */
function distinctRefs(hits: readonly RefHit[]): TicketRef[] {
  const out: TicketRef[] = [];
  for (const { ref } of hits) {
    const same = out.find(
      (r) => r.number === ref.number && (r.compoundCode === null || ref.compoundCode === null || r.compoundCode === ref.compoundCode),
    );
    if (!same) out.push({ ...ref });
    else if (same.compoundCode === null) same.compoundCode = ref.compoundCode;
  }
  return out;
}

/** The one ticket a text names (#42, ＃42, YX0315-0042, 42号, 第42单, 工单42); null when none or several. */
export function parseTicketRef(text: string): TicketRef | null {
  const refs = distinctRefs(findRefs(fixTypos(fold(normalize(text)))));
  return refs.length === 1 ? (refs[0] ?? null) : null;
}

// ---------- dates (Asia/Shanghai) ----------

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
const dayKey = (day: Day): string => `${day.y}-${String(day.m).padStart(2, '0')}-${String(day.d).padStart(2, '0')}`;

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
const DATE_RULES: readonly DateRule[] = [
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

function findDateMatch(s: string, now: Date): { index: number; day: Day | null } | null {
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

// ---------- lexicon ----------

type Signal =
  | 'report_in'
  | 'reopen'
  | 'reopen_soft'
  | 'reject'
  | 'query'
  | 'escalate'
  | 'transfer'
  | 'snooze'
  | 'close'
  | 'done'
  | 'progress'
  | 'not_yet'
  | 'accept'
  | 'ack';

interface Entry {
  signal: Signal;
  re: RegExp;
  /** false when the phrase carries its own negation (不属实) or cannot be negated. */
  negatable: boolean;
  /** "再说/再处理" postpones only after a time or a condition ("明天再说", "等业主回来再说"). */
  needsTimeBefore?: boolean;
}

const TIER = '(?<t>物业|执法站|执法队|执法中队|联合执法|城管|街道办?|镇里|镇上|镇政府|支部|书记)';
const UPPER_TIER = '(?<t>执法站|执法队|执法中队|联合执法|城管|街道办?|镇里|镇上|镇政府|上级)';

const e = (signal: Signal, source: string, negatable = true): Entry => ({ signal, re: new RegExp(source, 'gi'), negatable });
const later = (source: string): Entry => ({ ...e('snooze', source), needsTimeBefore: true });

// Order matters: an earlier entry claims its characters, so "收到吹哨" is a report-in
// and not an acknowledgement plus a whistle, and "不在受理范围" is not "受理".
const LEXICON: readonly Entry[] = [
  e('report_in', '(?:收到|接到|已接)吹?哨令?|接哨|到岗|已就位|(?<!上)报到(?!街道|镇|执法|城管|上级)|已经?到达?(?:场|现场)|到(?:场|现场)了'),
  e('report_in', `${UPPER_TIER}[^ ]{0,4}?已经?(?:接单|受理|收到)`),
  e('reopen', '又(?:停|放|堆|占|回来|有人|被)|重新开(?:一下|单)?|重新(?:处理|跟进)|重新打开|重开|再次打开|又坏|又(?:漏|堵|出现|出问题|开始|停满|响|吵|不亮)|问题(?:还在|依旧|仍在|又)|复发|还在漏|还漏|还是(?:漏|堵|坏|不亮|不行|老样子)', false),
  e('reopen_soft', '还没好|还是没好|仍然没好|没修好|没有?解决(?!不)', false),
  e('reject', '不予受理|不(?:在|属于)(?:受理|服务|处理)范围|不属实|情况不实|与事实不符|失实|(?:不是|不在|不属于|非)(?:本|我们|咱们?|这个)(?:小区|辖区|片区|网格)|外小区|隔壁的?[^ ]{0,6}?(?:小区|花园|苑|园|家园|新村|公寓|社区|楼盘)|误报|报错了|(?:情况|问题|此事)不存在|查无此事|无此(?:情况|事)|没有?这(?:个|种|回)?(?:情况|事)|虚假|恶意投诉|不属于公共(?:部位|区域)|已有(?:工单|单子)', false),
  e('reject', '驳回|退回|重复(?:了|的|工单|单)(?!投诉|反映)|重复提交|(?:是|属于)重复'),
  e('query', '谁在(?:跟|处理|负责|管)|谁负责|(?:单子|工单)有?(?:几|多少)(?:个|单|件)?|(?:还有)?哪些[^ ]{0,6}?(?:单|工单)|(?:看下|看看|查下|查一下|查看|看一下)[^ ]{0,6}?(?:工单|单子)|工单列表|列表|我的(?:工单|单子)|待办|待处理(?:的)?(?:工单)?|未处理的?工单|(?:还有|剩下?)(?:几|多少)(?:单|个|件)|怎么样了|咋样了|如何了|进展如何|到哪(?:一步)?了|^(?:进度|进展|状态|详情|查询)$', false),
  e('escalate', `(?:向|给)${TIER}吹哨`),
  e('escalate', '吹?(?<t>执法|攻坚)哨'),
  e('escalate', '吹哨'),
  e('escalate', `(?:上报|报给|报|提交|提请)(?:给|到|至)?${UPPER_TIER}`),
  e('escalate', '上报'),
  e('escalate', `(?:需要|得|请求?|要求?|让|申请)${UPPER_TIER}(?:来|出面|介入|牵头|组织|协调|协助|配合|支援|攻坚|帮忙|解决|出手|处理)`),
  e('transfer', `转(?:给|交|到|回|交给)?${TIER}`),
  e('transfer', `(?:交给?|移交给?|转交|归|属于)${TIER}`),
  e('transfer', `(?<![跟和与同对])${TIER}(?:负责(?![人的])|的事|的活|的问题|的责任|的职责|管的|来管|分内)`),
  e('progress', `已经?(?:找|叫|让|请)了?${TIER}`),
  e('transfer', `找${TIER}(?!的)`),
  e('transfer', `(?:让|请|叫)${TIER}来?(?:处理|修|维修|弄|解决|负责|管|看|跟进|清理)`),
  e('snooze', '推迟|延期|延后|顺延|暂缓|缓一缓|缓几天|缓(?:[一二两三四五六七八九十]|\\d{1,2})天|搁置|挂起|先放一放|先放放|放一放|往后放|改期|押后|(?:推|(?<![整修])改)到(?=下|明|后|这|本|\\d|周|星期|礼拜|月|年)'),
  later('再(?:说|处理|办|弄|跟进|解决|安排|看|约|联系|研究|议)'),
  e('close', '结单|办结|完结|关单|结案|销号|关闭工单|工单关闭|可以关了'),
  e('done', '已经?被?(?:全部|都|全)?(?:移出|清出|搬出|处理|解决|修复|修好|维修|办好|完成|落实|整改|消除|处置|清理|清除|清运|清走|清掉|拆除|拆掉|拆了|剪掉|挪走|挪车|挪了|挪开|移走|搬走|拖走|恢复|调解|劝离|劝阻|疏通|更换|换好|换了|装好|安装|修了)(?:好|完毕|完|到位|了|啦|咯)?'),
  e('done', '(?:处理|解决|修理|维修|修|弄|搞|办|换|装|调解|协调|清理|整改|拆|清|挪|搬|移|拖|剪|收拾|疏通|开)(?:好|完|妥|掉|走|除|干净|出来|到位|上)(?:了|啦|咯|喽|哒|嘞)|(?:处理|解决|修|换|挪|拆|清|清理|整改|疏通|调解)(?:了|啦)|(?:处理|办理|维修|整改)完毕'),
  e('done', '(?:管道|下水道|水管|马桶|烟道|地漏)[^ ]{0,3}?通了|和好了|和解了|谈妥了|道歉了|(?:止|堵|控制)住了|搞定|搞掂|弄妥|办妥|完工|竣工|(?:现在|已经?)(?:好了|没问题了|正常了)|没问题了|恢复正常|(?:能|可以)正?常?(?:用|使用|刷卡|通行|打开|进出)了|不(?:漏|漏水|堵|响|吵|臭|滴水|渗水)了|亮了|正常使用'),
  e('progress', '已经?(?:(?:跟|和|与|给)[^ ]{1,4}?)?(?:联系|通知|沟通|协调|约|安排|派|告知|转告|打电话|电话联系|上门|到过|去过|查看|看过|核实|报修|对接|交代|催|督促|贴单|警告|下达|发出?)'),
  e('progress', '(?:正在|在|还在)(?:协调|处理|联系|沟通|跟进|修|维修|施工|等|清理|调解|核实|办理|对接|整改|挪|拆|弄|搞|想办法|走|排查|安排)'),
  e('progress', '(?:协调|处理|维修|跟进|施工|整改|办理|核实|排查)中|(?:联系|通知|沟通|协调|约|对接|交涉)(?:过|了|上)|电话已?经?(?:打|拨)(?:过|了)|(?:打|拨)(?:过|了)电话|电话联系'),
  e('accept', '(?:马上|立刻|立即|这就|现在就?)(?:派人|安排人)'),
  e('progress', '已经?去[^ ]{0,2}?(?:劝|看|查看|处理|了解|核实|现场)'),
  e('progress', '回复(?:说|了)|上门|派人|派了人|找人|找了人|答应|承诺|来过了|看过了|去过了|在路上|出发了'),
  e('progress', '(?:明天|后天|下午|上午|晚上|今天|今晚|马上|待会|稍后|周[一二三四五六日末])(?:就|会)?(?:来|过来|派人)'),
  e('progress', '(?:等|在等)(?:配件|材料|师傅|物业|回复|回音|业主|车主|审批|批复)'),
  e('progress', '快(?:好|完|弄好|修好|处理好|搞定)了?|马上就好|差不多了|(?:争取|预计|计划|打算|准备)[^ ]{0,4}?(?:处理|修|弄|搞|完成|解决|办|清理|拆)|(?:能|会)(?:弄|修|处理|搞|解决|完成)(?:好|完|定)?'),
  e('not_yet', '(?:还没有?|尚未|暂未|还未|没有?)(?:完全)?(?:处理|修|挪|拆|清|解决|弄|搞|完成|办|换|装|到位|来|上门)', false),
  e('accept', '受理|接单|接下了?|(?:我|我们|这单)接了|到场(?!了)|我来(?:处理|跟进|负责|办|搞|弄|协调|看看|安排)|我们来(?:处理|跟进|协调|负责)|自己(?:处理|解决|协调|来)'),
  e('accept', '(?:马上|立刻|立即|这就|现在就?|随后|待会儿?|等下)(?:去|过去|赶过去|到|处理|安排|出发|跟进|落实)'),
  e('accept', '(?:去|过去|到现场|去现场|上去|下去)(?:看看|看一下|看下|瞧瞧|了解一下|了解|核实一下|核实|查看|处理|看)|(?:带人|我|我们)马?上?过去|尽快(?:处理|解决|安排|落实|办)|安排一下|我跟进|我负责|我先?(?:看一下|看看|看下)'),
  e('ack', '^(?:好|行)$|收到|好的|好嘞|好勒|好滴|好哒|好咧|(?<![a-z])ok(?:ay)?(?![a-z])|👌|明白|知道了|了解|没问题|可以的|行的'),
];

// ---------- clauses, questions, negation ----------

interface Clause {
  text: string;
  /** text with words that look negative but are not (没问题, 不过) blanked out. */
  masked: string;
  offset: number;
  question: boolean;
}

const FALSE_NEGATIVES = /没问题|没关系|不好意思|不过|不客气|不少|不久|不断|不停|差不多|不错|不一会儿?|不到|不管|要不然|不然/g;
const NEGATOR = /不|没|未|别|甭|勿|莫|非|无需|无法/;
const QUESTION_WORDS =
  /是不是|要不要|能不能|可不可以|有没有|是否|会不会|该不该|需不需要|需要不|行不行|对不对|好不好|怎么办|咋办|怎么弄|怎么处理|如何处理|咋整|谁来|哪个部门|转给谁|找谁|谁在|谁跟|谁负责|什么时候|啥时候|何时|几时|怎么走|流程是|(?<!看看?|了解一?下?|问问)(?:什么|啥)情况$/;
const A_NOT_A = /([\u4e00-\u9fff])[没不]\1/;
const QUESTION_END = /(?:吗|么|嘛|呢|了吧|(?:了|过|好|完|定)(?:没有?|不))$/;
const HEDGED_SUGGESTION = /(?:应该|可能|估计|大概|也许).*吧$/;
const CAVEAT = /^(?:但是?|可是|不过|只是|然而).*(?:不|没|还|未)/;
const DISPUTE = /^(?:这个?|那个?|其实|并)?(?:不是|并非)/;
const STATUS_WORDS = /进度|进展|怎么样|如何|情况|结了|完成|到哪|几单|多少|工单|好了|修|处理|解决|挪|弄好|搞定/;

function splitClauses(body: string): Clause[] {
  const clauses: Clause[] = [];
  for (const m of body.matchAll(/([^\s,.!?;:。、~～…]+)([\s,.!?;:。、~～…]*)/g)) {
    const text = m[1] ?? '';
    const sep = m[2] ?? '';
    const question = /\?/.test(sep) || QUESTION_END.test(text) || A_NOT_A.test(text) || QUESTION_WORDS.test(text) || HEDGED_SUGGESTION.test(text);
    const masked = text.replace(FALSE_NEGATIVES, (w) => '_'.repeat(w.length));
    clauses.push({ text, masked, offset: m.index ?? 0, question });
  }
  return clauses;
}

// ---------- hits ----------

type Guard = 'future' | 'progressive' | 'imperative' | 'hedge' | null;

interface Hit {
  entry: Entry;
  signal: Signal;
  tier: HandlerTier | null;
  negated: boolean;
  guard: Guard;
  question: boolean;
  /** offset in the body, for "再说" needing a time before it. */
  at: number;
}

const FUTURE = /答应|承诺|保证|再|能|会|快|要|争取|尽快|尽量|马上|立刻|立即|待|等|准备|打算|预计|计划|将/;
const CONDITION = /如果|要是|假如|万一|等到/;
const IMPERATIVE = /让|叫|要求|请|催|通知|告诉|劝|督促|责令/;
// Hedges, hearsay, mistaken belief and sarcasm: never act on these.
const HEDGE = /听[^ ]{0,4}说|觉得|感觉|我想|要我说|的话|如果|要是|假如|万一|好像|应该|可能|估计|似乎|说是|据说|听说|大概|也许|不知道|不确定|建议|以为|假装|谁说|才怪|个屁|哪里|哪儿/;
const HEDGEABLE = new Set<Signal>(['done', 'close', 'transfer', 'escalate', 'reject', 'snooze', 'reopen', 'reopen_soft']);
const WAITS_AFTER = /^(?:要|得|需要?|还)?(?:等|待)/;
const CANNOT_AFTER = /^(?:不了|不成|不行|没用|没有用|不管用)/;
// "驳回过一次" tells of the past, "吹哨的流程" names the thing: neither is an order.
const TOLD_NOT_DONE_AFTER = /^(?:过(?!了)|的(?!事|活|问题)[^ ]|也(?:行|可以|成))/;
const PARTIAL = /^(?:了)?(?:一部分|部分|一半|一个|一些|一点|一下|一处)/;
const REMAINDER = /还没|还有|尚未|剩|还在|另外/;
const SNOOZE_LEAD = /等|改天|后|回头|过几天|过段时间|过阵子|到时候|回来|完/;

function tierOf(word: string | undefined): HandlerTier | null {
  if (!word) return null;
  if (word.includes('物业')) return 'property';
  if (/执法|城管/.test(word)) return 'enforcement';
  if (/街道|镇|攻坚|上级/.test(word)) return word === '上级' ? null : 'street';
  if (/支部|书记/.test(word)) return 'branch';
  return null;
}

// A completion word is only a completion when nothing before it makes it future
// ("明天就能修好"), ongoing ("在修了"), an order ("让他把车挪走了") or hearsay ("说是修好了").
function guardOf(entry: Entry, clause: Clause, start: number, matched: string): Guard {
  const after = clause.text.slice(start + matched.length);
  if (HEDGEABLE.has(entry.signal) && (HEDGE.test(clause.text) || (entry.signal !== 'done' && TOLD_NOT_DONE_AFTER.test(after)))) {
    return 'hedge';
  }
  if (entry.signal !== 'done' && entry.signal !== 'close') return null;
  const window = clause.masked.slice(Math.max(0, start - 4), start);
  const before = clause.text.slice(0, start);
  if (CONDITION.test(before) || WAITS_AFTER.test(after) || PARTIAL.test(after) || /部分|一半/.test(before)) return 'future';
  if (entry.signal === 'close') {
    if (/[了后完]就$/.test(before)) return 'hedge'; // "修好了就结单": once fixed, or fixed so close?
    return FUTURE.test(window) || /等|待|后$/.test(before) ? 'future' : null;
  }
  if (matched.includes('已')) return null;
  if (/在$/.test(window)) return 'progressive';
  if (IMPERATIVE.test(window)) return 'imperative';
  if (FUTURE.test(window)) return 'future';
  return null;
}

function collectHits(clause: Clause): Hit[] {
  const taken = new Array<boolean>(clause.text.length).fill(false);
  const hits: Hit[] = [];
  for (const entry of LEXICON) {
    for (const m of clause.text.matchAll(entry.re)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (end === start || taken.slice(start, end).some(Boolean)) continue;
      taken.fill(true, start, end);
      const window = clause.masked.slice(Math.max(0, start - 4), start);
      hits.push({
        entry,
        signal: entry.signal,
        tier: tierOf(m.groups?.t),
        negated: (entry.negatable && NEGATOR.test(window)) || CANNOT_AFTER.test(clause.text.slice(end)),
        guard: guardOf(entry, clause, start, m[0]),
        question: clause.question,
        at: clause.offset + start,
      });
    }
  }
  return hits;
}

function escalationTierNear(text: string): HandlerTier | null {
  const m = /执法站|执法队|执法中队|城管|街道|镇里|镇上|镇政府|攻坚/.exec(text);
  return m ? tierOf(m[0]) : null;
}

// ---------- deciding ----------

// After mapping, 'done' and 'close' become 'resolve'.
const DECISIVE: ReadonlySet<string> = new Set(['resolve', 'transfer', 'escalate', 'reject', 'snooze', 'reopen']);
const ACTIONS_IN_QUESTION = new Set<Signal>(['close', 'transfer', 'escalate', 'reject', 'snooze', 'reopen', 'accept', 'report_in']);
const STATUS_IN_QUESTION = new Set<Signal>(['done', 'progress', 'not_yet', 'reopen_soft', 'query']);

interface Reading {
  intent: StaffIntentName;
  targetTier: HandlerTier | null;
}

const UNKNOWN: Reading = { intent: 'unknown', targetTier: null };

/** Reads free words. Conflicting decisive signals, hedges and questions about an action give unknown. */
function readGrammar(body: string): Reading & { decisive: Set<string> } {
  const clauses = splitClauses(body);
  const hits = clauses.flatMap(collectHits);
  const present = new Set<string>();
  const tiers: Record<'transfer' | 'escalate', Set<HandlerTier | null>> = { transfer: new Set(), escalate: new Set() };
  const lastAt = new Map<string, number>();
  let doubt = false;
  let negatedAction = false;

  for (const h of hits) {
    if (h.question) {
      if (ACTIONS_IN_QUESTION.has(h.signal)) doubt = true;
      else if (STATUS_IN_QUESTION.has(h.signal)) present.add('query');
      continue;
    }
    if (h.guard === 'hedge') {
      doubt = true;
      continue;
    }
    let signal: string = h.signal;
    if (signal === 'done' || signal === 'close') signal = h.guard ? 'progress' : 'resolve';
    if (signal === 'not_yet') signal = 'progress';
    if (h.negated) {
      if (h.signal === 'done') present.add('progress');
      else if (h.signal !== 'ack') negatedAction = true;
      continue;
    }
    if (h.entry.needsTimeBefore) {
      const before = body.slice(0, h.at);
      if (!SNOOZE_LEAD.test(before) && !DATE_RULES.some((r) => r.re.test(before))) continue;
    }
    if (signal === 'transfer' || signal === 'escalate') {
      const clause = clauses.find((c) => h.at >= c.offset && h.at < c.offset + c.text.length);
      const tier = h.tier ?? (signal === 'escalate' && clause ? escalationTierNear(clause.text) : null);
      tiers[signal].add(tier);
    }
    present.add(signal);
    lastAt.set(signal, h.at);
  }
  for (const c of clauses) if (c.question && STATUS_WORDS.test(c.text)) present.add('query');
  // "不是违停，是临时卸货" disputes the complaint itself; beside a resolution that is a mixed answer.
  const disputes = clauses.some(
    (c) => DISPUTE.test(c.text) && !hits.some((h) => !h.negated && h.at >= c.offset && h.at < c.offset + c.text.length),
  );

  const decisive = new Set([...present].filter((s) => DECISIVE.has(s)));
  if (doubt) return { ...UNKNOWN, decisive };

  if (decisive.has('transfer') && decisive.has('escalate')) {
    const all = new Set([...tiers.transfer, ...tiers.escalate].filter((t) => t !== null));
    if (all.size > 1 || all.has('property')) return { ...UNKNOWN, decisive };
    decisive.delete('transfer');
    tiers.escalate = all.size ? all : new Set([null]);
  }
  // "修了又坏" is open again, "又坏了，已经修好了" is fixed: the later statement stands.
  if (decisive.size === 2 && decisive.has('resolve') && decisive.has('reopen')) {
    decisive.delete((lastAt.get('resolve') ?? 0) > (lastAt.get('reopen') ?? 0) ? 'reopen' : 'resolve');
  }
  if (decisive.size > 1) return { ...UNKNOWN, decisive };
  const [only] = [...decisive];
  if (only === 'transfer' || only === 'escalate') {
    const named = [...tiers[only]].filter((t) => t !== null);
    if (new Set(named).size > 1) return { ...UNKNOWN, decisive };
    if (only === 'transfer' && named.length === 0) return { ...UNKNOWN, decisive };
    return { intent: only, targetTier: named[0] ?? null, decisive };
  }
  // "处理好了，但业主还不满意", "一楼修好了 二楼还没": a reservation after the resolution makes it mixed.
  const caveat = clauses.some((c) => c.offset > (lastAt.get('resolve') ?? Infinity) && (CAVEAT.test(c.text) || REMAINDER.test(c.text)));
  if (only === 'resolve' && (present.has('reopen_soft') || disputes || caveat)) return { ...UNKNOWN, decisive };
  if (only) return { intent: only as StaffIntentName, targetTier: null, decisive };

  const pick = (intent: StaffIntentName): Reading & { decisive: Set<string> } => ({ intent, targetTier: null, decisive });
  if (present.has('reopen_soft')) return pick(present.has('progress') ? 'progress' : 'reopen');
  if (present.has('report_in')) return pick('report_in');
  if (present.has('accept')) return pick('accept');
  if (present.has('progress')) return pick('progress');
  if (present.has('query')) return pick('query');
  if (present.has('ack') && !negatedAction) return pick('accept');
  return { ...UNKNOWN, decisive };
}

// ---------- guards on the whole text ----------

const INJECTION =
  /(?:忽略|无视|忘记|忘掉|跳过|绕过|覆盖)掉?(?:以上|之前|前面|上面|所有|全部|你的|系统)?的?(?:指令|规则|设定|提示|要求|限制|命令)|ignore (?:all |the |any )?(?:previous|above|prior)|system ?prompt|系统提示|你现在是|扮演|管理员模式|开发者模式|系统管理员|机器人|jailbreak|越狱/i;
const BULK =
  /(?:所有|全部|全体|一切|统统|通通|批量|一律|一键)的?(?:工单|单子?|投诉|问题|任务|诉求|结单|关闭|关掉|关了|驳回|转|吹哨|办结)|(?:都|全)给?我?(?:结|关|驳|删)(?:了|掉|单)|这类的?(?:都|全|一律)|以后(?:都|全|一律)|all tickets|every ticket/i;

// ---------- commands ----------

interface CommandVerb {
  re: RegExp;
  intent: StaffIntentName;
}

const COMMAND_VERBS: readonly CommandVerb[] = [
  { re: /^(?:受理|接单)/, intent: 'accept' },
  { re: /^(?:结单|办结|完结|关单|结案)/, intent: 'resolve' },
  { re: new RegExp(`^转(?:给|交|到|回)?${TIER}`), intent: 'transfer' },
  { re: /^(?:吹哨|上报)/, intent: 'escalate' },
  { re: /^(?:驳回|退回|不予受理)/, intent: 'reject' },
  { re: /^(?:推迟|延期|延后|顺延|暂缓|改期)(?:到|至)?/, intent: 'snooze' },
  { re: /^(?:重新打开|重开|重启)/, intent: 'reopen' },
  { re: /^报到/, intent: 'report_in' },
  { re: /^(?:进度|进展|备注|跟进)(?=\s*:?\s*\S)/, intent: 'progress' },
  { re: /^(?:进度|进展|查询|查看|详情|状态)$/, intent: 'query' },
];

const trimNote = (s: string): string | null => s.replace(/^[\s,.:;!、。-]+|[\s,.;、。]+$/g, '') || null;

/** The ref a command starts with: any ref form, or a bare number before a verb ("42 结单"). */
function leadingRef(analysed: string, refs: readonly RefHit[]): { ref: TicketRef; restAt: number } | null {
  const lead = refs[0];
  if (lead && lead.start === 0) return { ref: lead.ref, restAt: lead.end };
  const bare = /^(\d{1,6})\s+/.exec(analysed);
  return bare ? { ref: { compoundCode: null, number: Number(bare[1]) }, restAt: bare[0].length } : null;
}

function readCommand(analysed: string, shown: string, refs: readonly RefHit[], now: Date): StaffIntent | null {
  const lead = leadingRef(analysed, refs);
  if (!lead) return null;
  const { ref } = lead;
  const rest = analysed.slice(lead.restAt).replace(/^[\s:,]+/, '');
  const restShown = shown.slice(shown.length - rest.length);
  for (const verb of COMMAND_VERBS) {
    const m = verb.re.exec(rest);
    if (!m) continue;
    const noteAnalysed = rest.slice(m[0].length);
    const note = trimNote(restShown.slice(m[0].length));
    if (/^\s*\?/.test(noteAnalysed) || splitClauses(noteAnalysed).some((c) => c.question)) return null;
    if (DANGEROUS_INTENTS.has(verb.intent) && note !== null) {
      const inNote = readGrammar(noteAnalysed);
      const clash = [...inNote.decisive].some((s) => s !== verb.intent) || /还没|尚未|没修好|没有?解决|没有?处理/.test(noteAnalysed);
      if (clash) return { intent: 'unknown', ticketRef: ref, note, targetTier: null, until: null, confidence: 'none' };
    }
    const targetTier =
      verb.intent === 'transfer' ? tierOf(m.groups?.t) : verb.intent === 'escalate' ? escalationTierNear(noteAnalysed) : null;
    const found = verb.intent === 'snooze' ? findDateMatch(noteAnalysed, now) : null;
    return {
      intent: verb.intent,
      ticketRef: ref,
      note: verb.intent === 'query' ? null : note,
      targetTier,
      until: found?.day ? dayKey(found.day) : null,
      confidence: 'command',
    };
  }
  return null;
}

// ---------- entry point ----------

/**
 * Whether parseStaffReply would read the text as a ticket command ("#42 结单"), without
 * reading the rest: every residents' group message is checked for one.
 */
export function isTicketCommand(text: string, now: Date): boolean {
  const shown = normalize(text);
  const analysed = fixTypos(fold(shown));
  if (INJECTION.test(analysed) || BULK.test(analysed)) return false;
  return readCommand(analysed, shown, findRefs(analysed), now)?.confidence === 'command';
}

/** Reads a staff reply. `now` resolves relative dates (明天, 下周一, 15号) in Asia/Shanghai. */
export function parseStaffReply(text: string, now: Date): StaffIntent {
  const shown = normalize(text);
  const analysed = fixTypos(fold(shown));
  const refHits = findRefs(analysed);
  const refs = distinctRefs(refHits);
  const ticketRef = refs.length === 1 ? (refs[0] ?? null) : null;
  const unknown = (ref: TicketRef | null, note: string | null): StaffIntent => ({
    intent: 'unknown',
    ticketRef: ref,
    note,
    targetTier: null,
    until: null,
    confidence: 'none',
  });

  if (INJECTION.test(analysed) || BULK.test(analysed)) return unknown(ticketRef, trimNote(shown));

  const command = readCommand(analysed, shown, refHits, now);
  if (command) return command;
  if (refs.length > 1) return unknown(null, trimNote(shown));

  // Refs are blanked, not cut, so offsets still match the text as written.
  const blank = (s: string): string => refHits.reduce((acc, h) => acc.slice(0, h.start) + ' '.repeat(h.end - h.start) + acc.slice(h.end), s);
  const body = blank(analysed);
  const note = trimNote(blank(shown).replace(/\s+/g, ' '));
  if (body.replace(/[呢吗啊呀?？\s]/g, '') === '') return ticketRef ? { ...unknown(ticketRef, null), intent: 'query', confidence: 'grammar' } : unknown(null, null);

  const reading = readGrammar(body);
  if (reading.intent === 'unknown') return unknown(ticketRef, note);
  const found = reading.intent === 'snooze' ? findDateMatch(body, now) : null;
  return {
    intent: reading.intent,
    ticketRef,
    note,
    targetTier: reading.targetTier,
    until: found?.day ? dayKey(found.day) : null,
    confidence: 'grammar',
  };
}
