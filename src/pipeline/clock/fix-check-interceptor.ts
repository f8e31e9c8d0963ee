import type { InboundMessage } from '../../domain/inbound-message';
import type { Interceptor } from '../inbound-router';
import type { CardResponder } from '../staff/card-responder';
import { applyFixAnswer, type FixAnswerDeps, type GivenAnswer } from './fix-check-answers';
import { answerForButton, FIX_ANSWER_ZH, parseFixCheckTaskId } from './fix-check-keys';
import { readFixAnswer } from './fix-answer';
import { answerReply } from './texts';

export interface FixCheckInterceptorDeps extends FixAnswerDeps {
  cards: CardResponder;
}

type Pending = Pick<GivenAnswer, 'record' | 'ticket' | 'compound'>;

/**
 * Takes a resident's answer to "is it really fixed?": a click on the fix-check card,
 * or words (解决了 / 没解决 / 不清楚) in a 1:1 chat or @ the bot in the residents' group,
 * and only from someone with an open question. Everything else passes on.
 */
export function createFixCheckInterceptor(deps: FixCheckInterceptorDeps): Interceptor {
  return async (msg, ctx) => {
    if (msg.kind === 'card_action') return clicked(deps, msg, ctx.now());
    if (ctx.chatRole !== 'direct' && ctx.chatRole !== 'residents') return null;
    const read = readFixAnswer(msg.text);
    if (!read) return null;
    const pending = await pendingFor(deps, msg, ctx.chatRole === 'residents' ? (ctx.compound?.code ?? null) : null);
    if (!pending) return null;
    const result = await applyFixAnswer(deps, { ...pending, answer: read.answer, rest: read.rest, text: msg.text.trim(), messageId: msg.id, now: ctx.now() });
    ctx.log.info({ ticket: pending.ticket.ref, answer: read.answer, handledBy: result.handledBy }, 'fix check answered');
    return result;
  };
}

/** The question this message answers: the one it already answered (a retried job), else the sender's latest open one. */
async function pendingFor(deps: FixCheckInterceptorDeps, msg: InboundMessage, compoundCode: string | null): Promise<Pending | null> {
  const replay = await deps.fixChecks.byMessage(msg.id);
  const candidates = replay ? [replay] : await deps.fixChecks.openFor(msg.senderId, compoundCode);
  for (const record of candidates) {
    const ticket = await deps.tickets.get(record.ticketId);
    const current = ticket?.status === 'resolved' && ticket.version === record.version;
    if (!current && !replay) {
      // Closed or reopened by other means since the question: the round is over.
      await deps.fixChecks.closeRound(record.ticketId, record.version);
      continue;
    }
    const compound = ticket ? await deps.compounds.byCode(ticket.compoundCode) : null;
    if (ticket && compound) return { record, ticket, compound };
  }
  return null;
}

async function clicked(deps: FixCheckInterceptorDeps, msg: InboundMessage, now: Date) {
  const parsed = msg.action ? parseFixCheckTaskId(msg.action.taskId) : null;
  if (!parsed || !msg.action) return null;
  const answer = answerForButton(msg.action.eventKey);
  const record = await deps.fixChecks.get(parsed.ticketId, parsed.version, msg.senderId);
  const ticket = await deps.tickets.get(parsed.ticketId);
  const compound = ticket ? await deps.compounds.byCode(ticket.compoundCode) : null;
  if (!answer || !record || !ticket || !compound) {
    deps.log.warn({ taskId: msg.action.taskId, eventKey: msg.action.eventKey }, 'fix check click not understood');
    return { reply: null, handledBy: 'fixcheck.card_unknown' };
  }
  const current = ticket.status === 'resolved' && ticket.version === parsed.version;
  if (!current && record.messageId !== msg.id) {
    await deps.cards.acknowledge(msg, '回访已结束');
    return { reply: answerReply.stale(ticket), handledBy: 'fixcheck.stale' };
  }
  const result = await applyFixAnswer(deps, { record, ticket, compound, answer, rest: '', text: FIX_ANSWER_ZH[answer], messageId: msg.id, now });
  await deps.cards.acknowledge(msg, `已反馈：${FIX_ANSWER_ZH[answer]}`);
  return result;
}
