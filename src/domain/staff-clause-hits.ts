import type { HandlerTier } from './staff-command';
import { LEXICON } from './staff-lexicon';
import type { Entry, Signal } from './staff-lexicon';

// Splits a reply into clauses and finds the lexicon's signals in each, with negation, guards and questions.

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

export function splitClauses(body: string): Clause[] {
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

export function tierOf(word: string | undefined): HandlerTier | null {
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

export function collectHits(clause: Clause): Hit[] {
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

export function escalationTierNear(text: string): HandlerTier | null {
  const m = /执法站|执法队|执法中队|城管|街道|镇里|镇上|镇政府|攻坚/.exec(text);
  return m ? tierOf(m[0]) : null;
}
