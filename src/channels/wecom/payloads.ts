import { utf8Bytes } from './split-text';

/**
 * WeCom request bodies. A delivery stores only the message part (`appText`, `buttonCard`, …);
 * the sender wraps it in the envelope for its destination (`appMessage`, `cardUpdate`,
 * `customerGroupTask`) with the recipients and the agentid, so the stored body never
 * duplicates the destination.
 */

export class InvalidPayloadError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidPayloadError';
  }
}

export interface TextBody {
  msgtype: 'text';
  text: { content: string; mentioned_list?: string[] };
}
export interface MarkdownBody {
  msgtype: 'markdown';
  markdown: { content: string };
}
export interface TemplateCardBody {
  msgtype: 'template_card';
  template_card: ButtonInteractionCard;
}
export interface ButtonReplaceBody {
  button: { replace_name: string };
}
export interface CardReplaceBody {
  template_card: ButtonInteractionCard;
}
export interface GroupTaskTextBody {
  text: { content: string };
}

export type AppMessageBody = TextBody | MarkdownBody | TemplateCardBody;
export type CardUpdateBody = ButtonReplaceBody | CardReplaceBody;
export type WebhookBody = TextBody | MarkdownBody;
export type ResponseUrlBody = MarkdownBody;
export type OutboundBody = AppMessageBody | CardUpdateBody | WebhookBody | GroupTaskTextBody;

// --- message parts --------------------------------------------------------------------------

export function appText(content: string): TextBody {
  return { msgtype: 'text', text: { content } };
}

export function appMarkdown(content: string): MarkdownBody {
  return { msgtype: 'markdown', markdown: { content } };
}

/** `mentioned_list` takes userids or "@all" and only works in text messages (markdown uses `<@userid>`). */
export function webhookText(content: string, mentioned?: readonly string[]): TextBody {
  return mentioned && mentioned.length > 0
    ? { msgtype: 'text', text: { content, mentioned_list: [...mentioned] } }
    : { msgtype: 'text', text: { content } };
}

export function webhookMarkdown(content: string): MarkdownBody {
  return { msgtype: 'markdown', markdown: { content } };
}

export function responseUrlMarkdown(content: string): ResponseUrlBody {
  return { msgtype: 'markdown', markdown: { content } };
}

export function groupTaskText(content: string): GroupTaskTextBody {
  return { text: { content } };
}

// --- button_interaction template card -----------------------------------------------------

export interface CardButton {
  text: string;
  key: string;
  /** 1–4; WeCom's default is 1. */
  style?: 1 | 2 | 3 | 4;
}

export interface CardSpec {
  taskId: string;
  title?: string;
  description?: string;
  subTitle?: string;
  fields?: ReadonlyArray<{ label: string; value: string }>;
  buttons: readonly CardButton[];
  source?: string;
}

export interface ButtonInteractionCard {
  card_type: 'button_interaction';
  task_id: string;
  source?: { desc: string };
  main_title?: { title?: string; desc?: string };
  sub_title_text?: string;
  horizontal_content_list?: Array<{ keyname: string; value: string }>;
  button_list: Array<{ text: string; key: string; style?: number }>;
}

const TASK_ID = /^[0-9A-Za-z_\-@]+$/;

/** Validated against doc 101032's limits so a bad card fails here, not as an errcode from WeCom. */
export function buttonCard(spec: CardSpec): ButtonInteractionCard {
  if (!TASK_ID.test(spec.taskId) || utf8Bytes(spec.taskId) > 128) {
    throw new InvalidPayloadError('task_id', 'must be 1–128 bytes of [0-9A-Za-z_-@]');
  }
  if (!spec.title && !spec.subTitle) throw new InvalidPayloadError('main_title', 'a title or a sub_title_text is required');
  if (spec.buttons.length < 1 || spec.buttons.length > 6) throw new InvalidPayloadError('button_list', 'must hold 1–6 buttons');
  for (const b of spec.buttons) {
    if (b.key === '' || utf8Bytes(b.key) > 1024) throw new InvalidPayloadError('button_list.key', 'must be 1–1024 bytes');
    if (b.text === '') throw new InvalidPayloadError('button_list.text', 'must not be empty');
  }
  if ((spec.fields?.length ?? 0) > 6) throw new InvalidPayloadError('horizontal_content_list', 'must hold at most 6 items');

  const card: ButtonInteractionCard = {
    card_type: 'button_interaction',
    task_id: spec.taskId,
    button_list: spec.buttons.map((b) => (b.style === undefined ? { text: b.text, key: b.key } : { text: b.text, key: b.key, style: b.style })),
  };
  if (spec.source) card.source = { desc: spec.source };
  if (spec.title) card.main_title = spec.description ? { title: spec.title, desc: spec.description } : { title: spec.title };
  if (spec.subTitle) card.sub_title_text = spec.subTitle;
  if (spec.fields && spec.fields.length > 0) card.horizontal_content_list = spec.fields.map((f) => ({ keyname: f.label, value: f.value }));
  return card;
}

export function appCard(card: ButtonInteractionCard): TemplateCardBody {
  return { msgtype: 'template_card', template_card: card };
}

/** Disables the clicked card's buttons and shows `replaceName` (e.g. "已处理"). */
export function cardButtonReplace(replaceName: string): ButtonReplaceBody {
  return { button: { replace_name: replaceName } };
}

/** Replaces the whole card; its task_id must be the clicked card's. */
export function cardReplace(card: ButtonInteractionCard): CardReplaceBody {
  return { template_card: card };
}

// --- envelopes (added by the sender) -----------------------------------------------------------

/**
 * message/send. Duplicate check on: the queue is at-least-once, and a crash between WeCom's
 * answer and our "sent" mark would otherwise show the member the same message twice.
 */
export function appMessage(agentId: number, userIds: readonly string[], body: AppMessageBody) {
  return { touser: userIds.join('|'), agentid: agentId, ...body, enable_duplicate_check: 1, duplicate_check_interval: 600 };
}

export function cardUpdate(agentId: number, userIds: readonly string[], responseCode: string, body: CardUpdateBody) {
  return { userids: [...userIds], agentid: agentId, response_code: responseCode, ...body };
}

export function customerGroupTask(sender: string, chatIds: readonly string[], body: GroupTaskTextBody) {
  return { chat_type: 'group' as const, sender, chat_id_list: [...chatIds], ...body };
}
