import type { Compound } from '../../domain/compound';
import type { InboundMessage } from '../../domain/inbound-message';
import type { StaffIntent } from '../../domain/staff-command';
import type { WorkCalendar } from '../../domain/work-calendar';
import type { CompoundRepo } from '../../store/compound-repo';
import type { TicketRepo } from '../../store/ticket-repo';
import type { InboundContext, PipelineResult } from '../handle-inbound';
import { intentForButton, parseCardTaskId } from './card-keys';
import type { CardResponder } from './card-responder';
import type { TicketChangeNotifier } from './change-notifier';
import type { TicketClock } from '../ticket-clock';
import { findTicket } from './find-ticket';
import { planAction } from './intent-to-action';
import type { StaffReplyReader } from './reply-reader';
import * as say from './staff-answers';
import { performAction } from './ticket-actions';

export interface StaffDeps {
  tickets: TicketRepo;
  compounds: Pick<CompoundRepo, 'forStaff' | 'byCode'>;
  notifier: TicketChangeNotifier;
  clock: TicketClock;
  cards: CardResponder;
  read: StaffReplyReader;
  calendar: WorkCalendar;
}

const LIST = /^(?:列表|我的工单|待办|工单列表|查看工单|有哪些工单)[？?]?$/;

/** Staff talking to the bot: card clicks, short commands and free words about tickets. */
export function createStaffHandler(deps: StaffDeps) {
  return async (msg: InboundMessage, ctx: InboundContext): Promise<PipelineResult> => {
    if (msg.kind === 'card_action') return cardClick(deps, msg, ctx);
    const now = ctx.now();
    const staffCompound = ctx.chatRole === 'staff' ? ctx.compound : null;
    const text = msg.text.trim();
    if (LIST.test(text)) return list(deps, msg.senderId, staffCompound);

    const read = await deps.read(text, now);
    ctx.log.info({ intent: read.intent.intent, source: read.source, fallback: read.fallbackReason }, 'staff reply read');
    const found = await findTicket(deps, msg.senderId, read.intent.ticketRef, staffCompound);
    if (found.kind === 'none') {
      if (found.why === 'not_staff' && ctx.chatRole === 'direct' && read.intent.confidence !== 'command') return { reply: say.DIRECT_RESIDENT, handledBy: 'staff.direct_resident' };
      if (found.why === 'not_staff') {
        ctx.log.warn({ sender: msg.senderId, intent: read.intent.intent }, 'ticket command from someone who is not staff');
        return { reply: say.REFUSED.not_staff, handledBy: 'staff.refused' };
      }
      if (found.why === 'no_open') return { reply: say.NO_OPEN, handledBy: 'staff.no_open' };
      return { reply: `没有找到编号 #${read.intent.ticketRef?.number ?? ''} 的工单，请核对编号。`, handledBy: 'staff.not_found' };
    }
    if (found.kind === 'ambiguous') {
      const reply = found.fullRefNeeded && read.intent.ticketRef ? `您负责多个小区，请用完整编号回复，比如“${found.open[0]?.ref ?? 'YX0315-0042'} 受理”。` : say.whichTicket(found.open);
      return { reply, handledBy: 'staff.which_ticket' };
    }
    return act(deps, msg, ctx, found.ticket.id, found.compound, read.intent, text);
  };
}

async function act(deps: StaffDeps, msg: InboundMessage, ctx: InboundContext, ticketId: string, compound: Compound, intent: StaffIntent, rawText: string): Promise<PipelineResult> {
  const now = ctx.now();
  const ticket = await deps.tickets.get(ticketId);
  if (!ticket) return { reply: '这张工单已不存在。', handledBy: 'staff.not_found' };
  if (intent.intent === 'query') return { reply: say.statusText(ticket), handledBy: 'staff.query' };
  if (intent.intent === 'unknown') return { reply: `关于 #${ticket.ref}：${say.HOW_TO}`, handledBy: 'staff.unclear' };
  const plan = planAction(intent, rawText, ticket, compound, now, deps.calendar);
  if (!plan.ok) return { reply: plan.ask || say.HOW_TO, handledBy: 'staff.ask' };
  const outcome = await performAction({ tickets: deps.tickets, notifier: deps.notifier, clock: deps.clock, log: ctx.log }, { ticketId, compound, actorId: msg.senderId, action: plan.action, sourceId: msg.id, now });
  switch (outcome.kind) {
    case 'done':
      return { reply: say.doneText(outcome.ticket, plan.action.type), handledBy: `staff.${plan.action.type}` };
    case 'refused':
      ctx.log.warn({ ticket: ticket.ref, action: plan.action.type, sender: msg.senderId, why: outcome.why }, 'staff action refused');
      return { reply: say.REFUSED[outcome.why], handledBy: 'staff.refused' };
    case 'invalid':
      return { reply: say.invalidText(outcome.ticket), handledBy: 'staff.invalid' };
  }
}

async function cardClick(deps: StaffDeps, msg: InboundMessage, ctx: InboundContext): Promise<PipelineResult> {
  const parsed = msg.action ? parseCardTaskId(msg.action.taskId) : null;
  const intent = msg.action ? intentForButton(msg.action.eventKey) : null;
  if (!parsed || !intent) {
    ctx.log.warn({ taskId: msg.action?.taskId, eventKey: msg.action?.eventKey }, 'card click not understood');
    return { reply: null, handledBy: 'staff.card_unknown' };
  }
  const ticket = await deps.tickets.get(parsed.ticketId);
  const compound = ticket ? await deps.compounds.byCode(ticket.compoundCode) : null;
  if (!ticket || !compound) return { reply: '这张工单已不存在。', handledBy: 'staff.not_found' };
  const result = await act(deps, msg, ctx, ticket.id, compound, intent, '');
  const label = CARD_LABELS[result.handledBy];
  if (label) await deps.cards.acknowledge(msg, label);
  return result;
}

// What the clicked button turns into; a stale card says so instead of acting twice.
const CARD_LABELS: Record<string, string> = {
  'staff.accept': '已受理',
  'staff.report_in': '已报到',
  'staff.resolve': '已解决',
  'staff.transfer': '已转交',
  'staff.escalate': '已上报',
  'staff.reject': '已驳回',
  'staff.invalid': '已过期',
  'staff.refused': '无权操作',
};

async function list(deps: StaffDeps, userId: string, staffCompound: Compound | null): Promise<PipelineResult> {
  const found = await findTicket(deps, userId, null, staffCompound);
  if (found.kind === 'one') return { reply: `您的待办工单：\n${say.line(found.ticket)}`, handledBy: 'staff.list' };
  if (found.kind === 'ambiguous') return { reply: `您的待办工单：\n${found.open.slice(0, 10).map(say.line).join('\n')}`, handledBy: 'staff.list' };
  return { reply: found.why === 'not_staff' ? say.REFUSED.not_staff : say.NO_OPEN, handledBy: 'staff.list' };
}
