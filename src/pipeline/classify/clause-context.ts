// Where a keyword sits in its clause: negated ("没着火"), hypothetical
// ("会不会着火"), or in the past ("上次着火"). Clauses end at punctuation or a
// space, because voice-to-text and quick typing use spaces as commas.

const CLAUSE_BREAK = /[\s,.!?;:，。！？；：、…~]/;
const NEGATED_JUST_BEFORE = /(?:没有?|不是|未|无|别|不会|不用|不需要|差点|险些|差一点)[被就要给人]?$/;
// Only right before the match: "会" and "容易" are too common to look further back.
const HYPOTHETICAL_JUST_BEFORE = /(?:会|容易|小心)$/;
const HYPOTHETICAL = /会不会|万一|如果|要是|假如|就怕|防止|预防|以防|避免|迟早|早晚|哪天|担心|以免|一旦|隐患/;
const PAST = /上次|上回|以前|之前|去年|前年|前几天|前天|昨天|昨晚|上个月|上周|上礼拜|那次|曾经|当年|以往/;
const ONGOING = /一直|还在|现在|到现在|正在|仍然/;

export interface ClauseContext {
  negated: boolean;
  hypothetical: boolean;
  past: boolean;
}

export function clauseContext(text: string, index: number, length: number): ClauseContext {
  let start = index;
  while (start > 0 && !CLAUSE_BREAK.test(text[start - 1] ?? '')) start -= 1;
  let end = index + length;
  while (end < text.length && !CLAUSE_BREAK.test(text[end] ?? '')) end += 1;
  const before = text.slice(start, index);
  return {
    negated: NEGATED_JUST_BEFORE.test(before),
    hypothetical: HYPOTHETICAL_JUST_BEFORE.test(before) || HYPOTHETICAL.test(before),
    past: PAST.test(before) && !ONGOING.test(text.slice(start, end)),
  };
}
