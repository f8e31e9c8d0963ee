import { z } from 'zod';
import { MalformedEnvelopeError, MalformedPayloadError, parsePayload } from './callback-errors';
import { parseXml, type XmlObject } from './xml';

const MAX_ENCRYPT_CHARS = 1024 * 1024;
const MAX_TEXT_CHARS = 20_000;
const CARD_EVENTS: ReadonlySet<string> = new Set(['template_card_event', 'template_card_menu_event']);

interface AppCommon {
  /** Member UserID (`sys` for system events). */
  from: string;
  createTime: number;
}

export interface AppText extends AppCommon {
  type: 'text';
  msgId: string;
  content: string;
  agentId: string | null;
}

export interface AppCardClick extends AppCommon {
  type: 'card_click';
  event: 'template_card_event' | 'template_card_menu_event';
  taskId: string;
  eventKey: string;
  cardType: string | null;
  /** Single-use code for one update_template_card call. */
  responseCode: string | null;
  agentId: string | null;
  selected: Array<{ questionKey: string; optionIds: string[] }>;
}

export interface AppEvent extends AppCommon {
  type: 'event';
  event: string;
  agentId: string | null;
}

/** image, voice, video, location, link…: authentic and acknowledged, but not text we act on. */
export interface AppOther extends AppCommon {
  type: 'other';
  msgType: string;
  msgId: string | null;
}

export type AppCallback = AppText | AppCardClick | AppEvent | AppOther;

export interface AppEnvelope {
  encrypt: string;
  toUserName: string | null;
  agentId: string | null;
}

/** `<xml><ToUserName/><Encrypt/><AgentID/></xml>`; AgentID is absent or empty for some corp-level events. */
export function parseAppEnvelope(xml: string): AppEnvelope {
  const root = parseXml(xml);
  const encrypt = root.Encrypt;
  if (typeof encrypt !== 'string' || encrypt.length === 0 || encrypt.length > MAX_ENCRYPT_CHARS) {
    throw new MalformedEnvelopeError('missing_encrypt', 'envelope has no usable Encrypt element');
  }
  return { encrypt, toUserName: optionalText(root.ToUserName), agentId: optionalText(root.AgentID) };
}

const seconds = z.string().regex(/^\d{1,12}$/, 'expected decimal seconds').transform(Number);
const optional = (max: number) => z.string().max(max).optional().transform((v) => (v ? v : null));

const headSchema = z.object({
  MsgType: z.string().min(1).max(32),
  FromUserName: z.string().min(1).max(256),
  CreateTime: seconds,
  AgentID: optional(32),
});

const textSchema = z.object({
  MsgId: z.string().min(1).max(64),
  Content: z.string().max(MAX_TEXT_CHARS),
});

const eventSchema = z.object({ Event: z.string().min(1).max(64) });

// <SelectedItems><SelectedItem><QuestionKey/><OptionIds><OptionId/>…</OptionIds></SelectedItem>…</SelectedItems>;
// an element with no children parses as ''.
const selectedItemsSchema = z.union([
  z.literal(''),
  z.object({
    SelectedItem: z
      .array(
        z.object({
          QuestionKey: z.string().max(1024),
          OptionIds: z
            .union([z.literal(''), z.object({ OptionId: z.array(z.string().max(128)).max(100) })])
            .optional(),
        }),
      )
      .max(20)
      .optional(),
  }),
]);

const cardClickSchema = z.object({
  TaskId: z.string().min(1).max(128),
  EventKey: z.string().max(1024),
  CardType: optional(64),
  ResponseCode: optional(1024),
  SelectedItems: selectedItemsSchema.optional(),
});

const otherSchema = z.object({ MsgId: optional(64) });

export function parseAppPayload(xml: string): AppCallback {
  return parseAppRoot(parsePlaintextXml(xml));
}

/**
 * Apps can also be set to JSON callbacks (WeCom's JSON callback library): the envelope is
 * `{"tousername","encrypt","agentid"}` and the plaintext carries the same fields as the XML.
 */
export function parseAppJsonEnvelope(body: string): AppEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedEnvelopeError('invalid_json', 'envelope is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedEnvelopeError('invalid_json', 'envelope is not a JSON object');
  const v = value as Record<string, unknown>;
  const encrypt = v.encrypt ?? v.Encrypt;
  if (typeof encrypt !== 'string' || encrypt.length === 0 || encrypt.length > MAX_ENCRYPT_CHARS) {
    throw new MalformedEnvelopeError('missing_encrypt', 'envelope has no usable encrypt field');
  }
  return { encrypt, toUserName: optionalText(v.tousername ?? v.ToUserName), agentId: optionalText(String(v.agentid ?? v.AgentID ?? '')) };
}

export function parseAppJsonPayload(json: string): AppCallback {
  // MsgId is a 64-bit integer: quote it before JSON.parse rounds it.
  const quoted = json.replace(/("MsgId"\s*:\s*)(\d+)/g, '$1"$2"');
  let value: unknown;
  try {
    value = JSON.parse(quoted);
  } catch {
    throw new MalformedPayloadError('invalid_json', 'decrypted payload is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedPayloadError('invalid_shape', 'payload is not a JSON object');
  const root: XmlObject = {};
  for (const [k, v] of Object.entries(value)) root[k] = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
  return parseAppRoot(root);
}

function parseAppRoot(root: XmlObject): AppCallback {
  const head = parsePayload(headSchema, root);
  const common = { from: head.FromUserName, createTime: head.CreateTime };

  if (head.MsgType === 'text') {
    const text = parsePayload(textSchema, root);
    return { type: 'text', ...common, msgId: text.MsgId, content: text.Content, agentId: head.AgentID };
  }
  if (head.MsgType !== 'event') {
    return { type: 'other', ...common, msgType: head.MsgType, msgId: parsePayload(otherSchema, root).MsgId };
  }
  const { Event: event } = parsePayload(eventSchema, root);
  if (!CARD_EVENTS.has(event)) return { type: 'event', ...common, event, agentId: head.AgentID };

  const card = parsePayload(cardClickSchema, root);
  const items = card.SelectedItems ? card.SelectedItems.SelectedItem ?? [] : [];
  return {
    type: 'card_click',
    ...common,
    event: event as AppCardClick['event'],
    taskId: card.TaskId,
    eventKey: card.EventKey,
    cardType: card.CardType,
    responseCode: card.ResponseCode,
    agentId: head.AgentID,
    selected: items.map((item) => ({
      questionKey: item.QuestionKey,
      optionIds: item.OptionIds ? item.OptionIds.OptionId : [],
    })),
  };
}

function parsePlaintextXml(xml: string): XmlObject {
  try {
    return parseXml(xml);
  } catch (err) {
    if (err instanceof MalformedEnvelopeError) throw new MalformedPayloadError('invalid_xml', err.message);
    throw err;
  }
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
