const CN_DIGITS: Readonly<Record<string, number>> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** A number as people type it in chat: ASCII digits or Chinese numerals up to the hundreds. */
export const NUMBER = '(?:\\d{1,4}|[零〇一二两三四五六七八九十百]{1,5})';

/** "30" -> 30, "三十" -> 30, "二十五" -> 25, "一百零五" -> 105; null when not a number. */
export function parseNumber(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^[零〇一二两三四五六七八九十百]+$/.test(s)) return null;
  let total = 0;
  let current = 0;
  for (const c of s) {
    if (c === '百' || c === '十') {
      total += (current || 1) * (c === '百' ? 100 : 10);
      current = 0;
    } else {
      current = CN_DIGITS[c] ?? 0;
    }
  }
  return total + current;
}

/**
 * Chat text in one shape: full-width digits, letters and punctuation to ASCII (NFKC),
 * runs of white space to one space.
 */
export function normalizeChat(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** Every number written in the text, in either form: what a model's reading may cite. */
export function numbersIn(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of normalizeChat(text).matchAll(new RegExp(NUMBER, 'g'))) {
    const n = parseNumber(m[0]);
    if (n !== null) out.add(n);
  }
  return out;
}
