// Normalising what staff write before it is read: spaces, @mentions, full-width forms, input-method slips.

/** Collapses spaces (incl. the ideographic one) and drops leading @mentions; this is what notes keep. */
export function normalize(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:[@＠]\S+\s+)+/, '');
}

/** Full-width ＃４２，？ to ASCII, one char for one char so offsets stay valid. */
export function fold(s: string): string {
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

export function fixTypos(s: string): string {
  return TYPOS.reduce((acc, [re, to]) => acc.replace(re, to), s);
}
