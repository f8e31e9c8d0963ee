import { reminderText, wakeText } from './texts';
import { effectiveDue, isQuietHour, outOfQuietHours } from './timer-plan';
import { done, later, type TimerCall, type TimerDeps, type TimerResult } from './timer-deps';

/** A reminder before the due time; one that wakes at night (a late job) waits for the morning, or is dropped if due comes first. */
export async function remind(deps: TimerDeps, c: TimerCall): Promise<TimerResult> {
  const due = effectiveDue(c.ticket, deps.policy);
  if (!due || c.now >= due) return done('past_due');
  if (isQuietHour(c.now)) {
    const morning = outOfQuietHours(c.now);
    return morning < due ? later(morning) : done('night_dropped');
  }
  await deps.messenger.toUsers(c.jobId, c.ticket.assignees, reminderText(c.ticket, due));
  return done('reminded');
}

/** The snooze is over: the owners get the ticket's prompt again. */
export async function wake(deps: TimerDeps, c: TimerCall): Promise<TimerResult> {
  if (isQuietHour(c.now)) return later(outOfQuietHours(c.now));
  await deps.messenger.prompt(c.ticket, '推迟到期', wakeText(c.ticket, effectiveDue(c.ticket, deps.policy)), c.jobId);
  return done('woken');
}
