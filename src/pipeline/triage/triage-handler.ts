import type { Compound } from '../../domain/compound';
import type { Category } from '../../domain/labels';
import type { InboundMessage } from '../../domain/inbound-message';
import { findDuplicate, findFollowUpTarget, isFollowUp } from '../../domain/duplicate-match';
import type { Ticket, TicketGap } from '../../domain/ticket';
import type { ClarificationRepo } from '../../store/clarification-repo';
import type { InboundRepo, StoredInbound } from '../../store/inbound-repo';
import type { OpenTicketIndex } from '../../hints/open-ticket-index';
import type { SenderHistory } from '../../hints/sender-history';
import type { TicketRepo } from '../../store/ticket-repo';
import type { InboundContext, InboundHandler, PipelineResult } from '../handle-inbound';
import { receiptHandler } from '../receipt-handler';
import * as answers from './answers';
import { classifyMessage, type Classification, type ClassifyDeps } from './classify-message';
import { completeWithAnswer, looksLikeAnswer, missingPart } from './clarify';
import type { StaffNotifier } from './notify-staff';
import { openTicketFor, type OpenTicketDeps } from './open-ticket';
import type { TriageTimers } from './timers';

export interface TriageDeps {
  classify: ClassifyDeps;
  open: OpenTicketDeps;
  tickets: TicketRepo;
  /** Open tickets of a compound to match new reports against. */
  openTickets: Pick<OpenTicketIndex, 'findOpen'>;
  inbound: InboundRepo;
  history: SenderHistory;
  clarifications: ClarificationRepo;
  timers: TriageTimers;
  notifier: StaffNotifier;
  /** How long the bot waits for an answer to its question before opening the ticket anyway. */
  clarifyWaitMs: number;
  /** How many earlier messages of the same sender go with the message as context. */
  contextMessages: number;
}

// Words that point back at something said before: "还是那辆", "上次说的", "又来了".
const REFERS_BACK = /^(?:还是|又|那|这|同样)|那辆|那个|那家|上次|刚才|之前|前面说|还在|又来/;

/** A message that leans on what the sender said before ("+1", "还没人管吗", "还是那辆车"). */
export function needsContext(text: string): boolean {
  return isFollowUp(text) || REFERS_BACK.test(text.trim());
}

const OPEN_TICKET_LOOKBACK_MS = 14 * 24 * 3600_000;
const CONTEXT_LOOKBACK_MS = 24 * 3600_000;

/**
 * The residents' side of the pipeline: from a group message to a routed ticket
 * and one short answer. Staff messages and card clicks go to the staff loop.
 */
export function createTriageHandler(deps: TriageDeps): InboundHandler {
  return async (msg, ctx) => {
    if (msg.kind !== 'text' || ctx.chatRole !== 'residents') return receiptHandler(msg, ctx);
    const compound = ctx.compound;
    if (!compound) return { reply: answers.UNREGISTERED_GROUP, handledBy: 'triage.unregistered' };
    if (!compound.active) return { reply: answers.INACTIVE_COMPOUND, handledBy: 'triage.inactive' };
    if (msg.text.trim() === '') return { reply: answers.EMPTY_MENTION, handledBy: 'triage.empty' };

    const now = ctx.now();
    const clarified = await answerToQuestion(deps, msg, compound, now);
    if (clarified) return clarified;

    // Only a message that leans on what came before needs the sender's earlier messages;
    // leaving them out elsewhere spares the reads and lets the classification cache
    // recognise the same text from another resident.
    const previousTexts = needsContext(msg.text) ? await earlierTexts(deps, msg) : [];
    const classification = await classifyMessage(deps.classify, {
      text: msg.text,
      previousTexts,
      followUp: isFollowUp(msg.text),
      compoundCode: compound.code,
      compoundName: compound.name,
      underServiceDayPost: false,
    });
    ctx.log.info(
      { category: classification.labels.category, actionable: classification.labels.actionable, source: classification.classifier.source, fallback: classification.classifier.fallbackReason },
      'message classified',
    );
    return triage(deps, msg, ctx, compound, classification, now);
  };
}

