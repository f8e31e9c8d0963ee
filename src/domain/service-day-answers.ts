import type { QuestionTopic } from './service-day-resident-grammar';
import { activityLine, clock, dayLabel, type ActivityFacts } from './service-day-text';

export interface ActivityWithSeats extends ActivityFacts {
  /** Places left; null when the activity has no limit. */
  remaining: number | null;
}

/** A resident's question answered from the plan, shortest useful form first. */
export function answerFromPlan(topic: QuestionTopic, serviceDay: string, activities: readonly ActivityWithSeats[]): string {
  if (activities.length === 0) return `本月服务日是${dayLabel(serviceDay)}，具体活动还在安排中，请留意支部通知。`;
  const each = (f: (a: ActivityWithSeats) => string) => activities.map(f).join('；');
  switch (topic) {
    case 'time':
      return `${dayLabel(serviceDay)}：${each((a) => `${a.title} ${clock(a.startsAt)} 开始`)}。`;
    case 'place':
      return `${each((a) => `${a.title}在${a.place}`)}（${dayLabel(serviceDay)} ${each((a) => clock(a.startsAt))}）。`;
    case 'bring': {
      const needs = activities.filter((a) => a.bring);
      if (needs.length === 0) return '不需要特别准备，人来就行。';
      return `${needs.map((a) => `${a.title}请带${a.bring}`).join('；')}。`;
    }
    case 'quota': {
      const limited = activities.filter((a) => a.capacity !== null);
      if (limited.length === 0) return '本次活动不限人数，欢迎直接参加。';
      return `${limited.map((a) => (a.remaining === 0 ? `${a.title}名额已满` : `${a.title}还剩${a.remaining ?? a.capacity}个名额`)).join('；')}。`;
    }
    case 'what':
      return `${dayLabel(serviceDay)}睦邻服务日安排：${each((a) => activityLine(a, { remaining: a.remaining }))}。`;
  }
}

export function signedUpText(a: ActivityFacts, count: number, remaining: number | null): string {
  const left = remaining === null ? '' : `，还剩${remaining}个名额`;
  return `已为您报名：${clock(a.startsAt)} ${a.title}，${count}人${left}。如需取消，请说“取消报名”。`;
}

export function alreadySignedUpText(a: ActivityFacts, count: number): string {
  return `您已报名${a.title}（${count}人）。如需更改人数，请先说“取消报名”，再重新报名。`;
}

export function fullText(a: ActivityFacts, remaining: number, wanted: number): string {
  if (remaining === 0) return `抱歉，${a.title}名额已满（共${a.capacity ?? 0}人）。欢迎到现场看看，或留意下次服务日的活动。`;
  return `抱歉，${a.title}只剩${remaining}个名额，不够${wanted}人。如报${remaining}人，请说“报名 ${remaining}人”。`;
}

export function whichActivityText(activities: readonly ActivityFacts[]): string {
  return `本次有${activities.length}项活动：${activities.map((a) => a.title).join('、')}。请说明报名哪一项，比如“报名 ${activities[0]?.title ?? ''} 2人”。`;
}

export const TOO_MANY = '一次报名人数较多，请直接联系支部书记安排。';
export const NO_ACTIVITIES_SIGNUP = '本月服务日的具体活动还在安排中，暂时不需要报名，欢迎当天直接参加。';
export const NOT_SIGNED_UP = '没有找到您的报名记录。';

export function cancelledText(items: ReadonlyArray<{ title: string; count: number }>): string {
  return `已取消您的报名（${items.map((i) => `${i.title} ${i.count}人`).join('，')}）。`;
}
