import { CATEGORY_NAME_ZH, type Category } from '../../domain/labels';

// What the group reads. Short, public, no personal data, in the voice of a helpful
// neighbour; the bot never pretends to be a person.

const SHORT_NAME: Partial<Record<Category, string>> = {
  illegal_parking: '违停',
  illegal_construction: '违建',
  green_occupation: '毁绿占绿',
  garbage: '垃圾卫生',
  neighbor_dispute: '邻里纠纷',
  micro_wish: '微心愿',
  emergency: '紧急险情',
};

export function categoryLabel(category: Category): string {
  return SHORT_NAME[category] ?? CATEGORY_NAME_ZH[category].split(' / ')[0] ?? CATEGORY_NAME_ZH[category];
}

export interface TicketSummaryForAnswer {
  ref: string;
  category: Category;
  place: string | null;
  summary: string;
  unitName: string;
  dueText: string | null;
}

/** "已登记 #YX0315-0042【违停】3栋东侧消防通道有车，已转宜城街道联合执法站，预计 4 小时内处理。" */
export function ticketOpened(t: TicketSummaryForAnswer): string {
  const due = t.dueText ? `，预计 ${t.dueText}处理` : '';
  return `已登记 #${t.ref}【${categoryLabel(t.category)}】${describe(t.summary, t.place)}，已转${t.unitName}${due}。`;
}

/** The summary without a "3栋·违停：" head (the category is already in 【】), with the place in front. */
function describe(summary: string, place: string | null): string {
  const body = summary.replace(/^[^：:]{0,16}[·•][^：:]{0,12}[：:]/, '').replace(/^[^：:]{0,8}[：:]/, '');
  return place && !body.includes(place) ? `${place}${body}` : body;
}

export function alreadyReported(ref: string): string {
  return `已有人反映（#${ref}），已为您关注，进展会在群里通知。`;
}

export function emergencyAnswer(ref: string | null, kind: string): string {
  const call = kind === 'injury' || kind === 'medical' ? '请立即拨打 120' : kind === 'violence' ? '请立即拨打 110' : '请立即拨打 119';
  const numbers = '（火警 119、急救 120、报警 110）';
  const tail = ref ? `已登记紧急工单 #${ref}，正在通知书记和街道。` : '正在通知书记和街道。';
  return `⚠️ ${call}${numbers}，注意自身安全，远离危险。${tail}`;
}

export function clarifyQuestion(question: string | null, missing: 'place' | 'problem'): string {
  if (question) return question;
  return missing === 'place' ? '请问具体是几栋、哪个位置？' : '请问具体是什么情况？说一下位置和问题就好。';
}

export const NON_ISSUE_ANSWERS: Record<'chit_chat' | 'spam' | 'bot_feedback' | 'activity_signup', string> = {
  chit_chat: '您好～我是睦邻小助手。小区里遇到问题，随时@我说明位置和情况。',
  spam: '本群只受理小区事务，广告信息不做处理。',
  bot_feedback: '谢谢您的意见，我们会改进。有具体问题也可以直接@我。',
  activity_signup: '收到～活动报名和咨询请以支部发布的通知为准，稍后会有工作人员回复您。',
};

export const UNREGISTERED_GROUP = '本群还没有登记为小区群，暂时无法受理。请联系社区工作人员开通。';
export const INACTIVE_COMPOUND = '本小区的线上受理暂停中，有急事请直接联系小区党支部。';
export const EMPTY_MENTION = '您好，我是睦邻小助手。有问题请@我直接说，比如“3栋楼道灯坏了”。';

/** "24 小时内" / "2 个工作日内", from the SLA rule that set the due time. */
export function dueTextFor(deadline: { hours: number; basis: 'calendar' | 'working' }, workdayHours = 8): string {
  if (deadline.basis === 'calendar') {
    return deadline.hours <= 48 ? `${deadline.hours} 小时内` : `${Math.round(deadline.hours / 24)} 天内`;
  }
  const days = deadline.hours / workdayHours;
  return Number.isInteger(days) ? `${days} 个工作日内` : `${deadline.hours} 个工作小时内`;
}

/** Someone stuck in a lift, nobody hurt: the ticket plus what to do right now. */
export const LIFT_TRAPPED_ADVICE = '如有人被困，请按电梯里的紧急呼叫按钮或拨打轿厢内张贴的救援电话，不要强行扒门。';

export function isLiftTrapped(category: Category, urgency: string, text: string): boolean {
  return category === 'facility_repair' && urgency === 'high' && /电梯|电悌|轿厢/.test(text) && /困|关在|出不来|卡住/.test(text);
}

const THANKS = /谢|感谢|辛苦|多亏|点赞|👍|🙏/;

/** The answer to a message that opens no ticket; thanks get a "you're welcome". */
export function nonIssueAnswer(category: string, text: string): string {
  if (category === 'chit_chat' && THANKS.test(text)) return '不客气～小区里遇到问题，随时@我说一声。';
  return category in NON_ISSUE_ANSWERS ? NON_ISSUE_ANSWERS[category as keyof typeof NON_ISSUE_ANSWERS] : NON_ISSUE_ANSWERS.chit_chat;
}
