import { maskPii } from './pii';

// What a report is about (the things, places and plate numbers it names) and how alike the
// words of two reports are: the text side of duplicate matching and follow-up recognition.

// Words that say the same thing in different ways in compound groups.
const SYNONYMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/电[悌梯体递]/g, '电梯'],
  [/电瓶车|电动自行车|电[动频平]车/g, '电动车'],
  [/地库|地下车库/g, '车库'],
  [/消防车道|生命通道/g, '消防通道'],
  [/分类房|垃圾站|垃圾分类点|投放点/g, '垃圾房'],
  [/[拉垃][级圾]/g, '垃圾'],
  [/[躁燥]音/g, '噪音'],
  [/物[叶页]/g, '物业'],
  [/违[见件]/g, '违建'],
  [/楼顶|天台|顶楼/g, '楼顶'],
  [/小车|轿车|私家车/g, '车'],
];

// What a report is about, beyond its category: two reports that each name something
// and share nothing ("电梯" and "门禁", "垃圾桶" and "一袋垃圾") are two problems, however
// alike the rest of the words. Built from the vocabulary of real group messages.
const PROBLEM_OBJECTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['电梯', /电梯(?!里的?空调)|轿厢/],
  ['空调', /空调/],
  ['路灯', /路灯/],
  ['灯', /(?<!路)灯|照明/],
  ['门禁', /门禁|刷卡|人脸识别|对讲/],
  ['道闸', /道闸|栏杆/],
  ['井盖', /井盖|窨井/],
  ['漏水', /漏水|滴水|渗水|水管|爆管|淹/],
  ['水压', /水压|没水|停水/],
  ['停电', /停电|没电|来电/],
  ['下水道', /下水道|污水|化粪池/],
  ['卷帘门', /卷帘门/],
  ['信报箱', /信报箱|信箱/],
  ['监控', /监控|摄像头/],
  ['健身器材', /健身器材|单杠|双杠/],
  ['扶手', /扶手/],
  ['窗户', /窗户|玻璃/],
  ['外墙', /外墙|瓷砖/],
  ['电线', /电线|线路|拉线|飞线|私接|私拉|插线板/],
  ['垃圾桶', /垃圾桶|厨余桶|桶/],
  ['垃圾袋', /垃圾袋|一袋垃圾|袋垃圾/],
  ['大件垃圾', /大件垃圾|沙发|旧家具|床垫/],
  ['装修垃圾', /装修垃圾|建筑垃圾/],
  ['快递盒', /快递盒|快递箱/],
  ['河道', /河里|河道|河边|池塘/],
  ['消防通道', /消防通道/],
  ['盲道', /盲道/],
  ['人行道', /人行道/],
  ['车位', /车位/],
  ['车库出口', /车库出口|车库门口|车库门/],
  ['僵尸车', /僵尸车/],
  ['纸箱杂物', /纸箱|杂物|泡沫板/],
  ['消防栓', /消防栓|水带|水枪/],
  ['灭火器', /灭火器/],
  ['消防门', /消防门|防火门|安全出口/],
  ['电动车', /电动车/],
  ['棚子', /棚|搭建|砌/],
  ['院子', /院子|围墙/],
  ['楼顶', /楼顶/],
  ['地下室', /地下室/],
  ['种菜', /种菜|菜地|种葱/],
  ['树木', /砍.{0,3}树|树被/],
  ['装修', /装修|电钻|砸墙|打桩|施工/],
  ['广场舞', /广场舞|跳舞/],
  ['狗叫', /狗.{0,2}叫|犬吠/],
  ['烧烤', /烧烤|划拳/],
  ['麻将', /麻将/],
  ['唱歌', /唱歌|卡拉ok|k歌/],
  ['拍球', /篮球|拍球/],
  ['喇叭', /喇叭|广播/],
  ['垃圾车', /垃圾车/],
  ['狗屎', /狗屎|狗粪|拉屎|粪便/],
  ['狗尿', /狗尿|尿尿|撒尿/],
  ['遛狗', /不牵绳|不拴绳|没拴|没牵|嘴套/],
  ['咬人', /咬/],
  ['鸽子', /鸽/],
  ['猫', /(?<!流浪)猫/],
  ['流浪狗', /流浪狗/],
  ['流浪猫', /流浪猫/],
  ['保安', /保安|值班|门卫/],
  ['保洁', /保洁|拖地|打扫|扫地/],
  ['收费', /物业费|收费|账目|涨价/],
  ['充电桩', /充电桩/],
  ['座椅', /长椅|椅子|凳子/],
  ['停车位', /停车位/],
  ['火情', /着火|起火|失火|冒烟|黑烟|烧起来/],
  ['燃气', /煤气|燃气|天然气/],
  ['伤人', /晕倒|摔倒|受伤|流血|砸到人/],
  ['助餐', /送饭|助餐|吃饭/],
];

