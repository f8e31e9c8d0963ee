import { normaliseText } from './normalise-text';

// Emergencies happening now are caught by keywords before any LLM call
// (taxonomy.md: "an emergency is never held up by the LLM"). The rules lean
// towards recall: a false alarm costs a message, a miss can cost a life.

export type EmergencyKind =
  | 'fire'
  | 'smoke'
  | 'gas'
  | 'medical'
  | 'injury'
  | 'electrocution'
  | 'drowning'
  | 'trapped'
  | 'flood'
  | 'collapse'
  | 'violence'
  | 'child_in_car'
  | 'suicide'
  | 'missing';

export interface EmergencyMatch {
  kind: EmergencyKind;
  matched: string;
}

interface Rule {
  kind: EmergencyKind;
  pattern: RegExp;
  /** The whole message must also match this (context for ambiguous words). */
  needs?: RegExp;
  /** Idioms and safe compounds around the match that cancel it. */
  veto?: RegExp;
  /** Whether a past-time marker ("上次", "昨天") in the clause cancels it. */
  pastCancels: boolean;
}

const PERSON = '(?:人|老人|大爷|阿姨|孩子|小孩|宝宝|婴儿|小朋友|娃|老太太|老爷子|奶奶|爷爷|阿婆|他|她)';

const RULES: readonly Rule[] = [
  {
    kind: 'gas',
    pattern:
      /(?:煤气|燃气|天然气|液化气)(?:味|的味|泄漏|泄露|漏了|在漏|漏气|漏出)|(?:闻到|一股|有股|好浓|很浓|很重|好重|好大|浓浓).{0,4}(?:煤气|燃气|天然气|液化气)|(?:燃气|煤气)报警器?.{0,4}(?:响|叫|报警|鸣)|(?:燃气|煤气|天然气)管.{0,4}(?:断|破|漏|裂)|(?:挖|弄|撞)(?:断|破|到).{0,2}(?:燃气|煤气|天然气)/g,
    pastCancels: false,
  },
  { kind: 'gas', pattern: /漏气|嘶嘶|泄漏|泄露/g, needs: /煤气|燃气|天然气|液化气/, pastCancels: false },
  {
    kind: 'fire',
    pattern: /着火|起火|失火|火灾|烧起来|烧着了|着起来|火势|火苗|火光|明火|自燃|爆燃|爆炸|冒火花|打火花|火花四溅|冒火星|冒火|火烧|火很大|火好大|大火/g,
    veto: /火锅|火车|火大|上火|发火|火爆|红火|火腿|火柴|火箭|火龙果|烟火|打火机|防火|灭火|火险|火烧眉毛|火烧云|大火收汁|[得气心眼]冒火|信息爆炸|爆炸头|着火点|火灾隐患|火花塞/,
    pastCancels: true,
  },
  {
    kind: 'smoke',
    pattern:
      /(?:浓|黑|大的|好多|很多|全是|都是)烟|烟(?:很|好|老|特别|非常|太|那么)?大|有烟(?:冒|飘|出|往)|烟冒出|冒[黑白浓]?烟|烟雾|焦糊味|烧焦(?:的)?味|烟感.{0,3}(?:响|叫|报警|鸣)/g,
    veto: /油烟|抽烟|吸烟|香烟|烟头|烟味|烟灰|嗓子冒烟|喉咙冒烟|[得气]冒烟|烟感坏|烟花|烟酒|烟囱/,
    pastCancels: true,
  },
  {
    kind: 'medical',
    pattern: new RegExp(
      `晕倒|晕过去|晕了过去|昏倒|昏迷|昏过去|不省人事|失去意识|没有?意识|叫不醒|没有?呼吸|心脏骤停|心脏病(?:犯|发作)|心梗|抽搐|口吐白沫|喘不上气|喘不过气|呼吸困难|休克|倒地不起|突然倒地|${PERSON}.{0,4}倒在地上|倒在地上.{0,4}(?:不动|没反应|起不来)`,
      'g',
    ),
    pastCancels: true,
  },
  {
    kind: 'injury',
    pattern: new RegExp(
      `流血|出血|血流|流了?.{0,3}血|全是血|好多血|一地血|满脸血|头破|磕破|骨折|摔断|摔伤|摔倒.{0,4}(?:起不来|不动|爬不起|动不了)|受伤|砸(?:到|中|伤)了?${PERSON}|${PERSON}被砸|砸伤|咬伤|被.{0,4}咬.{0,6}血`,
      'g',
    ),
    veto: /鼻血|大出血/,
    pastCancels: true,
  },
  { kind: 'electrocution', pattern: /触电|被电(?:到|了|击|伤)|电击/g, pastCancels: true },
  {
    kind: 'drowning',
    pattern: /溺水|落水|掉(?:进|到)?.{0,3}(?:水里|河里|池塘|水池|湖里|井里)/g,
    veto: /手机|钥匙|东西|包|鞋/,
    pastCancels: true,
  },
  {
    kind: 'trapped',
    pattern: /被困|困住|困在|出不来|逃不出|跑不出|下不去|下不来/g,
    needs: /火|烟|水漫|淹|倒灌|进水|洪水|塌|压住|压着|埋/,
    pastCancels: true,
  },
  {
    kind: 'flood',
    pattern: new RegExp(`(?:水漫|漫进|倒灌|淹了|被淹|水淹|洪水|大水).{0,12}(?:${PERSON}|出不来|困|被冲|卷走)|${PERSON}.{0,8}(?:被冲走|卷走|被淹)`, 'g'),
    pastCancels: true,
  },
  {
    kind: 'collapse',
    pattern:
      /(?:墙|楼|房顶|屋顶|天花板|吊顶|阳台|顶棚|雨棚|棚子|脚手架|地面|路面|楼梯|广告牌|招牌|塔吊|房子).{0,3}(?:塌|倒了|倒下|砸下来)|坍塌|倒塌|塌方|塌陷|地陷|垮塌/g,
    veto: /心态|人设|天塌/,
    pastCancels: true,
  },
  {
    kind: 'violence',
    pattern: /拿刀|持刀|动刀|砍人|捅人|被捅|被砍|行凶|杀人|(?:打架|打人|打起来|斗殴).{0,8}(?:血|刀|伤|晕)/g,
    pastCancels: true,
  },
  {
    kind: 'child_in_car',
    pattern: /(?:孩子|小孩|宝宝|婴儿|小朋友|娃|儿童|狗|猫|宠物|老人).{0,8}(?:锁|关|困)(?:在)?.{0,3}车(?:里|内|上)|(?:锁|关)在车里/g,
    pastCancels: true,
  },
  { kind: 'suicide', pattern: /跳楼|跳河|割腕|轻生|要跳下去/g, pastCancels: true },
  {
    kind: 'missing',
    pattern:
      /(?:孩子|小孩|宝宝|儿子|女儿|小朋友|老人|老太太|老爷子|奶奶|爷爷|外婆|外公|姥姥|姥爷|婆婆|老伴)[^的,，。\s]{0,4}(?:找不到了|走丢了|走失|不见了)/g,
    pastCancels: true,
  },
];

