import type { AnnounceStep } from './service-day-due';
import type { PlanActivity } from './service-day-plan';
import { parseDayKey, toShanghaiParts, weekdayOf } from './shanghai-time';

export const SERVICE_DAY_NAME = '宜七来·睦邻服务日';
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'] as const;

export type ActivityFacts = Pick<PlanActivity, 'startsAt' | 'place' | 'title' | 'bring' | 'capacity'>;

/** "10月7日（星期二）" */
export function dayLabel(serviceDay: string): string {
  const { month, day } = parseDayKey(serviceDay);
  return `${month}月${day}日（星期${WEEKDAYS[weekdayOf(serviceDay)] ?? ''}）`;
}

export function clock(d: Date): string {
  const p = toShanghaiParts(d);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

function dateOf(d: Date): string {
  const p = toShanghaiParts(d);
  return `${p.month}月${p.day}日`;
}

/** "09:00 南门广场 义诊（限30人，请带身份证）"; `remaining` adds the places left. */
export function activityLine(a: ActivityFacts, opts: { withDate?: boolean; remaining?: number | null } = {}): string {
  const notes: string[] = [];
  if (a.capacity !== null) notes.push(opts.remaining === undefined || opts.remaining === null ? `限${a.capacity}人` : `还剩${opts.remaining}个名额`);
  if (a.bring) notes.push(`请带${a.bring}`);
  const when = opts.withDate ? `${dateOf(a.startsAt)} ${clock(a.startsAt)}` : clock(a.startsAt);
  return `${when} ${a.place} ${a.title}${notes.length ? `（${notes.join('，')}）` : ''}`;
}

export interface AnnouncementInput {
  compoundName: string;
  serviceDay: string;
  step: AnnounceStep;
  activities: readonly ActivityFacts[];
  /** The public holiday the day falls in ("国庆节"), if any: the day still takes place. */
  holidayName: string | null;
  /** Internal groups: residents @ the bot in the group to sign up or ask. */
  repliesInGroup: boolean;
}

function opening(i: AnnouncementInput): string {
  const when = `${i.step === 'eve' ? '明天' : '今天'} ${dayLabel(i.serviceDay)}`;
  const holiday = i.holidayName ? `适逢${i.holidayName}假期，活动照常举行。` : '';
  return `${when}是本月的“${SERVICE_DAY_NAME}”。${holiday}`;
}

function howToJoin(i: AnnouncementInput): string {
  const signups = i.activities.some((a) => a.capacity !== null);
  if (!i.repliesInGroup) return signups ? '需要报名的活动，请回复群主或联系楼栋长报名。' : '欢迎大家按时参加。';
  return signups ? '报名请在群里 @我 说“报名 2人”；有疑问也可以 @我，比如“几点开始？”“在哪里？”' : '欢迎大家按时参加，有疑问请在群里 @我。';
}

const DEFAULT_BODY = '支部正在安排本月的服务活动，具体内容请留意群内通知；有什么需要，也欢迎告诉我们。';

/** Markdown for a push webhook (internal groups). */
export function announcementMarkdown(i: AnnouncementInput): string {
  const head = `**${SERVICE_DAY_NAME}｜${i.compoundName}**`;
  if (i.activities.length === 0) return [head, opening(i), DEFAULT_BODY].join('\n');
  const lines = i.activities.map((a) => `> ${activityLine(a)}`);
  return [head, `${opening(i)}活动安排：`, ...lines, howToJoin(i)].join('\n');
}

/** Plain text for a customer-group task, which takes no markdown. */
export function announcementText(i: AnnouncementInput): string {
  const head = `【${SERVICE_DAY_NAME}】${i.compoundName}`;
  if (i.activities.length === 0) return [head, opening(i), DEFAULT_BODY].join('\n');
  return [head, `${opening(i)}活动安排：`, ...i.activities.map((a) => `· ${activityLine(a)}`), howToJoin(i)].join('\n');
}

export const PLAN_EXAMPLE = '“7号上午9点 南门广场 义诊 可报名30人”';

export function planReminderText(compoundName: string, serviceDay: string, holidayName: string | null): string {
  const holiday = holidayName ? `（${holidayName}假期，活动照常）` : '';
  return (
    `【${SERVICE_DAY_NAME}】本月服务日是${dayLabel(serviceDay)}${holiday}，${compoundName}还没有登记活动安排。` +
    `直接回复活动即可登记，比如${PLAN_EXAMPLE}；如需改期，回复“本月服务日改到8号”。`
  );
}

/** "已登记：10月7日 09:00 南门广场 义诊（限30人）。回复“取消”可撤销。" */
export function registeredText(activities: readonly ActivityFacts[]): string {
  const lines = activities.map((a) => activityLine(a, { withDate: true }));
  if (lines.length === 1) return `已登记：${lines[0] ?? ''}。回复“取消”可撤销。`;
  return `已登记：\n${lines.join('\n')}\n回复“取消”可撤销。`;
}

export function movedText(serviceDay: string, alreadyAnnounced: boolean): string {
  const warn = alreadyAnnounced ? '注意：原定日期的通知已经发到群里，请在群里说明改期。' : '';
  return `已登记：本月服务日改到${dayLabel(serviceDay)}，通知和提醒会按新日期发出。${warn}回复“取消”可撤销。`;
}

export interface SignupFigure {
  title: string;
  signedUp: number;
  capacity: number | null;
}

export function summaryRequestText(compoundName: string, serviceDay: string, figures: readonly SignupFigure[]): string {
  const counted = figures.filter((f) => f.signedUp > 0 || f.capacity !== null);
  const signups = counted.length ? `报名情况：${counted.map((f) => `${f.title} ${f.signedUp}${f.capacity === null ? '' : `/${f.capacity}`}人`).join('，')}。` : '';
  return `${dayLabel(serviceDay)}的睦邻服务日辛苦了！${signups}请用一句话总结${compoundName}今天的活动（来了多少居民、办成了什么），回复“总结：……”即可，会写进本月月报。`;
}

export function ownerReminderText(compoundName: string, serviceDay: string, step: AnnounceStep): string {
  const which = step === 'eve' ? '服务日预告' : '服务日当天通知';
  return `提醒：${compoundName}${dayLabel(serviceDay)}的${which}已生成群发任务，请在企业微信“客户群群发”里确认发送。发好后回复“已群发”，就不再提醒。`;
}

/** When the bot cannot post itself: the text goes to a person who can. */
export function manualPostText(compoundName: string, why: 'no_webhook' | 'no_chat_id', text: string): string {
  const reason = why === 'no_webhook' ? '小区群没有配置消息推送' : '没有登记小区客户群的群ID';
  return `${compoundName}的${SERVICE_DAY_NAME}通知（${reason}，机器人无法直接发到群里），请转发到小区群：\n\n${text}`;
}
