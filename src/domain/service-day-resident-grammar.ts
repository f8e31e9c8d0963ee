import { NUMBER, normalizeChat, parseNumber } from './service-day-numbers';

export type QuestionTopic = 'time' | 'place' | 'bring' | 'quota' | 'what';

export type ResidentReading =
  | { kind: 'signup'; count: number }
  | { kind: 'cancel_signup' }
  | { kind: 'question'; topic: QuestionTopic }
  | { kind: 'none' };

export interface ResidentReadingContext {
  /** Titles and places of the day's activities: a question naming one is about the service day. */
  words?: readonly string[];
}

/** A single sign-up above this is a group booking: the secretary arranges it, not the bot. */
export const MAX_SIGNUP_COUNT = 10;

const CANCEL = /取消报名|不报名了|退出报名|报名取消|不去了|去不了了?|不参加了|参加不了/;
const ASKS = /[?吗呢]|几|哪|什么|啥|多少|怎么|如何|能不能|可不可以|是不是/;
const SIGNUP = /报名|报个名|算我|(?:我|我们|我家|俺家|全家|一家)[^,。!?]{0,4}(?:要|想)?(?:参加|参与)(?!过)/;
const PLUS = new RegExp(`^\\+\\s*(${NUMBER})?$`);
const COUNT = new RegExp(`(${NUMBER})\\s*(?:个人|人|口|位|名|个)`);
const TOPICS: ReadonlyArray<[QuestionTopic, RegExp]> = [
  ['quota', /名额|还能报|还可以报|满了|还有位|报满|人数/],
  ['bring', /带什么|要带|需要带|携带|准备什么|带啥/],
  ['place', /在哪|哪里|哪儿|地点|什么地方|啥地方|哪个位置/],
  ['time', /几点|什么时候|啥时候|时间|几号|哪天|多久/],
  ['what', /什么活动|有什么|有啥|安排|内容|干什么|做什么|搞什么/],
];
const ABOUT_SERVICE_DAY = /活动|服务日|睦邻|报名/;
// Residents also ask about outages and repairs in the same days; those go to triage.
const PROBLEM = /停水|停电|电梯|漏水|维修|报修|坏了|垃圾|快递|物业费|停车|噪音|装修|投诉/;
const SHORT_QUESTION_CHARS = 12;

/**
 * A resident's message under the service-day announcement: a sign-up ("报名 2人",
 * "我家3口参加", "+1"), its cancellation, or a question the plan answers ("几点开始？").
 * A question must name the day's activity or be a short bare question, so "停水到几点？"
 * still reaches triage.
 */
export function readResidentMessage(raw: string, ctx: ResidentReadingContext = {}): ResidentReading {
  const text = normalizeChat(raw);
  if (text === '' || PROBLEM.test(text)) return { kind: 'none' };
  if (CANCEL.test(text)) return { kind: 'cancel_signup' };
  const plus = PLUS.exec(text.replace(/\s*(?:报名)?[!！。]*$/, ''));
  if (plus) return { kind: 'signup', count: plus[1] === undefined ? 1 : (parseNumber(plus[1]) ?? 1) };

  const asks = ASKS.test(text);
  const topic = TOPICS.find(([, re]) => re.test(text))?.[0];
  const mentionsDay = ABOUT_SERVICE_DAY.test(text) || (ctx.words ?? []).some((w) => w !== '' && text.includes(w));
  if (asks && topic && (mentionsDay || text.replace(/[\s?!。,]/g, '').length <= SHORT_QUESTION_CHARS)) return { kind: 'question', topic };
  if (asks && /报名/.test(text)) return { kind: 'question', topic: 'quota' };
  if (SIGNUP.test(text) && !asks) return { kind: 'signup', count: countIn(text) };
  return { kind: 'none' };
}

function countIn(text: string): number {
  const m = COUNT.exec(text);
  const n = m?.[1] === undefined ? null : parseNumber(m[1]);
  return n !== null && n > 0 ? n : 1;
}
