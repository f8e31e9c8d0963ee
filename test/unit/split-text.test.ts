import { WECOM_BYTE_LIMITS, splitByBytes, truncateByBytes, utf8Bytes } from '../../src/channels/wecom/split-text';

function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

describe('splitByBytes', () => {
  it('returns short text as one part and empty text as none', () => {
    expect(splitByBytes('你好', 2048)).toEqual(['你好']);
    expect(splitByBytes('', 2048)).toEqual([]);
  });

  it('keeps a text of exactly the limit in one part', () => {
    const text = '工'.repeat(682) + 'ab'; // 682 × 3 + 2 = 2048 bytes
    expect(utf8Bytes(text)).toBe(2048);
    expect(splitByBytes(text, WECOM_BYTE_LIMITS.appText)).toEqual([text]);
  });

  it('splits at line breaks and drops only the break it split at', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `第${i + 1}行：小区东门的路灯坏了，请物业尽快维修。`);
    const text = lines.join('\n');
    const parts = splitByBytes(text, 500);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(utf8Bytes(p)).toBeLessThanOrEqual(500);
      expect(p.startsWith('第')).toBe(true);
      expect(p.endsWith('。')).toBe(true);
    }
    expect(parts.join('\n')).toBe(text);
  });

  it('breaks a long line after punctuation when there is no line break', () => {
    const sentence = '请各位居民注意，明天上午九点到十二点停水。';
    const text = sentence.repeat(30);
    const parts = splitByBytes(text, 200);
    for (const p of parts) {
      expect(utf8Bytes(p)).toBeLessThanOrEqual(200);
      expect(p.endsWith('，') || p.endsWith('。')).toBe(true);
    }
    expect(parts.join('')).toBe(text);
  });

  it('hard-splits text without break points but never inside a character', () => {
    const text = '中'.repeat(1000); // 3000 bytes, no break points
    const parts = splitByBytes(text, 2048);
    expect(parts.map(utf8Bytes)).toEqual([2046, 954]);
    expect(parts.join('')).toBe(text);
  });

  it('never splits a surrogate pair (emoji are 4 bytes)', () => {
    const text = 'a' + '😀'.repeat(20);
    for (const max of [4, 5, 6, 7, 9, 13]) {
      const parts = splitByBytes(text, max);
      expect(parts.join('')).toBe(text);
      for (const p of parts) {
        expect(utf8Bytes(p)).toBeLessThanOrEqual(max);
        expect(hasLoneSurrogate(p)).toBe(false);
      }
    }
  });

  it('rejects a limit that cannot hold one code point', () => {
    expect(() => splitByBytes('abc', 3)).toThrow(RangeError);
  });

  it('has the WeCom limits as constants', () => {
    expect(WECOM_BYTE_LIMITS).toMatchObject({ appText: 2048, appMarkdown: 2048, webhookText: 2048, webhookMarkdown: 4096, responseUrlMarkdown: 20480 });
  });
});

describe('truncateByBytes', () => {
  it('leaves short text alone and cuts long text to the limit including the suffix', () => {
    expect(truncateByBytes('短', 10)).toBe('短');
    const cut = truncateByBytes('长'.repeat(100), 20, '…');
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(20);
    expect(cut).toBe('长'.repeat(5) + '…');
  });
});
