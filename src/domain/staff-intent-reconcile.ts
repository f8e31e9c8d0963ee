import { DANGEROUS_INTENTS } from './staff-command';
import type { StaffIntent, TicketRef } from './staff-command';

// The model reads free words better than the grammar, but it is not trusted with the
// things that cost most when wrong: closing, bouncing or handing off on hedged words,
// obeying orders written into the text, and ticket numbers nobody wrote.

const NEGATION = /[不没未别甭勿莫]|无需|无法|否/;
const QUESTION = /[?？]|吗|是否|要不要|能不能|可不可以|该不该|行不行/;
const CONDITION = /如果|要是|假如|万一|的话|(?:了|后)就(?:结|关|驳|转)/;
const HEARSAY = /说是|听说|据说|好像|应该是/;

// Kept in step with the grammar's own guards (staff-grammar.ts): instructions and bulk
// orders aimed at the bot are never an action, whatever the model made of them.
const INSTRUCTION =
  /(?:忽略|无视|忘记|忘掉|跳过|绕过|覆盖)掉?(?:以上|之前|前面|上面|所有|全部|你的|系统)?的?(?:指令|规则|设定|提示|要求|限制|命令)|ignore (?:all |the |any )?(?:previous|above|prior)|system ?prompt|系统(?:提示|通知|消息)|你现在是|管理员模式|开发者模式|系统管理员|越狱|jailbreak/i;
const BULK =
  /(?:所有|全部|全体|统统|通通|批量|一律|一键)的?(?:工单|单子?|投诉|问题|任务|诉求|结单|关闭|关掉|关了|驳回|转|吹哨|办结)|(?:都|全)给?我?(?:结|关|驳|删)(?:了|掉|单)|这类的?(?:都|全|一律)|以后(?:都|全|一律)|all tickets|every ticket/i;

// A number followed by these is a place, a time or a count, not a ticket ("3号楼", "15号再处理", "2点").
const NOT_A_TICKET_AFTER =
  /^\s*号?\s*(?:楼|栋|幢|单元|室|层|门|户|座|床|车位)|^\s*号\s*[再前后之以左上下晚早那当开起]|^\s*(?:月|日|点|时|分|天|周|个|年|元|块|人|次|米|%)/;
// "3月15号", "推迟到15号": a day, unless it says 单 ("转到42号单").
const A_DAY_BEFORE = /月\s*$/;
const UNTIL_BEFORE = /[到至于从]\s*$/;

const fold = (s: string): string => s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

/** Is `n` written in the text as a ticket could be (42 in "#42", "42号单", "YX0315-0042")? */
export function isWrittenTicketNumber(text: string, n: number): boolean {
  const s = fold(text);
  for (const m of s.matchAll(/\d+/g)) {
    const start = m.index ?? 0;
    const before = s.slice(0, start);
    const after = s.slice(start + m[0].length);
    if (Number(m[0]) !== n || NOT_A_TICKET_AFTER.test(after) || A_DAY_BEFORE.test(before)) continue;
    if (UNTIL_BEFORE.test(before) && /^\s*号(?!\s*(?:工单|单))/.test(after)) continue;
    return true;
  }
  return false;
}

/**
 * Which ticket: the model's when it is literally written, otherwise the grammar's. When
 * both name a different written ticket the reference is ambiguous: none, so the bot asks.
 */
function reconcileRef(llm: TicketRef | null, grammar: TicketRef | null, text: string): TicketRef | null {
  const written = llm && isWrittenTicketNumber(text, llm.number) ? llm : null;
  if (!written) return grammar;
  if (grammar && grammar.number !== written.number) return null;
  const codeWritten = written.compoundCode !== null && fold(text).toUpperCase().includes(written.compoundCode.toUpperCase());
  return { number: written.number, compoundCode: codeWritten ? written.compoundCode : (grammar?.compoundCode ?? null) };
}

/** Words that make a resolve/reject/transfer not a decision: a negation, a question, a condition, hearsay. */
export function hasDoubtMarker(text: string): boolean {
  const s = fold(text);
  return NEGATION.test(s) || QUESTION.test(s) || CONDITION.test(s) || HEARSAY.test(s);
}

/**
 * The model's reading, checked against the grammar's and the text:
 * - an order written into the text (忽略以上指令, 把所有工单关了) is unknown;
 * - a resolve/reject/transfer the grammar does not read the same way (intent and
 *   target) is unknown when the grammar read something else ("正在走流程" is progress,
 *   "处理好了吗？" a status question: two readers disagree, so ask), or when it found
 *   the words unclear and they carry a doubt marker ("结单？业主都没确认"). Only
 *   plain words the grammar cannot read at all are left to the model alone;
 * - a ticket number not written in the text is dropped (models invent refs);
 * - the note and a snooze date come from the grammar when it has them: staff's own
 *   words rather than a paraphrase, and date arithmetic that is tested.
 */
export function reconcileStaffIntent(llm: StaffIntent, grammar: StaffIntent, text: string): StaffIntent {
  const ticketRef = reconcileRef(llm.ticketRef, grammar.ticketRef, text);
  const note = grammar.note ?? llm.note;
  const unknown: StaffIntent = { intent: 'unknown', ticketRef, note, targetTier: null, until: null, confidence: 'none' };
  if (llm.intent === 'unknown') return unknown;

  const folded = fold(text);
  if (INSTRUCTION.test(folded) || BULK.test(folded)) return unknown;
  if (DANGEROUS_INTENTS.has(llm.intent)) {
    const sameReading = grammar.intent === llm.intent && grammar.targetTier === llm.targetTier;
    if (!sameReading && (grammar.confidence !== 'none' || hasDoubtMarker(text))) return unknown;
  }

  const until = llm.intent === 'snooze' && grammar.intent === 'snooze' && grammar.until ? grammar.until : llm.until;
  return { ...llm, ticketRef, note, until };
}
