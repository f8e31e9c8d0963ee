import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../log';
import { WeComApiError, WeComRecipientError, isRetryable } from './api-errors';
import { postJson, type FetchFn, type WeComApiClient, type WeComResponse } from './api-client';
import { describeDestination, type Destination } from './destination';
import {
  appMessage,
  cardUpdate,
  customerGroupTask,
  type AppMessageBody,
  type CardUpdateBody,
  type GroupTaskTextBody,
} from './payloads';
import { fingerprint } from './token-cache';

export interface DeliveryResult {
  msgid?: string;
  /** From a template-card send: the code for one later update_template_card. */
  responseCode?: string;
}

/** Sends one stored delivery. Throws the classified errors of api-errors.ts. */
export interface WeComSender {
  deliver(dest: Destination, body: object): Promise<DeliveryResult>;
}

export interface LiveSenderOptions {
  /** The self-built app's client (its secret). */
  app: WeComApiClient;
  agentId: number;
  /** For add_msg_template: the 客户联系 secret's client, unless the app is listed in 可调用应用. */
  customerContact?: WeComApiClient;
  /** WECOM_API_BASE, for the push webhook. */
  baseUrl: string;
  fetch?: FetchFn;
  timeoutMs?: number;
  logger: Logger;
}

interface SendAnswer extends WeComResponse {
  msgid?: string;
  response_code?: string;
  invaliduser?: string;
}

export class LiveSender implements WeComSender {
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFn;

  constructor(private readonly opts: LiveSenderOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
  }

  async deliver(dest: Destination, body: object): Promise<DeliveryResult> {
    const { app, agentId } = this.opts;
    switch (dest.kind) {
      case 'app_user': {
        const res = await app.call<SendAnswer>('message/send', appMessage(agentId, dest.userIds, body as AppMessageBody));
        if (res.invaliduser) this.opts.logger.warn({ api: 'message/send', invaliduser: res.invaliduser }, 'wecom skipped some recipients');
        return compact({ msgid: res.msgid, responseCode: res.response_code });
      }
      case 'app_card_update': {
        await app.call('message/update_template_card', cardUpdate(agentId, dest.userIds, dest.responseCode, body as CardUpdateBody));
        return {};
      }
      case 'group_webhook': {
        const url = `${this.baseUrl}/cgi-bin/webhook/send?key=${encodeURIComponent(dest.webhookKey)}`;
        try {
          await postJson(url, body, this.fetchFn, this.opts.timeoutMs, 'webhook/send');
        } catch (err) {
          if (err instanceof WeComApiError) this.opts.logger.warn({ api: 'webhook/send', webhookKey: fingerprint(dest.webhookKey), errcode: err.errcode }, 'wecom webhook send failed');
          throw err;
        }
        return {};
      }
      case 'response_url':
        try {
          await postJson(dest.url, body, this.fetchFn, this.opts.timeoutMs, 'aibot/response');
        } catch (err) {
          // No secret is involved here: any permanent errcode means this single-use URL is spent.
          if (err instanceof WeComApiError && !isRetryable(err)) {
            throw new WeComRecipientError('aibot/response', err.errcode, err.errmsg, 'the response_url was already used or has expired (one call, valid 1 h)');
          }
          throw err;
        }
        return {};
      case 'customer_group_task': {
        const client = this.opts.customerContact ?? app;
        const res = await client.call<SendAnswer & { fail_list?: unknown }>(
          'externalcontact/add_msg_template',
          customerGroupTask(dest.sender, dest.chatIds, body as GroupTaskTextBody),
        );
        const failed = Array.isArray(res.fail_list) ? res.fail_list.map(String) : [];
        if (failed.length > 0 && failed.length >= dest.chatIds.length) {
          throw new WeComRecipientError('externalcontact/add_msg_template', null, `fail_list: ${failed.join(',')}`, 'no chat could take the task: check the chat ids and that the sender owns them');
        }
        if (failed.length > 0) this.opts.logger.warn({ api: 'externalcontact/add_msg_template', failList: failed }, 'wecom skipped some customer groups');
        return compact({ msgid: res.msgid });
      }
    }
  }
}

function compact(r: { msgid?: string | undefined; responseCode?: string | undefined }): DeliveryResult {
  const out: DeliveryResult = {};
  if (typeof r.msgid === 'string') out.msgid = r.msgid;
  if (typeof r.responseCode === 'string') out.responseCode = r.responseCode;
  return out;
}

/**
 * Without WeCom credentials (the local default) each send becomes one JSON line in a file that
 * the demo prints: `{ at, destination, body }`, credentials fingerprinted.
 */
export class OutboxSender implements WeComSender {
  private readonly now: () => Date;

  constructor(private readonly opts: { path: string; now?: () => Date }) {
    this.now = opts.now ?? (() => new Date());
  }

  async deliver(dest: Destination, body: object): Promise<DeliveryResult> {
    await mkdir(dirname(this.opts.path), { recursive: true });
    const line = JSON.stringify({ at: this.now().toISOString(), destination: describeDestination(dest), body });
    await appendFile(this.opts.path, `${line}\n`, 'utf8');
    return {};
  }
}
