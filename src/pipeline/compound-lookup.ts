import type { Compound } from '../domain/compound';
import type { InboundMessage } from '../domain/inbound-message';
import type { InboundContext } from './handle-inbound';

export interface CompoundDirectory {
  byChatId(chatId: string): Promise<{ compound: Compound; via: 'group' | 'staff' } | null>;
}

/** Which compound a message belongs to, and whether it came from residents or staff. */
export async function resolveCompound(
  dir: CompoundDirectory,
  msg: InboundMessage,
): Promise<{ compound: Compound | null; chatRole: InboundContext['chatRole'] }> {
  if (msg.chatType === 'single' || msg.chatId === null) return { compound: null, chatRole: 'direct' };
  const found = await dir.byChatId(msg.chatId);
  if (!found) return { compound: null, chatRole: 'unknown' };
  return { compound: found.compound, chatRole: found.via === 'group' ? 'residents' : 'staff' };
}
