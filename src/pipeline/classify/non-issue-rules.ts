import { detectEmergency } from './emergency-rules';
import { normaliseText, stripDecorations } from './normalise-text';
import { ISSUE_THRESHOLD, scoreCategories } from './score-categories';

// Messages that need no ticket and no LLM call. Precision matters more than
// recall here: a real problem wrongly dropped is worse than an extra LLM call,
// so every rule refuses when the text also carries a problem signal.

export type NonIssueCategory = 'chit_chat' | 'spam' | 'activity_signup' | 'bot_feedback';

export interface NonIssueMatch {
  category: NonIssueCategory;
  reason: string;
}

export interface NonIssueContext {
  underServiceDayPost?: boolean;
}

const CONTACT = /1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8}|加(?:个)?(?:微信|v|vx|wx|薇|威|我)|微信|vx|wx|同号|私聊|私信|找我|扫码|二维码|https?:\/\/|www\./;
const STRONG_AD =
  /疏通|开锁|换锁|贷款|放款|代办|办证|出证|回收|刷单|兼职|日结|出租|出售|转让|团购|接龙|领取|福利|套现|代还|额度|全包|免费设计|加盟|招聘|清洗|家政|搬家|防水|补漏|二手|九成新|培训|试听|招生|保险|险种|理财|投资|月嫂|保姆|医美|美容|代购|微商|卖货|纯手工/g;
const WEAK_AD = /专业|上门|价格|优惠|特价|低价|实惠|免费|随叫随到|24小时|联系|欢迎|咨询|详谈|点击|面议|一站式|需要的|有意|新鲜/g;
// Residents complaining about ads are reporting a problem, not advertising.
const ABOUT_ADS = /小广告|贴广告|发广告|传单|骗子|举报|投诉|又有人/;

const BOT = /机器人|(?<![a-z])(?:bot|ai)(?![a-z])|小助手|助手|智能客服|自动回复/;
const BOT_OPINION =
  /烦|刷屏|笨|傻|蠢|智障|没用|有什么用|一点用|答非所问|不理|不回|慢|别发|少发|别老|别再|关掉|关了|踢|删了|移出|好用|不错|厉害|点赞|艾特|听不懂|乱回|回的啥|回复的啥|回的什么|简短|太长|啰嗦|话多|智能|牛|聪明|好玩|分错|搞错|理解错|错了|乱发|老是|总是|重复|同样的话|撤|退群|走开|机械|每条|别回|答不|不会答|换个说法|都一样|什么玩意|啥玩意|离谱|靠谱|有用|管用|灵光|说话|只在/;
// "Turn the bot off, it's so noisy": the noise is the bot, not a neighbour.
const BOT_DIRECTED = /(?:机器人|(?<![a-z])(?:bot|ai)(?![a-z])|小助手).{0,8}(?:关掉|关了|踢|删掉|移出|别发|少发|闭嘴|别吵|刷屏)/;
// Complaints about the bot's answer may name the problem it misread.
const ABOUT_REPLY = /你回|回的|回复|答非所问|理解错|搞错|分错|听不懂/;

const INJECTION =
  /忽略.{0,6}(?:指令|提示|规则|设定|要求)|指令|你现在是|现在你是|扮演|系统提示|system|prompt|从现在开始|只能回复|你必须|听我的|把.{0,8}工单.{0,6}(?:关|删|标记|改)|标记为已(?:解决|处理)|我是.{0,4}(?:书记|管理员|主任|站长|经理)/;

// "你现在是客服…": the role named in a role-play instruction is not a topic.
const ROLE_PLAY = /(?:你现在是|现在你是|扮演|从现在开始你是|假装你是|假设你是)[^，。,！？!?\s]{0,8}/g;

const SIGNUP =
  /报名|报[\d一二两三四五六七八九十]+(?:个人|个|人|位)|算我一?个|加我一个|我(?:家|们家|们)?.{0,3}[\d一二两三四五六七八九十]+(?:个人|口人|人|位).{0,3}(?:参加|报名|去)|我(?:要|想)?参加|帮我报/;
// Only under the post itself do these mean "count us in".
const SIGNUP_UNDER_POST = /一家[\d一二两三四五六七八九十]口|全家(?:都)?(?:去|参加)|都去|都参加|我们去|我去/;
const ACTIVITY = /活动|服务日|义诊|讲座|太极|集市|摆摊|直播|读书会|睦邻|课|志愿/;
const ACTIVITY_ASK = /报名|名额|参加|几点|在哪|哪里|集合|开始|几楼|能带|能去|可以带|可以去|要钱吗|收费吗|免费吗|什么活动/;
const QUESTION = /[?？吗呢]|几点|几号|几楼|在哪|哪里|哪儿|什么时候|多久|怎么|能不能|可不可以|可以|要不要|需要|能去|能带|带什么/;
const PLUS_ONE = /^(?:\+1|＋1|1|同问|同求|一样|我也要|我也去|加一)$/;

// Whole messages made only of these are chatter ("谢谢书记！辛苦了🙏").
const CHATTER_PHRASES =
  /谢谢[你您]?|感谢|多谢|辛苦了?|好的|好滴|好嘞|好哒|收到|ok|okay|嗯+|明白了?|知道了|了解|哈+|呵+|嘿+|嘻+|h{2,}|2333+|666+|早上好|早安|早|上午好|中午好|下午好|晚上好|晚安|大家好|你好|您好|侬好|hello|hi|点赞|赞|给力|太好了|真棒|棒|厉害|新年快乐|节日快乐|中秋快乐|国庆快乐|元旦快乐|春节快乐|端午安康|万事如意|身体健康|恭喜发财|恭喜|同意|支持|没问题|是的|对的|好|行|可以/g;
