import { isTicketCommand } from '../domain/staff-grammar';
import type { InboundMessage } from '../domain/inbound-message';
import type { InboundContext, InboundHandler, PipelineResult } from './handle-inbound';

/** Takes a message it recognises (a sign-up, an answer to "is it fixed?") or returns null to pass it on. */
export type Interceptor = (msg: InboundMessage, ctx: InboundContext) => Promise<PipelineResult | null>;

export interface RouterHandlers {
  triage: InboundHandler;
  staff: InboundHandler;
  /** Tried in order before triage for residents' messages. */
  residents?: Interceptor[];
  /** Tried in order before the staff loop for staff chats. */
  staffFirst?: Interceptor[];
  /** Tried in order before the staff loop for card clicks. */
  cards?: Interceptor[];
}

/**
 * Card clicks and staff chats go to the staff loop; residents' group messages to
 * triage, except a ticket command ("#42 结单"), which the staff loop answers: it
 * acts for staff and politely refuses anyone else. Feature handlers that recognise
 * a message (service-day sign-ups, "is it fixed?" answers) get it first.
 */
export function createInboundRouter(h: RouterHandlers): InboundHandler {
  const first = async (list: Interceptor[] | undefined, msg: InboundMessage, ctx: InboundContext): Promise<PipelineResult | null> => {
    for (const intercept of list ?? []) {
      const taken = await intercept(msg, ctx);
      if (taken) return taken;
    }
    return null;
  };
  return async (msg, ctx) => {
    if (msg.kind === 'card_action') return (await first(h.cards, msg, ctx)) ?? h.staff(msg, ctx);
    if (ctx.chatRole === 'staff' || ctx.chatRole === 'direct') return (await first(h.staffFirst, msg, ctx)) ?? h.staff(msg, ctx);
    if (ctx.chatRole === 'residents' && isTicketCommand(msg.text, ctx.now())) return h.staff(msg, ctx);
    return (await first(h.residents, msg, ctx)) ?? h.triage(msg, ctx);
  };
}
