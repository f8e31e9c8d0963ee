import { clauseContext } from './clause-context';
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
  | 'call_for_help'
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

const PERSON =
  '(?:人|老人|大爷|大妈|大叔|大姐|阿姨|孩子|小孩|宝宝|婴儿|小朋友|娃|老太太|老太|老头|老爷子|奶奶|爷爷|阿婆|孕妇|男的|女的|保安|师傅|工人|学生|他|她)';

const RULES: readonly Rule[] = [
  {
    kind: 'gas',
    pattern:
      /(?:煤气|燃气|天然气|液化气)(?:味|的味|泄漏|泄露|漏了|在漏|漏气|漏出)|(?:闻到|一股|有股|好浓|很浓|很重|好重|好大|浓浓).{0,4}(?:煤气|燃气|天然气|液化气)|(?:燃气|煤气)报警器?.{0,4}(?:响|叫|报警|鸣)|(?:燃气|煤气|天然气)管.{0,8}(?:断|破|漏|裂)|(?:挖|弄|撞)(?:断|破|到).{0,2}(?:燃气|煤气|天然气)/g,
    pastCancels: false,
  },
  { kind: 'gas', pattern: /漏气|嘶嘶|泄漏|泄露|在漏|一直漏|关不掉|关不上/g, needs: /煤气|燃气|天然气|液化气/, pastCancels: false },
  {
    kind: 'fire',
    pattern: /着火|起火|失火|火灾|烧起来|烧着了|着起来|火势|火苗|火光|明火|自燃|爆燃|爆炸|(?:电线|插座|电箱|电表|电瓶|电池|插线板|充电器)(?:烧了|烧起来|烧焦|着了|炸了)|(?:电瓶|电池|电动车|电瓶车|煤气罐|液化气罐|锅炉|高压锅).{0,4}炸了|冒火花|打火花|火花四溅|冒.{0,2}火星|冒火|火烧|火很大|火好大|大火/g,
    veto: /火锅|火车|火大|上火|发火|火爆|红火|火腿|火柴|火箭|火龙果|烟火|打火机|防火|灭火|火险|火烧眉毛|火烧云|大火收汁|[得气心眼].{0,2}冒火|[热气急]得.{0,3}(?:要)?(?:着火|冒烟|爆炸)|信息爆炸|爆炸头|着火点|[打点]不?着火|火灾隐患|火花塞/,
    pastCancels: true,
  },
  {
    kind: 'smoke',
    pattern:
      /(?:浓|黑|大的|好多|很多|全是|都是)烟|烟(?:很|好|老|特别|非常|太|那么)?大|有烟(?:冒|飘|出|往)|烟冒出|冒[黑白浓]?烟|烟雾|焦糊味|烧焦|焦味|好呛|很呛|呛得|呛死|呛人|烟感.{0,3}(?:响|叫|报警|鸣)/g,
    veto: /油烟|抽烟|吸烟|香烟|烟头|烟味|烟灰|嗓子冒烟|喉咙冒烟|[得气]冒烟|烟感坏|烟花|烟酒|烟囱/,
    pastCancels: true,
  },
  {
    kind: 'medical',
    pattern: new RegExp(
      `${PERSON}.{0,8}(?:不会动|一动不动|动不了|不能动|躺着不动)|${PERSON}.{0,6}晕了|突然晕|犯病|发病|病发|晕厥|昏厥|说不出话|口眼歪斜|嘴歪了|(?:半边|半个)?身子动不了|${PERSON}.{0,4}(?:躺|倒)在地上|晕倒|晕过去|晕了过去|昏倒|昏迷|昏过去|不省人事|失去意识|没有?意识|叫不醒|没有?呼吸|心脏骤停|心脏病(?:犯|发作)|心梗|抽搐|口吐白沫|喘不上气|喘不过气|呼吸困难|休克|倒地不起|突然倒地|${PERSON}.{0,4}倒在地上|倒在地上.{0,4}(?:不动|没反应|起不来)`,
      'g',
    ),
    pastCancels: true,
  },
  {
    kind: 'injury',
    pattern: new RegExp(
      `流血|出血|血流|流了?.{0,3}血|全是血|好多血|(?:满脸|满身|一身|全身|一地|满地|头上|腿上|手上)(?:是|都是|全是)?血|打(?:得|的).{0,6}(?:血|骨折|晕)|头破|磕破|骨折|摔断|摔伤|摔.{0,4}(?:起不来|不动|爬不起|动不了|不能动)|${PERSON}.{0,8}(?:滚|摔|掉)下来|(?:手|脚|腿|头|手指|胳膊).{0,3}被?.{0,6}(?:夹|卡)(?:住|了|在)|${PERSON}.{0,4}被?(?:卡|夹)(?:在|住|到).{0,4}(?:门|缝|栏杆|护栏)|头.{0,2}(?:打)?破|受伤|被车撞|撞倒|被撞|撞伤|砸(?:到|中|伤)了?${PERSON}|${PERSON}被砸|砸伤|咬伤|被.{0,4}咬.{0,6}血`,
      'g',
    ),
    veto: /鼻血|大出血/,
    pastCancels: true,
  },
  { kind: 'electrocution', pattern: /触电|被电(?:到|了|击|伤|倒)|电击|漏电.{0,8}(?:人|电到|电倒)/g, pastCancels: true },
  {
    kind: 'drowning',
    pattern: /溺水|落水|掉(?:进|到)?.{0,3}(?:水里|河里|池塘|水池|湖里|井里)/g,
    veto: /手机|钥匙|东西|包|鞋/,
    pastCancels: true,
  },
  {
    kind: 'flood',
    pattern: new RegExp(`(?:水漫|漫进|倒灌|淹了|被淹|水淹|洪水|大水).{0,12}(?:${PERSON}|出不来|困|被冲|卷走)|${PERSON}.{0,8}(?:被冲走|卷走|被淹)`, 'g'),
    pastCancels: true,
  },
  {
    kind: 'trapped',
    pattern: /被困|困住|困在|出不来|逃不出|跑不出|下不去|下不来/g,
    needs: /火|烟|水漫|淹|倒灌|进水|洪水|塌|压住|压着|埋/,
    pastCancels: true,
  },
  {
    kind: 'collapse',
    pattern:
      /(?:墙|楼|房顶|屋顶|天花板|吊顶|阳台|顶棚|雨棚|棚子|脚手架|广告牌|招牌|塔吊|房子).{0,3}(?:塌|倒了|倒下|砸下来)|(?:倒了|塌了|塌陷|掉下来了?).{0,12}(?:压|砸|掉|陷)(?:到|住|着|中|进).{0,12}人|坍塌|倒塌|垮塌/g,
    veto: /心态|人设|天塌|差点|险些|差一点|幸好|还好/,
    pastCancels: true,
  },
  {
    kind: 'violence',
    pattern: /拿着?刀|持刀|动刀|砍人|捅人|被捅|被砍|行凶|杀人|(?:打架|打人|打起来|斗殴).{0,8}(?:血|刀|伤|晕)/g,
    pastCancels: true,
  },
  {
    kind: 'child_in_car',
    pattern: /(?:孩子|小孩|宝宝|婴儿|小朋友|娃|儿童|狗|猫|宠物|老人).{0,8}(?:锁|关|困)(?:在)?.{0,3}车(?:里|内|上)|(?:锁|关)在车里/g,
    pastCancels: true,
  },
  {
    kind: 'call_for_help',
    pattern: /(?:打|拨|叫)(?:个)?(?:119|120|110|救护车|消防车?|警察)|(?:119|120|110|救护车|消防车?|警察)(?:怎么)?还没(?:到|来)/g,
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

const DRILL = /演习|演练|培训|讲座|宣传|知识|模拟|测试/;
const NOT_HAPPENING = /没着火|没有着火|不是着火|没起火|虚惊|误报|误触/;
// Smoke someone is making on purpose: firecrackers, barbecues, cooking, offerings.
const HARMLESS_SMOKE = /鞭炮|烟花|炮仗|烧烤|做饭|炒菜|辣椒|烧香|烧纸/;

function isLive(rule: Rule, text: string, index: number, matched: string): boolean {
  if (rule.veto) {
    const window = text.slice(Math.max(0, index - 3), index + matched.length + 3);
    if (rule.veto.test(window)) return false;
  }
  const context = clauseContext(text, index, matched.length);
  return !context.negated && !context.hypothetical && !(rule.pastCancels && context.past);
}

export function detectEmergency(text: string): EmergencyMatch | null {
  const norm = normaliseText(text);
  const drill = DRILL.test(norm);
  const notHappening = NOT_HAPPENING.test(norm);
  for (const rule of RULES) {
    if (rule.needs && !rule.needs.test(norm)) continue;
    if (drill && (rule.kind === 'fire' || rule.kind === 'smoke' || rule.kind === 'gas')) continue;
    if (notHappening && (rule.kind === 'fire' || rule.kind === 'smoke')) continue;
    if (rule.kind === 'smoke' && HARMLESS_SMOKE.test(norm)) continue;
    for (const m of norm.matchAll(rule.pattern)) {
      if (isLive(rule, norm, m.index, m[0])) return { kind: rule.kind, matched: m[0] };
    }
  }
  return null;
}