// Places in a compound that are not buildings, for reports that name no building.
const LANDMARKS: ReadonlyArray<readonly [string, RegExp]> = [
  ['大门', /小区门口|(?<![东南西北后侧])大门|正门/],
  ['东门', /东门/],
  ['南门', /南门/],
  ['西门', /西门/],
  ['北门', /北门/],
  ['后门', /后门/],
  ['侧门', /侧门/],
  ['广场', /广场/],
  ['花园', /花园/],
  ['车库', /车库|停车场/],
  ['垃圾房', /垃圾房/],
  ['篮球场', /篮球场/],
  ['羽毛球场', /羽毛球场/],
  ['健身区', /健身区|健身场/],
  ['游乐场', /游乐场|游乐区/],
  ['河道', /河|池塘|水池|湖/],
  ['物业办公室', /物业办公室/],
  ['幼儿园', /幼儿园/],
  ['车棚', /车棚/],
  ['配电房', /配电房/],
  ['水泵房', /水泵房/],
  ['会所', /会所/],
  ['东区', /东区/],
  ['南区', /南区/],
  ['西区', /西区/],
  ['北区', /北区/],
];

// Copy of the plate pattern in pii.ts, which keeps its own private: the same plate in two
// reports is the same car, two different plates are two cars. Never put one in `why`.
const PLATE = /[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•.\s]?[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]/g;

// The building is compared on its own, so its mention must not make two texts look alike;
// numbers of floors, rooms and hours say little about which problem it is.
const PLACE_NUMBERS = /[0-9零〇一二两三四五六七八九十百]+\s*(?:号楼|栋|幢|座|单元|楼|层|号|室|#)/g;
const MASKS = /\[(?:身份证号|手机号|电话|车牌号)\]/g;
const STOP = /[的了吗呢啊吧呀哦噢嘛啦么哈呗喂也都又还就在是着把被给很太]/g;

function unify(text: string): string {
  let s = stripNoise(text.normalize('NFKC').toLowerCase());
  for (const [p, r] of SYNONYMS) s = s.replace(p, r);
  return s;
}

/** PII masked, synonyms unified, building and numbers removed, only Han and Latin letters left. */
export function normaliseForMatch(text: string): string {
  const s = unify(maskPii(text.normalize('NFKC')).replace(MASKS, ' '));
  return s.replace(PLACE_NUMBERS, ' ').replace(/\d+/g, ' ').replace(STOP, '').replace(/[^\p{Script=Han}a-z]+/gu, '');
}

/** The things a report names (PROBLEM_OBJECTS keys), the non-building places (LANDMARKS keys) and its plate numbers. */
export function problemObjects(text: string): { objects: Set<string>; places: Set<string>; plates: Set<string> } {
  const plates = new Set([...text.normalize('NFKC').toUpperCase().matchAll(PLATE)].map((m) => m[0].replace(/[·•.\s]/g, '')));
  const s = unify(maskPii(text).replace(MASKS, ' '));
  const keys = (table: ReadonlyArray<readonly [string, RegExp]>) => new Set(table.filter(([, p]) => p.test(s)).map(([k]) => k));
  return { objects: keys(PROBLEM_OBJECTS), places: keys(LANDMARKS), plates };
}

/** Character-bigram Jaccard of two normalised texts; 0 when either has no bigram. */
export function textSimilarity(a: string, b: string): number {
  return jaccard(normaliseForMatch(a), normaliseForMatch(b));
}

export function jaccard(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  if (x.size === 0 || y.size === 0) return 0;
  let both = 0;
  for (const g of x) if (y.has(g)) both += 1;
  return both / (x.size + y.size - both);
}

function bigrams(s: string): Set<string> {
  const chars = [...s];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
  return out;
}

export function stripNoise(s: string): string {
  return s
    .replace(/@\S+/g, ' ')
    .replace(/\[[\u4e00-\u9fa5a-z]{1,4}\]/gi, ' ')
    .replace(/\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F|\u200D/gu, ' ')
    .replace(/[\s\p{P}\p{S}]+/gu, (m) => (m.includes('+') || m.includes('＋') ? m : ' '));
}
