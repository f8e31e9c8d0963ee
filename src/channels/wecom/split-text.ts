/** WeCom's content limits, in UTF-8 bytes (wecom-protocol.md §1.10, §3.3, §3.6, §5.8). */
export const WECOM_BYTE_LIMITS = {
  appText: 2048,
  appMarkdown: 2048,
  webhookText: 2048,
  webhookMarkdown: 4096,
  responseUrlMarkdown: 20480,
  /** add_msg_template `text.content` (SDKs quote the doc: 4000 bytes). */
  customerGroupText: 4000,
} as const;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

// Soft break points for a line longer than the limit: after a space or sentence/clause punctuation.
const SOFT_BREAK = /[ \t。！？；，、.!?;,]/;

/**
 * Splits text into parts of at most `maxBytes` UTF-8 bytes. A part ends at the last line
 * break that leaves it at least half full (the break itself is dropped), else after the last
 * space or punctuation mark, else at the limit; a code point (surrogate pair included) is never cut.
 * Empty text gives no parts.
 */
export function splitByBytes(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError(`maxBytes must be an integer >= 4, got ${maxBytes}`);
  const parts: string[] = [];
  let rest = text;
  while (utf8Bytes(rest) > maxBytes) {
    const fit = prefixLength(rest, maxBytes);
    const newline = rest.lastIndexOf('\n', fit - 1);
    if (newline > 0 && newline >= fit / 2) {
      parts.push(rest.slice(0, newline));
      rest = rest.slice(newline + 1);
      continue;
    }
    const soft = lastSoftBreak(rest, fit);
    const end = soft >= fit / 2 ? soft + 1 : fit;
    parts.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

/** Cuts text to `maxBytes` (suffix included) for destinations that take exactly one message. */
export function truncateByBytes(text: string, maxBytes: number, suffix = '…'): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const room = maxBytes - utf8Bytes(suffix);
  if (room < 0) throw new RangeError('suffix is longer than maxBytes');
  return text.slice(0, prefixLength(text, room)) + suffix;
}

/** Length in UTF-16 code units of the longest prefix that fits in maxBytes without cutting a code point. */
function prefixLength(text: string, maxBytes: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) as number;
    // A lone surrogate encodes as U+FFFD: 3 bytes, like Buffer.byteLength counts it.
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

function lastSoftBreak(text: string, end: number): number {
  for (let i = end - 1; i >= 0; i--) {
    if (SOFT_BREAK.test(text[i] as string)) return i;
  }
  return -1;
}
