export type Channel = 'wecom_aibot' | 'wecom_app';

/** A card button clicked by a member (app or AI-bot template_card_event). */
export interface CardAction {
  taskId: string;
  eventKey: string;
  cardType: string | null;
  /** Single-use code for updating the clicked card (app callbacks only). */
  responseCode: string | null;
}

/** What every channel adapter turns a callback into; nothing past the adapter sees WeCom's shapes. */
export interface InboundMessage {
  /** Stable key derived from channel + rawId; also the store key and the seed of job ids. */
  id: string;
  channel: Channel;
  /** The channel's own id: msgid (AI bot), MsgId or FromUserName+CreateTime+TaskId (app). */
  rawId: string;
  kind: 'text' | 'card_action';
  /** Filled by intake from the compound registry; null when the chat is not registered. */
  compoundCode: string | null;
  chatId: string | null;
  chatType: 'group' | 'single';
  senderId: string;
  /** Text with the leading @mention of the bot removed. */
  text: string;
  quote: string | null;
  action: CardAction | null;
  sentAt: Date;
  receivedAt: Date;
}
