import type { Compound } from '../../domain/compound';
import type { Ticket } from '../../domain/ticket';
import { performAction } from '../staff/ticket-actions';
import { AUTO_CLOSE_REASON, AUTO_CLOSE_SOME_CONFIRMED, fixCheckQuestion, NOBODY_TO_ASK_REASON } from './texts';
import { isQuietHour, outOfQuietHours } from './timer-plan';
import { actionDeps, done, FIX_CHECK_ACTOR, later, type TimerCall, type TimerDeps, type TimerResult } from './timer-deps';

const EARLY_MS = 1000;

/** Resolved a while ago: ask the reporters whether it is really fixed. */
export async function fixCheck(deps: TimerDeps, c: TimerCall): Promise<TimerResult> {
  if (isQuietHour(c.now)) return later(outOfQuietHours(c.now));
  return done(await askReporters(deps, c.ticket, c.compound, c.now, c.jobId));
}

/**
 * Nobody answered in time: close. If the question never went out (its job failed or
 * is still waiting), it goes out now and the full wait starts over, so no ticket
 * closes without residents having been asked.
 */
export async function autoClose(deps: TimerDeps, c: TimerCall): Promise<TimerResult> {
  const round = await deps.fixChecks.round(c.ticket.id, c.ticket.version);
  if (round.length === 0) {
    if (isQuietHour(c.now)) return later(outOfQuietHours(c.now));
    const asked = await askReporters(deps, c.ticket, c.compound, c.now, c.jobId);
    return asked === 'asked' ? later(new Date(c.now.getTime() + deps.policy.autoCloseDelayMs)) : done(asked);
  }
  const closeAt = Math.min(...round.map((r) => r.askedAt.getTime())) + deps.policy.autoCloseDelayMs;
  if (c.now.getTime() < closeAt - EARLY_MS) return later(new Date(closeAt));
  const reason = round.some((r) => r.answer === 'fixed') ? AUTO_CLOSE_SOME_CONFIRMED : AUTO_CLOSE_REASON;
  return done(await closeResolved(deps, c.ticket, c.compound, reason, c.jobId, c.now));
}

/** Everyone who reported it except whoever resolved it; closes at once when that leaves nobody. */
export async function askReporters(deps: TimerDeps, t: Ticket, compound: Compound, now: Date, sourceId: string): Promise<string> {
  const resolver = [...t.history].reverse().find((e) => e.action === 'resolve')?.actor.userId ?? null;
  const users = [...new Set(t.reporters.map((r) => r.userId))].filter((u) => u !== resolver);
  if (users.length === 0) return closeResolved(deps, t, compound, NOBODY_TO_ASK_REASON, sourceId, now);
  await deps.fixChecks.ask({ ticketId: t.id, version: t.version, compoundCode: t.compoundCode, userIds: users, at: now });
  await deps.messenger.askFixed(t, users, `fixcheck-${t.id}-v${t.version}`, fixCheckQuestion(t));
  deps.log.info({ ticket: t.ref, reporters: users.length }, 'fix check asked');
  return 'asked';
}

export async function closeResolved(
  deps: Pick<TimerDeps, 'tickets' | 'notifier' | 'clock' | 'log' | 'fixChecks'>,
  t: Ticket,
  compound: Compound,
  reason: string,
  sourceId: string,
  now: Date,
): Promise<string> {
  const out = await performAction(actionDeps(deps), { ticketId: t.id, compound, actorId: FIX_CHECK_ACTOR, actorKind: 'system', action: { type: 'close', reason }, sourceId, now });
  await deps.fixChecks.closeRound(t.id, t.version);
  if (out.kind !== 'done') deps.log.warn({ ticket: t.ref, outcome: out.kind }, 'automatic close not applied');
  return out.kind === 'done' ? 'closed' : `not_closed_${out.kind}`;
}
