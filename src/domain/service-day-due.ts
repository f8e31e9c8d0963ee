import { serviceDaySchedule, type ServiceDayHours, type ServiceDaySchedule } from './service-day';
import { monthKey, type MonthKey } from './service-day-plan';
import { addShanghaiDays, parseDayKey, shanghaiDate, shanghaiDayKey, toShanghaiParts } from './shanghai-time';

export type AnnounceStep = 'eve' | 'day';
export type DayStep = AnnounceStep | 'summary';

export interface ServiceDayTiming {
  /** Day of the month on which secretaries without a plan are reminded. */
  remindDay: number;
  hours: Required<ServiceDayHours>;
  /** Minutes after a group-send task at which its owner is reminded to confirm it. */
  ownerReminderMinutes: readonly number[];
}

export const DEFAULT_TIMING: ServiceDayTiming = {
  remindDay: 1,
  hours: { planReminderHour: 9, eveAnnouncementHour: 19, morningAnnouncementHour: 8, summaryRequestHour: 20 },
  ownerReminderMinutes: [30, 90],
};

/** A morning announcement sent late still helps until noon, or until the last activity starts. */
const DAY_ANNOUNCEMENT_UNTIL_HOUR = 12;
/** The secretary can still be asked for a summary this many days after the day. */
export const SUMMARY_GRACE_DAYS = 3;

export interface Window {
  from: Date;
  until: Date;
}

export function scheduleOf(serviceDay: string, timing: ServiceDayTiming): ServiceDaySchedule {
  const { year, month } = parseDayKey(serviceDay);
  return serviceDaySchedule(year, month, { plan: { movedTo: serviceDay }, hours: timing.hours, remindDay: timing.remindDay });
}

/**
 * When a step for a compound's service day makes sense. A step missed while everything was
 * down still runs inside its window; after it, sending would only confuse.
 */
export function stepWindow(step: DayStep, serviceDay: string, timing: ServiceDayTiming, lastActivityStart?: Date | null): Window {
  const s = scheduleOf(serviceDay, timing);
  const { year, month, day } = parseDayKey(serviceDay);
  switch (step) {
    case 'eve':
      return { from: s.eveAnnouncementAt, until: s.morningAnnouncementAt };
    case 'day': {
      const noon = shanghaiDate(year, month, day, DAY_ANNOUNCEMENT_UNTIL_HOUR);
      const until = lastActivityStart && lastActivityStart > noon ? lastActivityStart : noon;
      return { from: s.morningAnnouncementAt, until };
    }
    case 'summary':
      return { from: s.summaryRequestAt, until: shanghaiDate(year, month, day + 1 + SUMMARY_GRACE_DAYS) };
  }
}

/** Residents' sign-ups and questions are taken from the eve announcement to the end of the day. */
export function signupWindow(serviceDay: string, timing: ServiceDayTiming): Window {
  const { year, month, day } = parseDayKey(serviceDay);
  return { from: scheduleOf(serviceDay, timing).eveAnnouncementAt, until: shanghaiDate(year, month, day + 1) };
}

export function inWindow(w: Window, now: Date): boolean {
  return now >= w.from && now < w.until;
}

/**
 * The service days whose `step` may be due now: a sweep fans out to the compounds holding
 * their day on one of these. The 'day' window is taken at its widest (to the end of the
 * day); each compound's job checks its own plan.
 */
export function dueServiceDays(step: DayStep, now: Date, timing: ServiceDayTiming): string[] {
  const out: string[] = [];
  for (let offset = -(SUMMARY_GRACE_DAYS + 1); offset <= 1; offset++) {
    const day = shanghaiDayKey(addShanghaiDays(now, offset));
    const w = step === 'day' ? { from: stepWindow('day', day, timing).from, until: signupWindow(day, timing).until } : stepWindow(step, day, timing);
    if (inWindow(w, now)) out.push(day);
  }
  return out;
}

/** Plan reminders run from the remind day until the eve of the month's 7th. */
export function planReminderWindow(month: MonthKey, timing: ServiceDayTiming): Window {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const s = serviceDaySchedule(y, m, { hours: timing.hours, remindDay: timing.remindDay });
  return { from: s.planReminderAt, until: s.eveAnnouncementAt };
}

/** The month whose plan reminders are due now, if any. */
export function duePlanReminderMonth(now: Date, timing: ServiceDayTiming): MonthKey | null {
  const p = toShanghaiParts(now);
  const month = monthKey(p.year, p.month);
  return inWindow(planReminderWindow(month, timing), now) ? month : null;
}

/** When the owner of a group-send task created at `taskAt` is reminded the n-th time (1-based). */
export function ownerReminderAt(taskAt: Date, n: number, timing: ServiceDayTiming): Date | null {
  const minutes = timing.ownerReminderMinutes[n - 1];
  return minutes === undefined ? null : new Date(taskAt.getTime() + minutes * 60_000);
}