async function triage(deps: TriageDeps, msg: InboundMessage, ctx: InboundContext, compound: Compound, c: Classification, now: Date): Promise<PipelineResult> {
  const { labels } = c;
  if (c.emergencyKind) {
    // One incident, many reporters within minutes: a second report joins the first ticket.
    const recent = await openTicketsOtherThan(deps, compound, msg, now, 'emergency');
    const same = findDuplicate({ category: 'emergency', building: labels.building, text: msg.text, at: msg.receivedAt, senderId: msg.senderId }, recent);
    if (same) {
      await deps.tickets.attachReport(same.ticket.id, { userId: msg.senderId, messageId: msg.id, at: msg.receivedAt });
      return { reply: answers.emergencyAnswer(same.ticket.ref, c.emergencyKind), handledBy: 'triage.emergency_attached' };
    }
    const opened = await open(deps, msg, compound, c, []);
    return { reply: answers.emergencyAnswer(opened.ticket.ref, c.emergencyKind), handledBy: 'triage.emergency' };
  }
  if (!labels.actionable) {
    const category = labels.category in answers.NON_ISSUE_ANSWERS ? labels.category : 'chit_chat';
    return { reply: answers.nonIssueAnswer(category, msg.text), handledBy: `triage.${category}` };
  }

  // A follow-up may be about any of the sender's tickets; a report only matches its own category.
  const followUp = isFollowUp(msg.text);
  const openTickets = await openTicketsOtherThan(deps, compound, msg, now, followUp ? undefined : labels.category);
  if (followUp) {
    const target = findFollowUpTarget(
      { senderId: msg.senderId, at: msg.receivedAt, category: labels.category === 'other_issue' ? null : labels.category, building: labels.building },
      openTickets,
    );
    if (target) return attach(deps, msg, target.ticket, ctx, target.why);
    if (labels.category === 'other_issue') {
      return { reply: '请问您说的是哪件事？说一下位置和问题，我来登记。', handledBy: 'triage.follow_up_unknown' };
    }
  }
  const duplicate = findDuplicate({ category: labels.category, building: labels.building, text: msg.text, at: msg.receivedAt, senderId: msg.senderId }, openTickets);
  if (duplicate) return attach(deps, msg, duplicate.ticket, ctx, duplicate.why);

  if (labels.needs_clarification && msg.chatId) {
    const missing = missingPart(labels, msg.text);
    await deps.clarifications.put({
      id: msg.id,
      compoundCode: compound.code,
      chatId: msg.chatId,
      senderId: msg.senderId,
      missing,
      classification: c as unknown as Record<string, unknown>,
      createdAt: now,
      expiresAt: new Date(now.getTime() + deps.clarifyWaitMs),
    });
    await deps.history.noteQuestion(msg.chatId, msg.senderId, deps.clarifyWaitMs);
    await deps.timers.clarifyTimeout(msg.id, new Date(now.getTime() + deps.clarifyWaitMs));
    return { reply: answers.clarifyQuestion(c.clarifyingQuestion, missing), handledBy: 'triage.clarify' };
  }

  const opened = await open(deps, msg, compound, c, []);
  const advice = answers.isLiftTrapped(labels.category, labels.urgency, msg.text) ? answers.LIFT_TRAPPED_ADVICE : '';
  return { reply: answers.ticketOpened(forAnswer(opened.ticket, opened.dueText)) + advice, handledBy: 'triage.opened' };
}

/** The sender's earlier texts in this chat within the day, oldest first. */
async function earlierTexts(deps: TriageDeps, msg: InboundMessage): Promise<string[]> {
  if (!msg.chatId) return [];
  const ids = await deps.history.before(msg.chatId, msg.senderId, msg, deps.contextMessages);
  const earlier = await Promise.all(ids.map((id) => deps.inbound.get(id)));
  return earlier
    .filter((p): p is StoredInbound => p !== null && p.kind === 'text' && p.receivedAt.getTime() > msg.receivedAt.getTime() - CONTEXT_LOOKBACK_MS)
    .map((p) => p.text)
    .reverse();
}

/** Open tickets to match against, leaving out the one this very message opened (a retried job). */
async function openTicketsOtherThan(deps: TriageDeps, compound: Compound, msg: InboundMessage, now: Date, category?: Category): Promise<Ticket[]> {
  const open = await deps.openTickets.findOpen({ compoundCode: compound.code, category, since: new Date(now.getTime() - OPEN_TICKET_LOOKBACK_MS), limit: 200 });
  return open.filter((t) => t.sourceInboundId !== msg.id);
}

async function answerToQuestion(deps: TriageDeps, msg: InboundMessage, compound: Compound, now: Date): Promise<PipelineResult | null> {
  if (!msg.chatId || !looksLikeAnswer(msg.text) || !(await deps.history.mayHaveQuestion(msg.chatId, msg.senderId))) return null;
  const pending = await deps.clarifications.claimForAnswer(msg.chatId, msg.senderId, msg.id, now);
  if (!pending) return null;
  const original = await deps.inbound.get(pending.id);
  const { classification, gaps } = completeWithAnswer(pending.classification as unknown as Classification, pending.missing, msg.text);
  // The answer completes the same report: it is not counted as a second one.
  const opened = await open(deps, { ...msg, id: pending.id, text: `${original?.text ?? ''}（补充：${msg.text}）`, receivedAt: original?.receivedAt ?? msg.receivedAt }, compound, classification, gaps);
  return { reply: answers.ticketOpened(forAnswer(opened.ticket, opened.dueText)), handledBy: 'triage.clarified' };
}

/** Opens (or finds, on a retried job) the ticket and tells the responsible people once. */
export async function open(deps: Pick<TriageDeps, 'open' | 'notifier'>, msg: InboundMessage, compound: Compound, c: Classification, gaps: TicketGap[]) {
  const opened = await openTicketFor(deps.open, { compound, sourceInboundId: msg.id, senderId: msg.senderId, text: msg.text, at: msg.receivedAt, classification: c, gaps });
  // Also on a retried job: the first run may have died before telling anyone; deliveries are keyed, so nobody hears it twice.
  await deps.notifier.ticketOpened(opened.ticket, opened.dueText, compound);
  return opened;
}

async function attach(deps: TriageDeps, msg: InboundMessage, ticket: Ticket, ctx: InboundContext, why: string): Promise<PipelineResult> {
  const { ticket: updated, attached } = await deps.tickets.attachReport(ticket.id, { userId: msg.senderId, messageId: msg.id, at: msg.receivedAt });
  ctx.log.info({ ticket: updated.ref, attached, why, reports: updated.reportCount }, 'report attached to open ticket');
  return { reply: answers.alreadyReported(updated.ref), handledBy: 'triage.attached' };
}

export function forAnswer(t: Ticket, dueText: string | null): answers.TicketSummaryForAnswer {
  return { ref: t.ref, category: t.category, place: t.building, summary: t.summary, unitName: t.unitName, dueText };
}