const CLAUSE_BREAK = /[\s,.!?;:，。！？；：、…~]/;
const NEGATED_JUST_BEFORE = /(?:没有?|不是|未|无|别|不会|差点|险些|差一点)[被就要给人]?$/;
const HYPOTHETICAL = /会不会|会|万一|如果|要是|假如|怕|小心|防止|预防|避免|容易|迟早|早晚|哪天|担心|以免|一旦|隐患|防/;
const PAST = /上次|上回|以前|之前|去年|前年|前几天|前天|昨天|昨晚|上个月|上周|上礼拜|那次|曾经|当年|以往/;
const ONGOING = /一直|还在|现在|到现在|正在|仍然/;
const DRILL = /演习|演练|培训|讲座|宣传|知识|模拟|测试/;
const NOT_HAPPENING = /没着火|没有着火|不是着火|没起火|虚惊|误报|误触/;

function clauseAround(text: string, index: number, length: number): { before: string; clause: string } {
  let start = index;
  while (start > 0 && !CLAUSE_BREAK.test(text[start - 1] ?? '')) start -= 1;
  let end = index + length;
  while (end < text.length && !CLAUSE_BREAK.test(text[end] ?? '')) end += 1;
  return { before: text.slice(start, index), clause: text.slice(start, end) };
}

function isLive(rule: Rule, text: string, index: number, matched: string): boolean {
  const { before, clause } = clauseAround(text, index, matched.length);
  if (rule.veto) {
    const window = text.slice(Math.max(0, index - 3), index + matched.length + 3);
    if (rule.veto.test(window)) return false;
  }
  if (NEGATED_JUST_BEFORE.test(before) || HYPOTHETICAL.test(before)) return false;
  if (rule.pastCancels && PAST.test(before) && !ONGOING.test(clause)) return false;
  return true;
}

export function detectEmergency(text: string): EmergencyMatch | null {
  const norm = normaliseText(text);
  const drill = DRILL.test(norm);
  const notHappening = NOT_HAPPENING.test(norm);
  for (const rule of RULES) {
    if (rule.needs && !rule.needs.test(norm)) continue;
    if (drill && (rule.kind === 'fire' || rule.kind === 'smoke' || rule.kind === 'gas')) continue;
    if (notHappening && (rule.kind === 'fire' || rule.kind === 'smoke')) continue;
    for (const m of norm.matchAll(rule.pattern)) {
      if (isLive(rule, norm, m.index, m[0])) return { kind: rule.kind, matched: m[0] };
    }
  }
  return null;
}
