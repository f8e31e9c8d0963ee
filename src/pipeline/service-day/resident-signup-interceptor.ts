import {
  MAX_SIGNUP_COUNT,
  readResidentMessage,
} from '../../domain/service-day-resident-grammar';
import {
  NOT_SIGNED_UP,
  NO_ACTIVITIES_SIGNUP,
  TOO_MANY,
  alreadySignedUpText,
  answerFromPlan,
  cancelledText,
  fullText,
  signedUpText,
  whichActivityText,
} from '../../domain/service-day-answers';
import { inWindow, signupWindow, type ServiceDayTiming } from '../../domain/service-day-due';
import { nextMonth, planServiceDay, type PlanActivity, type ServicePlan } from '../../domain/service-day-plan';
import { toShanghaiParts } from '../../domain/shanghai-time';
import type { Interceptor } from '../inbound-router';
import type { ServiceDayStores } from './deps';
import { currentMonth } from './months';

export interface ResidentSignupDeps extends Pick<ServiceDayStores, 'plans' | 'signups'> {
  timing: ServiceDayTiming;
}

/**
 * Residents answering the announcement in their group ("报名 2人", "几点开始？"), only
 * between the eve announcement and the end of the compound's service day. Sign-ups are
 * counted against capacity; questions are answered from the plan. Outside the window, or
 * for anything else, returns null and triage takes the message.
 */
export function createResidentSignupInterceptor(deps: ResidentSignupDeps): Interceptor {
  return async (msg, ctx) => {
    const compound = ctx.compound;
    if (msg.kind !== 'text' || ctx.chatRole !== 'residents' || !compound?.active) return null;
    const now = ctx.now();
    const current = await serviceDayNow(deps, compound.code, now);
    if (!current) return null;
    const { plan, serviceDay } = current;
    const activities = plan?.activities ?? [];
    const reading = readResidentMessage(msg.text, { words: activities.flatMap((a) => [a.title, a.place]) });
    if (reading.kind === 'none') return null;

    if (reading.kind === 'question') {
      const taken = await deps.signups.seatsTaken(activities.map((a) => a.id));
      const withSeats = activities.map((a) => ({ ...a, remaining: a.capacity === null ? null : Math.max(0, a.capacity - (taken.get(a.id) ?? 0)) }));
      return { reply: answerFromPlan(reading.topic, serviceDay, withSeats), handledBy: 'service_day.question' };
    }
    if (reading.kind === 'cancel_signup') {
      const cancelled: Array<{ title: string; count: number }> = [];
      for (const a of activities) {
        const count = await deps.signups.cancel(a.id, msg.senderId);
        if (count > 0) cancelled.push({ title: a.title, count });
      }
      return { reply: cancelled.length ? cancelledText(cancelled) : NOT_SIGNED_UP, handledBy: 'service_day.signup_cancel' };
    }

    if (activities.length === 0) return { reply: NO_ACTIVITIES_SIGNUP, handledBy: 'service_day.signup_no_plan' };
    const activity = chooseActivity(activities, msg.text);
    if (!activity) return { reply: whichActivityText(activities), handledBy: 'service_day.signup_which' };
    if (reading.count > MAX_SIGNUP_COUNT) return { reply: TOO_MANY, handledBy: 'service_day.signup_too_many' };
    const outcome = await deps.signups.signUp({ activityId: activity.id, capacity: activity.capacity, userId: msg.senderId, count: reading.count, messageId: msg.id, at: now });
    ctx.log.info({ compound: compound.code, activity: activity.id, outcome: outcome.kind }, 'service-day sign-up');
    switch (outcome.kind) {
      case 'confirmed':
        return { reply: signedUpText(activity, outcome.count, outcome.remaining), handledBy: 'service_day.signup' };
      case 'already':
        return { reply: alreadySignedUpText(activity, outcome.count), handledBy: 'service_day.signup_already' };
      case 'full':
        return { reply: fullText(activity, outcome.remaining, reading.count), handledBy: 'service_day.signup_full' };
    }
  };
}

/**
 * The plan whose sign-up window is open now; a day moved to the 1st opens on the eve, last month.
 * Most of the month no window is open: that takes one read by _id per month looked at.
 */
async function serviceDayNow(deps: ResidentSignupDeps, code: string, now: Date): Promise<{ plan: ServicePlan | null; serviceDay: string } | null> {
  const month = currentMonth(now);
  const months = toShanghaiParts(now).day >= 28 ? [month, nextMonth(month)] : [month];
  for (const m of months) {
    const serviceDay = planServiceDay(m, { movedTo: await deps.plans.movedTo(code, m) });
    if (inWindow(signupWindow(serviceDay, deps.timing), now)) return { plan: await deps.plans.get(code, m), serviceDay };
  }
  return null;
}

/** The activity named in the message; else the only one; else the only one that takes sign-ups. */
function chooseActivity(activities: readonly PlanActivity[], text: string): PlanActivity | null {
  const named = activities.filter((a) => text.includes(a.title));
  if (named.length === 1) return named[0] ?? null;
  if (activities.length === 1) return activities[0] ?? null;
  const limited = activities.filter((a) => a.capacity !== null);
  return limited.length === 1 ? (limited[0] ?? null) : null;
}
