import { maskPii } from '../domain/pii';
import type { InboundHandler } from './handle-inbound';

const SNIPPET_CHARS = 40;

function snippet(text: string): string {
  // The group reads this: no phone, ID-card or plate numbers are repeated back.
  const oneLine = maskPii(text).replace(/\s+/g, ' ').trim();
  return oneLine.length > SNIPPET_CHARS ? `${oneLine.slice(0, SNIPPET_CHARS)}…` : oneLine;
}

/**
 * The first handler behind the intake seam: a visible receipt, so the channel
 * works end to end before classification and tickets are plugged in.
 */
export const receiptHandler: InboundHandler = async (msg, ctx) => {
  if (msg.kind === 'card_action') {
    ctx.log.info({ taskId: msg.action?.taskId, eventKey: msg.action?.eventKey }, 'card action recorded');
    return { reply: null, handledBy: 'receipt.card_action' };
  }
  if (msg.text.trim() === '') {
    return { reply: '您好，我是睦邻小助手。有问题请@我直接说，比如“3栋楼道灯坏了”。', handledBy: 'receipt.empty' };
  }
  if (msg.chatType === 'group' && ctx.compound === null) {
    return { reply: '本群还没有登记为小区群，暂时无法受理。请联系社区工作人员开通。', handledBy: 'receipt.unregistered' };
  }
  if (ctx.chatRole === 'direct') {
    return { reply: `已收到：“${snippet(msg.text)}”。`, handledBy: 'receipt' };
  }
  const where = ctx.compound ? `${ctx.compound.name}党支部` : '小区党支部';
  return { reply: `已收到：“${snippet(msg.text)}”。${where}会尽快查看，有进展会在这里告诉您。`, handledBy: 'receipt' };
};
