import type { Compound } from '../../domain/compound';
import { nextRung, unitForTier, type Route } from '../../domain/routing';
import { dueAt as slaDueAt, reportInDeadline } from '../../domain/sla';
import type { HandlerTier, Ticket, TicketEvent } from '../../domain/ticket';
import { performAction } from '../staff/ticket-actions';
import { missedReportInNote, overdueAtTopText, overdueNote, reportInOverdueAtTopText } from './texts';
import { actionDeps, done, SLA_ACTOR, type TimerCall, type TimerDeps, type TimerResult } from './timer-deps';

/** The due time passed with the ticket still open: one rung up the whistle ladder. */
export async function escalateOverdue(deps: TimerDeps, c: TimerCall): Promise<TimerResult> {
  const { ticket: t, compound } = c;
  return blowWhistle(deps, c, overdueNote(c.timer.at), async () => {
    await deps.messenger.toUsers(c.jobId, withSecretary(t, compound), overdueAtTopText(t, c.timer.at));
  });
}

/** The unit a whistle was blown to did not report in (报到) in time: up again. */
export async function escalateMissedReportIn(deps: TimerDeps, c: TimerCall): Promise<TimerResult> {
  const { ticket: t, compound } = c;
  return blowWhistle(deps, c, missedReportInNote(t.unitName, c.timer.at), async () => {
    await deps.messenger.toUsers(c.jobId, withSecretary(t, compound), reportInOverdueAtTopText(t, c.timer.at));
  });
}

/**
 * At the top (the street office, or no higher unit registered) there is nowhere to go:
 * its contacts and the secretary are told once, keyed by the timer, and nothing is
 * rescheduled, so it never loops.
 */
async function blowWhistle(deps: TimerDeps, c: TimerCall, note: string, atTop: () => Promise<void>): Promise<TimerResult> {
  const { ticket: t, compound, now } = c;
  const up = nextUnit(t, compound);
  if (!up) {
    await atTop();
    deps.log.warn({ ticket: t.ref, tier: t.tier, timer: c.timer.kind }, 'overdue at the top of the whistle ladder');
    return done('top_notified');
  }
  const { sla, calendar } = deps.policy;
  const out = await performAction(actionDeps(deps), {
    ticketId: t.id,
    compound,
    actorId: SLA_ACTOR,
    actorKind: 'system',
    sourceId: c.jobId,
    now,
    action: {
      type: 'escalate',
      toTier: up.tier,
      assignees: up.assignees,
      unitName: up.unitName,
      watchers: up.watchers,
      note,
      reportInDueAt: reportInDeadline(now, up.tier, calendar),
      // The receiving unit's own SLA runs from the whistle, so its report-in is not already overdue work.
      dueAt: slaDueAt(now, { category: t.category, urgency: t.urgency, tier: up.tier }, sla, calendar),
    },
  });
  if (out.kind !== 'done') {
    deps.log.warn({ ticket: t.ref, outcome: out.kind }, 'automatic escalation not applied');
    return done(`not_escalated_${out.kind}`);
  }
  await tellPreviousOwners(deps, c.jobId, out.ticket, out.event, compound);
  return done('escalated');
}

/** The next rung whose unit this compound has (a missing one is skipped); null at the top. */
export function nextUnit(t: Pick<Ticket, 'tier' | 'category' | 'building'>, compound: Compound): Omit<Route, 'basis' | 'modelTier'> | null {
  let tier: HandlerTier = t.tier;
  for (let to = nextRung(tier, t.category); to; to = nextRung(tier, t.category)) {
    const unit = unitForTier(to, compound, t.building);
    if (unit.tier === to) return unit;
    tier = to;
  }
  return null;
}

/**
 * The notifier tells the group and prompts the new unit; the unit that lost the ticket
 * and the watchers hear why. Read from the event, so a retried job says the same.
 */
export async function tellPreviousOwners(deps: Pick<TimerDeps, 'messenger'>, key: string, after: Ticket, event: TicketEvent, compound: Compound): Promise<void> {
  const fromTier = (event.data as { fromTier?: HandlerTier } | undefined)?.fromTier;
  const previous = fromTier ? unitForTier(fromTier, compound, after.building).assignees : [];
  const to = [...new Set([...previous, ...after.watchers])].filter((u) => !after.assignees.includes(u));
  await deps.messenger.toUsers(`${key}-prev`, to, `#${after.ref} ${event.note ?? '已自动上报'}，现由${after.unitName}处理。`);
}

function withSecretary(t: Ticket, compound: Compound): string[] {
  return [...new Set([...t.assignees, compound.secretary])];
}
