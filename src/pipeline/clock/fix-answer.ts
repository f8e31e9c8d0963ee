import type { FixAnswer } from './fix-check-keys';

export interface ReadAnswer {
  answer: FixAnswer;
  /** What the resident added after the answer ("没解决，灯还是不亮" -> "灯还是不亮"); '' when nothing. */
  rest: string;
}

// Negations first: "没解决" contains "解决".
const PATTERNS: ReadonlyArray<{ answer: FixAnswer; re: RegExp }> = [
  { answer: 'not_fixed', re: /^(?:还|仍然?|依然|依旧)?(?:没有?|未|没能)(?:解决|修好|弄好|处理好|搞好|好)(?:呢|啊|呀)?/ },
  { answer: 'not_fixed', re: /^(?:还是|仍然|依然|依旧)(?:不行|老样子|没变|一样|坏的?)/ },
  { answer: 'not_fixed', re: /^不行/ },
  { answer: 'unsure', re: /^(?:我)?(?:不(?:太)?(?:清楚|知道|确定)|说不(?:清|好|准))/ },
  { answer: 'fixed', re: /^(?:是的?|对|嗯)?[,，]?(?:已经?|都|确实)?(?:解决|修好|弄好|处理好|搞定|好)了/ },
  { answer: 'fixed', re: /^(?:已解决|解决|搞定)(?:啦|了)?/ },
];

/**
 * Reads an answer to "is it really fixed?" at the start of a message, as residents
 * write it (回复 解决了 / 没解决 / 不清楚 and common variants). Anything else is not an
 * answer and goes on to triage.
 */
export function readFixAnswer(text: string): ReadAnswer | null {
  const s = text.normalize('NFKC').replace(/^[\s@]+/, '').trim();
  for (const { answer, re } of PATTERNS) {
    const m = re.exec(s);
    if (m) return { answer, rest: s.slice(m[0].length).replace(/^[\s,，。.!！~～、;；:：]+/, '').trim() };
  }
  return null;
}
