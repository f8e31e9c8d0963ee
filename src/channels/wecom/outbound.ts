import type { DeliveryOutbox } from '../../queues/delivery-queue';
import type { Destination } from './destination';
import {
  InvalidPayloadError,
  appCard,
  appMarkdown,
  appText,
  buttonCard,
  cardButtonReplace,
  groupTaskText,
  responseUrlMarkdown,
  webhookMarkdown,
  webhookText,
  type CardSpec,
} from './payloads';
import { WECOM_BYTE_LIMITS, splitByBytes, truncateByBytes } from './split-text';

/** Plain text, or markdown (rendered by the WeCom client only). */
export type OutboundText = string | { markdown: string };

const TRUNCATED = '\n…（内容过长，已截断）';

/**
 * What the rest of the app calls to reach people through WeCom. Every method takes a
 * business `key` (the same key twice = one message) and returns the delivery ids it queued:
 * `${key}-1`, `${key}-2`, … for text split under the destination's byte limit, `[key]` for
 * single-message sends. Nothing is sent inline; the delivery worker sends.
 */
export class WeComOutbound {
  constructor(private readonly outbox: DeliveryOutbox) {}

  /**
   * The AI-bot reply URL takes exactly one call, so a long text is truncated, not split.
   * Markdown is the only text form response_url accepts.
   */
  async replyViaResponseUrl(key: string, url: string, text: string): Promise<string[]> {
    const content = truncateByBytes(nonEmpty(text), WECOM_BYTE_LIMITS.responseUrlMarkdown, TRUNCATED);
    await this.outbox.enqueue(key, { kind: 'response_url', url }, responseUrlMarkdown(content));
    return [key];
  }

  async sendToUsers(key: string, userIds: readonly string[], message: OutboundText): Promise<string[]> {
    const dest: Destination = { kind: 'app_user', userIds: members(userIds) };
    if (typeof message === 'string') return this.parts(key, dest, message, WECOM_BYTE_LIMITS.appText, appText);
    return this.parts(key, dest, message.markdown, WECOM_BYTE_LIMITS.appMarkdown, appMarkdown);
  }

  /** A button_interaction card; throws InvalidPayloadError before queueing if the card breaks WeCom's limits. */
  async sendCard(key: string, userIds: readonly string[], card: CardSpec): Promise<string[]> {
    await this.outbox.enqueue(key, { kind: 'app_user', userIds: members(userIds) }, appCard(buttonCard(card)));
    return [key];
  }

  /** Greys out the clicked card's buttons with `replaceName`; `responseCode` comes from the click callback and works once. */
  async updateCard(key: string, userIds: readonly string[], responseCode: string, replaceName: string): Promise<string[]> {
    if (responseCode === '') throw new InvalidPayloadError('response_code', 'must not be empty');
    await this.outbox.enqueue(key, { kind: 'app_card_update', userIds: members(userIds), responseCode }, cardButtonReplace(nonEmpty(replaceName)));
    return [key];
  }

  /** `mentioned` (userids or "@all") applies to plain text only and rides on the first part. */
  async postToGroupWebhook(key: string, webhookKey: string, message: OutboundText, mentioned?: readonly string[]): Promise<string[]> {
    if (webhookKey === '') throw new InvalidPayloadError('webhookKey', 'must not be empty');
    const dest: Destination = { kind: 'group_webhook', webhookKey };
    if (typeof message !== 'string') return this.parts(key, dest, message.markdown, WECOM_BYTE_LIMITS.webhookMarkdown, webhookMarkdown);
    return this.parts(key, dest, message, WECOM_BYTE_LIMITS.webhookText, (content, i) => webhookText(content, i === 0 ? mentioned : undefined));
  }

  /**
   * A task the group owner (`sender`) must confirm in the client. Truncated, not split: every
   * task counts against each group's monthly quota of group sends.
   */
  async createCustomerGroupTask(key: string, sender: string, chatIds: readonly string[], text: string): Promise<string[]> {
    if (sender === '') throw new InvalidPayloadError('sender', 'must not be empty');
    if (chatIds.length < 1 || chatIds.length > 2000) throw new InvalidPayloadError('chat_id_list', 'must hold 1–2000 chat ids');
    const content = truncateByBytes(nonEmpty(text), WECOM_BYTE_LIMITS.customerGroupText, TRUNCATED);
    await this.outbox.enqueue(key, { kind: 'customer_group_task', sender, chatIds: [...chatIds] }, groupTaskText(content));
    return [key];
  }

  private parts(key: string, dest: Destination, text: string, maxBytes: number, build: (content: string, index: number) => object): Promise<string[]> {
    const bodies = splitByBytes(nonEmpty(text), maxBytes).map((content, i) => build(content, i));
    return this.outbox.enqueueParts(key, dest, bodies);
  }
}

function nonEmpty(text: string): string {
  if (text.trim() === '') throw new InvalidPayloadError('content', 'must not be empty');
  return text;
}

function members(userIds: readonly string[]): string[] {
  const unique = [...new Set(userIds)];
  if (unique.length < 1 || unique.length > 1000) throw new InvalidPayloadError('touser', 'must hold 1–1000 user ids');
  return unique;
}