const ADDRESSEES = /[\u4e00-\u9fa5]?书记|大家|各位|邻居们?|物业|老师|师傅们?|楼长|志愿者们?|工作人员|你们|您|群主|亲们?/g;
const PARTICLES = /[啊呀哦噢哈啦呢吧嘛的了都真太很非常也呐哇]/g;
const PUNCT = /[\s\p{P}\p{S}]/gu;

// Praise with no complaint in it ("今天的义诊医生特别耐心 点赞").
const PRAISE = /点赞|真不错|挺好|很好|特别好|太好了|真好|耐心|满意|好评|给力|真棒|感谢|谢谢|辛苦/;
const COMPLAINT = /不|没|坏|差|难|投诉|举报|吵|臭|堵|乱|怎么|吗|[?？]|但|可是|就是|只是|希望|建议|能不能|麻烦/;
// A resident answering that they are on it: "收到 马上下去挪车".
const ON_IT = /^(?:收到|好的|好滴|好嘞|嗯+|ok|行)+[\s,，!！。]*(?:好的|收到)?[\s,，]*我?(?:马上|这就|立刻|现在就|等会儿?|一会儿?|待会儿?)/;
// "修好了，谢谢" closes the loop; "还没修好" does not.
const RESOLVED = /修好了|弄好了|解决了|处理好了|已经好了|恢复了|通了|搞定了/;
const THANKS = /谢谢|感谢|多谢|辛苦|点赞|给力|👍/;
const STILL_OPEN = /但|可是|不过|还是|又|没|怎么|还有/;

// Needs and questions (义诊, 医保卡) are what people ask about activities, so
// only a reported problem stops a message from counting as a sign-up.
const NOT_A_PROBLEM = new Set(['service_request', 'policy_inquiry', 'micro_wish']);

function issueSignals(norm: string): { any: boolean; problem: boolean } {
  const strong = scoreCategories(norm).filter((s) => s.score >= ISSUE_THRESHOLD);
  return { any: strong.length > 0, problem: strong.some((s) => !NOT_A_PROBLEM.has(s.category)) };
}

function isOnlyChatter(norm: string): boolean {
  const residue = stripDecorations(norm)
    .replace(PUNCT, '')
    .replace(CHATTER_PHRASES, '')
    .replace(ADDRESSEES, '')
    .replace(PARTICLES, '')
    .replace(CHATTER_PHRASES, '');
  return residue.length === 0;
}

// Strong ad words count double, contact details double, sales talk once.
function adScore(norm: string): number {
  const strong = new Set(norm.match(STRONG_AD) ?? []).size;
  const weak = new Set(norm.match(WEAK_AD) ?? []).size;
  return strong * 2 + weak + (CONTACT.test(norm) ? 2 : 0);
}

function detectSpam(norm: string): NonIssueMatch | null {
  if (ABOUT_ADS.test(norm)) return null;
  return adScore(norm) >= 4 ? { category: 'spam', reason: 'advert' } : null;
}

function detectSignup(norm: string, ctx: NonIssueContext, problem: boolean): NonIssueMatch | null {
  const bare = stripDecorations(norm).replace(PUNCT, '');
  if (ctx.underServiceDayPost) {
    if (PLUS_ONE.test(bare)) return { category: 'activity_signup', reason: 'plus-one-under-post' };
    if (!problem && (SIGNUP.test(norm) || SIGNUP_UNDER_POST.test(norm))) return { category: 'activity_signup', reason: 'signup-under-post' };
    if (!problem && bare.length <= 25 && QUESTION.test(norm)) return { category: 'activity_signup', reason: 'question-under-post' };
    return null;
  }
  if (problem) return null;
  if (SIGNUP.test(norm)) return { category: 'activity_signup', reason: 'signup' };
  if (ACTIVITY.test(norm) && (ACTIVITY_ASK.test(norm) || /[?？吗]$|可以/.test(norm))) return { category: 'activity_signup', reason: 'activity-question' };
  return null;
}

export function detectNonIssue(text: string, ctx: NonIssueContext = {}): NonIssueMatch | null {
  const norm = normaliseText(text);
  if (detectEmergency(norm)) return null;
  if (isOnlyChatter(norm)) return { category: 'chit_chat', reason: 'greeting-thanks-or-emoji' };

  const spam = detectSpam(norm);
  if (spam) return spam;

  const issue = issueSignals(norm);
  const signup = detectSignup(norm, ctx, issue.problem);
  if (signup) return signup;

  if (BOT_DIRECTED.test(norm) || (BOT.test(norm) && BOT_OPINION.test(norm) && (!issue.any || ABOUT_REPLY.test(norm)))) {
    return { category: 'bot_feedback', reason: 'opinion-about-bot' };
  }
  if (INJECTION.test(norm) && !issueSignals(norm.replace(ROLE_PLAY, '')).any) return { category: 'chit_chat', reason: 'instruction-to-bot' };
  if (RESOLVED.test(norm) && THANKS.test(norm) && !STILL_OPEN.test(norm)) return { category: 'chit_chat', reason: 'thanks-for-fix' };
  if (ON_IT.test(norm.trim())) return { category: 'chit_chat', reason: 'acknowledgement' };
  if (!issue.problem && PRAISE.test(norm) && !COMPLAINT.test(norm.replace(/不错|不客气|不用谢/g, ''))) return { category: 'chit_chat', reason: 'praise' };
  return null;
}
