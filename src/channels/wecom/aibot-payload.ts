import { z } from 'zod';
import { MalformedEnvelopeError, MalformedPayloadError, parsePayload } from './callback-errors';

const MAX_ENCRYPT_CHARS = 1024 * 1024;
const MAX_TEXT_CHARS = 20_000;
const MAX_URL_CHARS = 2048;

export type AibotChatType = 'group' | 'single';
export type AibotMsgType = 'text' | 'mixed' | 'voice' | 'image' | 'file' | 'video';
const MSG_TYPES: ReadonlySet<string> = new Set<AibotMsgType>(['text', 'mixed', 'voice', 'image', 'file', 'video']);

export interface AibotSender {
  userid: string;
  corpid?: string;
}

export interface AibotMessage {
  type: 'message';
  msgid: string;
  aibotid: string;
  chatid: string | null;
  chattype: AibotChatType;
  from: AibotSender;
  createTime: number | null;
  responseUrl: string | null;
  msgtype: AibotMsgType;
  /** text: content minus the bot's @mention (groups); mixed: text items; voice: ASR text; media: ''. */
  text: string;
  quote: string | null;
}

export interface AibotStreamRefresh {
  type: 'stream_refresh';
  msgid: string;
  aibotid: string | null;
  streamId: string;
  chatid: string | null;
  chattype: AibotChatType;
  from: AibotSender;
}

export interface AibotCardAction {
  taskId: string;
  eventKey: string;
  cardType: string | null;
}

export interface AibotEvent {
  type: 'event';
  msgid: string;
  aibotid: string | null;
  eventtype: string;
  chatid: string | null;
  chattype: AibotChatType;
  from: AibotSender;
  createTime: number | null;
  responseUrl: string | null;
  /** Only for template_card_event. */
  cardAction: AibotCardAction | null;
}

export type AibotCallback = AibotMessage | AibotStreamRefresh | AibotEvent;

const shortId = z.string().min(1).max(256);
const textContent = z.object({ content: z.string().max(MAX_TEXT_CHARS) });
const mixedContent = z.object({
  msg_item: z
    .array(z.object({ msgtype: z.string().max(32), text: textContent.optional() }))
    .max(100),
});

const commonFields = z.object({
  msgid: shortId,
  aibotid: shortId.optional(),
  chatid: z.string().max(256).optional(),
  chattype: z.enum(['group', 'single']).optional(),
  from: z.object({ userid: shortId, corpid: z.string().min(1).max(128).optional() }),
  create_time: z.number().int().nonnegative().optional(),
  response_url: z.string().max(MAX_URL_CHARS).optional(),
});

const quoteSchema = z.object({
  msgtype: z.string().max(32),
  text: textContent.optional(),
  voice: textContent.optional(),
  mixed: mixedContent.optional(),
});

const messageSchema = commonFields.extend({
  aibotid: shortId,
  text: textContent.optional(),
  voice: textContent.optional(),
  mixed: mixedContent.optional(),
  quote: quoteSchema.optional(),
});

const streamRefreshSchema = commonFields.extend({ stream: z.object({ id: shortId }) });

const eventSchema = commonFields.extend({
  event: z.looseObject({ eventtype: z.string().min(1).max(64) }),
});

// The doc's tables spell cardtype/eventkey/taskid, its JSON examples card_type/event_key/task_id.
const cardEventSchema = z.object({
  card_type: z.string().max(64).optional(),
  cardtype: z.string().max(64).optional(),
  event_key: z.string().max(1024).optional(),
  eventkey: z.string().max(1024).optional(),
  task_id: z.string().min(1).max(128).optional(),
  taskid: z.string().min(1).max(128).optional(),
});

const msgtypeSchema = z.object({ msgtype: z.string().max(32) });

const envelopeSchema = z.object({
  encrypt: z.string().min(1).max(MAX_ENCRYPT_CHARS).optional(),
  Encrypt: z.string().min(1).max(MAX_ENCRYPT_CHARS).optional(),
});

/** The POST body `{"encrypt": "…"}`; `Encrypt` is accepted too, as the official plugin does. */
export function parseAibotEnvelope(body: string): { encrypt: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedEnvelopeError('invalid_json', 'body is not JSON');
  }
  const parsed = envelopeSchema.safeParse(json);
  const encrypt = parsed.success ? (parsed.data.encrypt ?? parsed.data.Encrypt) : undefined;
  if (encrypt === undefined) throw new MalformedEnvelopeError('missing_encrypt', 'body has no usable encrypt field');
  return { encrypt };
}

