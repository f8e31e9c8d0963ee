import type { Compound } from '../../domain/compound';
import type { Ticket, TicketEvent } from '../../domain/ticket';
import { autoClose, fixCheck } from './fix-check';
import { remind, wake } from './nudges';
import { planTimers, type TimerKind } from './timer-plan';
import { done, later, type TimerCall, type TimerDeps, type TimerResult } from './timer-deps';
import { escalateMissedReportIn, escalateOverdue, tellPreviousOwners } from './whistle';

// Clocks of different hosts drift a little; a job this close to its time is on time.
const EARLY_MS = 1000;

const HANDLERS: Record<TimerKind, (deps: TimerDeps, c: TimerCall) => Promise<TimerResult>> = {
  remind,
  wake,
  due: escalateOverdue,
  report_in: escalateMissedReportIn,
  fix_check: fixCheck,
  auto_close: autoClose,
};

/**
 * Runs one timer job. It re-reads the ticket and acts only if the ticket's current
 * state still calls for exactly this timer (the id encodes the instant or version it
 * is for), so a job left behind by a change is a no-op. A job whose change was saved
 * before it failed finishes that change instead of making another.
 */
export async function runTimer(deps: TimerDeps, job: { id: string; kind: TimerKind; ticketId: string }): Promise<TimerResult> {
  const ticket = await deps.tickets.get(job.ticketId);
  if (!ticket) return done('gone');
  const saved = ticket.history.find((e) => (e.data as { sourceId?: unknown } | undefined)?.sourceId === job.id);
  const timer = planTimers(ticket, deps.policy).find((t) => t.id === job.id && t.kind === job.kind);
  if (!saved && !timer) return done('stale');
  const now = deps.now();
  if (timer && !saved && now.getTime() < timer.at.getTime() - EARLY_MS) return later(timer.at);
  const compound = await deps.compounds.byCode(ticket.compoundCode);
  if (!compound) {
    deps.log.error({ ticket: ticket.ref, compound: ticket.compoundCode }, 'timer for a ticket whose compound is gone');
    return done('no_compound');
  }
  // Only while nothing happened since: the notifier keys its sends by the ticket's current version.
  if (saved) return saved === ticket.history.at(-1) ? finishSaved(deps, job.id, ticket, saved, compound) : done('stale');
  if (!timer) return done('stale');
  return HANDLERS[timer.kind](deps, { jobId: job.id, timer, ticket, compound, now });
}

/** What performAction and the handler would have done after saving. Every send is keyed, so nobody hears it twice. */
async function finishSaved(deps: TimerDeps, jobId: string, t: Ticket, event: TicketEvent, compound: Compound): Promise<TimerResult> {
  await deps.clock.sync(t);
  await deps.notifier.changed({ before: t, after: t, event, compound });
  if (event.action === 'escalate') await tellPreviousOwners(deps, jobId, t, event, compound);
  return done('repeated');
}
