import { DANGEROUS_INTENTS } from './staff-command';
import type { HandlerTier, StaffIntent, StaffIntentName, TicketRef } from './staff-command';
import { collectHits, escalationTierNear, splitClauses, tierOf } from './staff-clause-hits';
import { COMMAND_VERBS } from './staff-lexicon';
import type { Signal } from './staff-lexicon';
import { DATE_RULES, dayKey, findDateMatch } from './staff-reply-dates';
import { fixTypos, fold, normalize } from './staff-reply-normalize';
import { distinctRefs, findRefs } from './ticket-refs';
import type { RefHit } from './ticket-refs';

export { parseReplyDate } from './staff-reply-dates';
export { parseTicketRef } from './ticket-refs';

// Deterministic reading of what staff write back to the bot. Two layers: a strict
// command (`#42 结单 …`) and a phrase grammar for free words. Whatever is unclear,
// mixed, hedged or phrased as a question about an action comes out as 'unknown';
// the caller then asks instead of acting.

// ---------- deciding ----------

// After mapping, 'done' and 'close' become 'resolve'.
const DECISIVE: ReadonlySet<string> = new Set(['resolve', 'transfer', 'escalate', 'reject', 'snooze', 'reopen']);
const ACTIONS_IN_QUESTION = new Set<Signal>(['close', 'transfer', 'escalate', 'reject', 'snooze', 'reopen', 'accept', 'report_in']);
const STATUS_IN_QUESTION = new Set<Signal>(['done', 'progress', 'not_yet', 'reopen_soft', 'query']);
const CAVEAT = /^(?:但是?|可是|不过|只是|然而).*(?:不|没|还|未)/;
const DISPUTE = /^(?:这个?|那个?|其实|并)?(?:不是|并非)/;
const STATUS_WORDS = /进度|进展|怎么样|如何|情况|结了|完成|到哪|几单|多少|工单|好了|修|处理|解决|挪|弄好|搞定/;
const REMAINDER = /还没|还有|尚未|剩|还在|另外/;
const SNOOZE_LEAD = /等|改天|后|回头|过几天|过段时间|过阵子|到时候|回来|完/;

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
