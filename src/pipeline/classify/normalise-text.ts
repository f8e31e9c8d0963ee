// Shared text clean-up for the rule-based classifier: full-width to half-width,
// lower-case Latin, and the homophone typos residents make with pinyin input.

// Pinyin input picks the wrong character of the same sound; these are the
// common ones in compound groups. Only unambiguous pairs belong here.
const TYPOS: ReadonlyArray<readonly [RegExp, string]> = [
  [/电[悌梯体递]/g, '电梯'],
  [/([违乱])(章)?[听厅]车/g, '$1$2停车'],
  [/乱仃/g, '乱停'],
  [/楼[到倒]里/g, '楼道里'],
  [/[拉垃][级圾]/g, '垃圾'],
  [/[躁燥]音/g, '噪音'],
  [/物[叶页]/g, '物业'],
  [/消[访方]/g, '消防'],
  [/([煤燃])汽/g, '$1气'],
  [/天然汽/g, '天然气'],
  [/漏氺/g, '漏水'],
  [/电[频平]车/g, '电瓶车'],
  [/违[见件]/g, '违建'],
  [/门今卡/g, '门禁卡'],
  [/坏[拉啦]/g, '坏了'],
];

export function normaliseText(text: string): string {
  let out = text.normalize('NFKC').toLowerCase();
  for (const [pattern, replacement] of TYPOS) out = out.replace(pattern, replacement);
  return out;
}

/** Emoji, WeCom sticker codes like "[捂脸]", and @mentions removed. */
export function stripDecorations(text: string): string {
  return text
    .replace(/@\S+/g, ' ')
    .replace(/\[[\u4e00-\u9fa5a-z]{1,4}\]/gi, ' ')
    .replace(/\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F|\u200D/gu, ' ');
}
