import type { Compound } from '../../domain/compound';
import { dueAt as slaDueAt } from '../../domain/sla';
import type { Ticket } from '../../domain/ticket';
import type { FixCheck } from '../../store/fix-check-repo';
import type { PipelineResult } from '../handle-inbound';
import { performAction } from '../staff/ticket-actions';
import { closeResolved } from './fix-check';
import type { FixAnswer } from './fix-check-keys';
import { answerReply, CONFIRMED_REASON, reopenNote, unsureText } from './texts';
import { actionDeps, FIX_CHECK_ACTOR, type TimerDeps } from './timer-deps';

export type FixAnswerDeps = Omit<TimerDeps, 'now'>;

export interface GivenAnswer {
  record: FixCheck;
  /** As just re-read; may already be reopened when a retried job replays the answer that reopened it. */
  ticket: Ticket;
  compound: Compound;
  answer: FixAnswer;
  /** The resident's own words after the answer. */
  rest: string;
  text: string;
  messageId: string;
  now: Date;
}

/**
 * 没解决 reopens the ticket at once with the resident's words (the notifier prompts the
 * owner) and a fresh due time; 不清楚 asks the owner to check on site; the ticket closes
 * when every reporter asked has answered and at least one confirmed it.
 */
export async function applyFixAnswer(deps: FixAnswerDeps, a: GivenAnswer): Promise<PipelineResult> {
  const { record, ticket: t, compound, now } = a;
  const saved = await deps.fixChecks.answer(record.id, { answer: a.answer, text: a.text, messageId: a.messageId, at: now });
  if (!saved || (!saved.open && saved.messageId !== a.messageId)) return { reply: answerReply.stale(t), handledBy: 'fixcheck.stale' };

  if (a.answer === 'not_fixed') {
    const dueAt = slaDueAt(now, { category: t.category, urgency: t.urgency, tier: t.tier }, deps.policy.sla, deps.policy.calendar);
    const out = await performAction(actionDeps(deps), {
      ticketId: t.id,
      compound,
      actorId: FIX_CHECK_ACTOR,
      actorKind: 'system',
      sourceId: a.messageId,
      now,
      action: { type: 'reopen', note: reopenNote(a.rest), dueAt },
    });
    await deps.fixChecks.closeRound(record.ticketId, record.version);
    if (out.kind !== 'done') return { reply: answerReply.stale(t), handledBy: 'fixcheck.stale' };
    return { reply: answerReply.reopened(out.ticket, a.rest !== ''), handledBy: 'fixcheck.not_fixed' };
  }

  if (a.answer === 'unsure') await deps.messenger.toUsers(`fixcheck-unsure-${a.messageId}`, t.assignees, unsureText(t));
  const round = await deps.fixChecks.round(record.ticketId, record.version);
  if (round.every((r) => r.answer !== null) && round.some((r) => r.answer === 'fixed')) {
    const closed = await closeResolved(deps, t, compound, CONFIRMED_REASON, `fixcheck-close-${record.ticketId}-v${record.version}`, now);
    if (closed === 'closed') return { reply: answerReply.closed(t), handledBy: `fixcheck.${a.answer}` };
  }
  return { reply: a.answer === 'unsure' ? answerReply.unsure(t) : answerReply.thanks(t), handledBy: `fixcheck.${a.answer}` };
}
