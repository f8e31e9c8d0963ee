import { parseStaffReply } from '../domain/staff-grammar';
import type { InboundHandler } from './handle-inbound';

/**
 * Card clicks and staff chats go to the staff loop; residents' group messages to
 * triage, except a ticket command ("#42 结单"), which the staff loop answers: it
 * acts for staff and politely refuses anyone else.
 */
export function createInboundRouter(handlers: { triage: InboundHandler; staff: InboundHandler }): InboundHandler {
  return async (msg, ctx) => {
    if (msg.kind === 'card_action' || ctx.chatRole === 'staff' || ctx.chatRole === 'direct') return handlers.staff(msg, ctx);
    if (ctx.chatRole === 'residents' && parseStaffReply(msg.text, ctx.now()).confidence === 'command') return handlers.staff(msg, ctx);
    return handlers.triage(msg, ctx);
  };
}