export function parseAibotPayload(plaintext: string): AibotCallback {
  let json: unknown;
  try {
    json = JSON.parse(plaintext);
  } catch {
    throw new MalformedPayloadError('invalid_json', 'decrypted payload is not JSON');
  }
  const { msgtype } = parsePayload(msgtypeSchema, json);
  switch (msgtype) {
    case 'stream':
      return toStreamRefresh(parsePayload(streamRefreshSchema, json));
    case 'event':
      return toEvent(parsePayload(eventSchema, json));
    default:
      if (!MSG_TYPES.has(msgtype)) {
        throw new MalformedPayloadError('unsupported_msgtype', `msgtype ${JSON.stringify(msgtype)}`);
      }
      return toMessage(parsePayload(messageSchema, json), msgtype as AibotMsgType);
  }
}

/** Removes a leading `@Name` token and the whitespace after it (WeCom uses U+2005); keeps later mentions. */
export function stripMention(text: string): string {
  return text.replace(/^\s*@[^\s@]+(?:\s+|$)/u, '').trim();
}

type Common = z.infer<typeof commonFields>;

function commonOf(p: Common) {
  const chatid = p.chatid ? p.chatid : null;
  return {
    msgid: p.msgid,
    chatid,
    // chattype is documented as always present; if it is ever missing, only group callbacks carry a chatid.
    chattype: p.chattype ?? (chatid === null ? 'single' : 'group'),
    from: p.from,
  } as const;
}

function toMessage(p: z.infer<typeof messageSchema>, msgtype: AibotMsgType): AibotMessage {
  const common = commonOf(p);
  return {
    type: 'message',
    ...common,
    aibotid: p.aibotid,
    createTime: p.create_time ?? null,
    responseUrl: p.response_url ?? null,
    msgtype,
    text: messageText(p, msgtype, common.chattype),
    quote: p.quote ? quoteText(p.quote) : null,
  };
}

function messageText(p: z.infer<typeof messageSchema>, msgtype: AibotMsgType, chattype: AibotChatType): string {
  const raw = rawText(p, msgtype);
  // Group callbacks only arrive when the bot is @-mentioned, and WeCom leaves the mention in the text;
  // a leading "@…" in a 1:1 chat is the user's own words.
  const text = chattype === 'group' ? stripMention(raw) : raw.trim();
  if (text.length > MAX_TEXT_CHARS) throw new MalformedPayloadError('invalid_shape', `${msgtype} text too long`);
  return text;
}

function rawText(p: z.infer<typeof messageSchema>, msgtype: AibotMsgType): string {
  switch (msgtype) {
    case 'text':
      return required(p.text, 'text').content;
    case 'mixed':
      return mixedText(required(p.mixed, 'mixed'));
    case 'voice':
      return required(p.voice, 'voice').content;
    default:
      return '';
  }
}

function quoteText(q: z.infer<typeof quoteSchema>): string | null {
  let text: string | undefined;
  if (q.msgtype === 'text') text = q.text?.content;
  else if (q.msgtype === 'voice') text = q.voice?.content;
  else if (q.msgtype === 'mixed' && q.mixed) text = mixedText(q.mixed);
  return text?.trim() ? text.trim() : null;
}

function mixedText(m: z.infer<typeof mixedContent>): string {
  return m.msg_item
    .flatMap((item) => (item.msgtype === 'text' && item.text ? [item.text.content.trim()] : []))
    .filter((t) => t.length > 0)
    .join('\n');
}

function toStreamRefresh(p: z.infer<typeof streamRefreshSchema>): AibotStreamRefresh {
  return { type: 'stream_refresh', ...commonOf(p), aibotid: p.aibotid ?? null, streamId: p.stream.id };
}

function toEvent(p: z.infer<typeof eventSchema>): AibotEvent {
  const eventtype = p.event.eventtype;
  let cardAction: AibotCardAction | null = null;
  if (eventtype === 'template_card_event') {
    const card = parsePayload(cardEventSchema, p.event[eventtype] ?? {});
    const taskId = card.task_id ?? card.taskid;
    const eventKey = card.event_key ?? card.eventkey;
    if (taskId === undefined || eventKey === undefined) {
      throw new MalformedPayloadError('invalid_shape', 'template_card_event needs task_id and event_key');
    }
    cardAction = { taskId, eventKey, cardType: card.card_type ?? card.cardtype ?? null };
  }
  return {
    type: 'event',
    ...commonOf(p),
    aibotid: p.aibotid ?? null,
    eventtype,
    createTime: p.create_time ?? null,
    responseUrl: p.response_url ?? null,
    cardAction,
  };
}

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new MalformedPayloadError('invalid_shape', `${key}: missing`);
  return value;
}
