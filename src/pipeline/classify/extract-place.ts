import { normaliseText } from './normalise-text';

// Where in the compound a message points. The building keeps the resident's
// own unit word (栋 / 幢 / 号楼 / 座) with digits normalised: 三号楼 -> 3号楼,
// ３栋 -> 3栋, 十二幢2单元 -> 12幢2单元.

const CN_DIGIT: Readonly<Record<string, number>> = {
  零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};

const CN = '[零〇一二两三四五六七八九十百]';
// 座 only after Arabic digits or a letter: 一座桥 is not a building.
const BUILDING = new RegExp(
  `(?<![\\da-z])(?:(\\d{1,3}|[a-z](?![a-z])|${CN}{1,4})\\s*(号楼|#楼?|栋楼?|幢楼?)|(\\d{1,3}|[a-z](?![a-z]))\\s*(座))(?:\\s*(\\d{1,2}|${CN}{1,3})\\s*单元)?`,
  'g',
);
const DASHED = /(?<![\d-])(\d{1,3})-(\d{1,2})-\d{3,4}(?![\d-])/;
const UNIT_ONLY = new RegExp(`(?<!\\d)(\\d{1,2}|${CN}{1,3})\\s*单元`);

// Compound-level places precise enough that nobody needs to ask "which building?".
const LANDMARK =
  /小区门口|(?:大|正|后|侧|[东南西北])门|\d+号门|中心广场|广场|中心花园|篮球场|羽毛球场|健身区|健身器材|健身场|游乐区|游乐场|垃圾房|垃圾站|分类房|垃圾分类点|投放点|地下车库|地库|车库|停车场|河边|河里|河道|池塘|水池|湖边|物业办公室|保安亭|幼儿园|菜场|车棚|主干道|围墙|配电房|水泵房|[东西南北]区|[a-z]区|会所/;

/** 十二 -> 12, 二十三 -> 23, 一二 -> 12, 12 -> 12; null when not a number. */
export function parseNumeral(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^[零〇一二两三四五六七八九十百]+$/.test(s)) return null;
  if (!/[十百]/.test(s)) return Number(Array.from(s, (c) => CN_DIGIT[c] ?? 0).join(''));
  let total = 0;
  let current = 0;
  for (const c of s) {
    if (c === '百') {
      total += (current || 1) * 100;
      current = 0;
    } else if (c === '十') {
      total += (current || 1) * 10;
      current = 0;
    } else current = CN_DIGIT[c] ?? 0;
  }
  return total + current;
}

function buildingNumber(raw: string): string | null {
  if (/^[a-z]$/.test(raw)) return raw.toUpperCase();
  const n = parseNumeral(raw);
  return n === null || n === 0 ? null : String(n);
}

function unitWord(raw: string): string {
  if (raw.startsWith('#') || raw === '号楼') return '号楼';
  return raw.replace('楼', '');
}

export function extractBuilding(text: string): string | null {
  const norm = normaliseText(text);
  for (const m of norm.matchAll(BUILDING)) {
    const rawNumber = m[1] ?? m[3] ?? '';
    const rawWord = m[2] ?? m[4] ?? '';
    // 一栋楼 / 两栋 mean "a whole building" / "two buildings", not building 1 or 2.
    if (rawNumber === '两' || (rawNumber === '一' && rawWord.length === 2 && rawWord !== '号楼')) continue;
    const number = buildingNumber(rawNumber);
    if (!number) continue;
    const unit = m[5] ? parseNumeral(m[5]) : null;
    return `${number}${unitWord(rawWord)}${unit ? `${unit}单元` : ''}`;
  }
  const d = DASHED.exec(norm);
  if (d) return `${d[1]}栋${d[2]}单元`;
  const u = UNIT_ONLY.exec(norm);
  const unit = u?.[1] ? parseNumeral(u[1]) : null;
  return unit ? `${unit}单元` : null;
}

export function extractLandmark(text: string): string | null {
  return LANDMARK.exec(normaliseText(text))?.[0] ?? null;
}
