// Masks personal numbers before text leaves for an LLM or reaches a log line.
// Order matters: ID cards (18 chars) before phones (11 digits) so an ID card is
// not half-masked as a phone number.
const ID_CARD = /(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g;
const MOBILE = /(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)/g;
const LANDLINE = /(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)/g;
const PLATE =
  /[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•.\s]?[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]/g;

// Full-width digits and letters (１３８…) would slip past the patterns; masked
// output is for machines and logs, so it is returned half-width.
const FULL_WIDTH = /[\uFF0B\uFF0D\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g;

export function maskPii(text: string): string {
  return text
    .replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(ID_CARD, '[身份证号]')
    .replace(MOBILE, '[手机号]')
    .replace(LANDLINE, '[电话]')
    .replace(PLATE, '[车牌号]');
}
