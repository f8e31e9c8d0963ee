import { dueAt as slaDueAt, reminderTimes, type SlaRule } from '../../domain/sla';
import { shanghaiDate, toShanghaiParts } from '../../domain/shanghai-time';
import type { Ticket, TicketEvent, TicketStatus } from '../../domain/ticket';
import type { WorkCalendar } from '../../domain/work-calendar';
import { jobId } from '../../queues/names';

export const TIMER_KINDS = ['remind', 'due', 'wake', 'report_in', 'fix_check', 'auto_close'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

export function isTimerKind(name: string): name is TimerKind {
  return (TIMER_KINDS as readonly string[]).includes(name);
}

export interface Timer {
  kind: TimerKind;
  at: Date;
  /** Derived from the ticket and the instant (or version) it is for: the same state always gives the same id. */
  id: string;
  /** Scheduled even when its time has passed: a missed escalation or close still happens, a missed reminder does not. */
  catchUp: boolean;
}

export interface ClockPolicy {
  sla: readonly SlaRule[];
  calendar: WorkCalendar;
  /** From resolving to asking the reporters "is it really fixed?". */
  fixCheckDelayMs: number;
  /** From asking to closing when nobody answers. */
  autoCloseDelayMs: number;
}

const WORKING: readonly TicketStatus[] = ['new', 'accepted', 'in_progress', 'transferred', 'reopened'];
const JOB_PREFIX: Record<TimerKind, string> = {
  remind: 'tclock-remind',
  due: 'tclock-due',
  wake: 'tclock-wake',
  report_in: 'tclock-reportin',
  fix_check: 'tclock-fix',
  auto_close: 'tclock-close',
};

/** Every timer the ticket's current state calls for, past ones included; the queue adapter decides what to add. */
export function planTimers(t: Ticket, p: ClockPolicy): Timer[] {
  if (WORKING.includes(t.status)) return working(t, p);
  if (t.status === 'escalated') return t.reportInDueAt ? [atInstant('report_in', t, t.reportInDueAt, true)] : [];
  if (t.status === 'resolved' && t.resolvedAt) {
    // Keyed by version: the resolved ticket changes only by leaving 'resolved', so one version = one resolution.
    const ask = outOfQuietHours(new Date(t.resolvedAt.getTime() + p.fixCheckDelayMs));
    return [
      { kind: 'fix_check', at: ask, id: jobId(JOB_PREFIX.fix_check, `${t.id}-v${t.version}`), catchUp: true },
      { kind: 'auto_close', at: new Date(ask.getTime() + p.autoCloseDelayMs), id: jobId(JOB_PREFIX.auto_close, `${t.id}-v${t.version}`), catchUp: true },
    ];
  }
  return [];
}

function working(t: Ticket, p: ClockPolicy): Timer[] {
  const timers: Timer[] = [];
  if (t.snoozedUntil) timers.push(atInstant('wake', t, t.snoozedUntil, true));
  const due = effectiveDue(t, p);
  if (!due) return timers;
  for (const r of reminderTimes(restartedAt(t), due)) timers.push(atInstant('remind', t, r, false));
  timers.push(atInstant('due', t, due, true));
  return timers;
}

function atInstant(kind: TimerKind, t: Ticket, at: Date, catchUp: boolean): Timer {
  return { kind, at, id: jobId(JOB_PREFIX[kind], `${t.id}-${at.getTime()}`), catchUp };
}

function restarts(e: TicketEvent): boolean {
  return e.action === 'reopen' || e.action === 'transfer' || e.action === 'escalate' || e.action === 'report_in' || (e.action === 'accept' && e.from === 'escalated');
}

/** When the current owner's countdown began: opening, the last hand-over, report-in or reopen, or the end of a snooze. */
export function restartedAt(t: Ticket): Date {
  let at = t.createdAt.getTime();
  for (const e of t.history) if (restarts(e)) at = Math.max(at, e.at.getTime());
  if (t.snoozedUntil) at = Math.max(at, t.snoozedUntil.getTime());
  return new Date(at);
}

/**
 * The instant the due escalation is for. `dueAt` itself, unless it passed before the
 * countdown restarted (a snooze that outlasted it, a reopen or hand-over that kept the
 * old time): escalating the moment a unit gets a ticket would give it no chance, so
 * it gets a fresh SLA period from the restart instead.
 */
export function effectiveDue(t: Ticket, p: ClockPolicy): Date | null {
  if (!t.dueAt) return null;
  const from = restartedAt(t);
  if (t.dueAt > from) return t.dueAt;
  return slaDueAt(from, { category: t.category, urgency: t.urgency, tier: t.tier }, p.sla, p.calendar);
}

const NIGHT_START_HOUR = 22;
const NIGHT_END_HOUR = 7;
const MORNING_HOUR = 8;

/** Same night rule as reminderTimes: 22:00-07:00 Shanghai. */
export function isQuietHour(d: Date): boolean {
  const { hour } = toShanghaiParts(d);
  return hour >= NIGHT_START_HOUR || hour < NIGHT_END_HOUR;
}

/** A time at night moves to 08:00 the next morning; residents are not messaged at night. */
export function outOfQuietHours(d: Date): Date {
  const p = toShanghaiParts(d);
  if (p.hour >= NIGHT_START_HOUR) return shanghaiDate(p.year, p.month, p.day + 1, MORNING_HOUR);
  if (p.hour < NIGHT_END_HOUR) return shanghaiDate(p.year, p.month, p.day, MORNING_HOUR);
  return d;
}
