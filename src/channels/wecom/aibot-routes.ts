import type Router from '@koa/router';
import type { Logger } from '../../log';
import type { Metrics } from '../../http/metrics';
import { readRawBody } from '../../http/raw-body';
import type { IntakeService } from '../../pipeline/intake';
import { orUnavailable } from '../../pipeline/errors';
import type { InboundMessage } from '../../domain/inbound-message';
import { parseAibotEnvelope, parseAibotPayload, type AibotCallback } from './aibot-payload';
import { CallbackError } from './callback-errors';
import { callbackRouter } from './callback-router';
import { signedQuery } from './signed-query';
import type { WeComCrypto } from './crypto';
import { inboundIdFor, streamIdFor } from './ids';
import { buildAibotReply, streamReply, verifyAndDecrypt } from './reply';
import type { StreamStore } from './stream-store';

export interface AibotRouteDeps {
  crypto: WeComCrypto;
  /** When set, callbacks for another bot are refused (defence in depth behind the signature). */
  aibotId: string | null;
  intake: IntakeService;
  streams: StreamStore;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  timestampWindowSeconds: number;
  bodyLimitBytes: number;
  streamWindowSeconds: number;
}

const WELCOME = '您好，我是睦邻小助手。小区里遇到问题，在群里@我说一声就行，比如“3栋楼道灯坏了”。';

class WrongBotError extends CallbackError {
  constructor() {
    super(403, 'wrong_aibotid', 'callback addressed to another AI bot');
  }
}

function toInbound(cb: Extract<AibotCallback, { type: 'message' }>, receivedAt: Date): InboundMessage {
  return {
    id: inboundIdFor('wecom_aibot', cb.msgid),
    channel: 'wecom_aibot',
    rawId: cb.msgid,
    kind: 'text',
    compoundCode: null,
    chatId: cb.chatid,
    chatType: cb.chattype,
    senderId: cb.from.userid,
    text: cb.text,
    quote: cb.quote,
    action: null,
    sentAt: cb.createTime ? new Date(cb.createTime * 1000) : receivedAt,
    receivedAt,
  };
}

/** GET/POST /wecom/aibot: the AI bot's URL verification and JSON callbacks (receiveid ""). */
export function aibotRoutes(deps: AibotRouteDeps): Router {
  const route = 'aibot';
  const nowSec = () => Math.floor(deps.now().getTime() / 1000);

  const router = callbackRouter('/wecom/aibot', route, deps, async (ctx) => {
    const query = signedQuery(ctx);
    const body = await readRawBody(ctx, deps.bodyLimitBytes);
    const { encrypt } = parseAibotEnvelope(body);
    const plaintext = verifyAndDecrypt(deps.crypto, query, encrypt, nowSec(), deps.timestampWindowSeconds);
    const cb = parseAibotPayload(plaintext);
    if (deps.aibotId !== null && 'aibotid' in cb && cb.aibotid !== deps.aibotId) throw new WrongBotError();

    const reply = await handle(cb);
    if (reply === null) {
      ctx.status = 200;
      ctx.body = '';
    } else {
      ctx.type = 'text/plain';
      ctx.body = buildAibotReply(deps.crypto, reply, query.nonce ?? '', nowSec());
    }
  });

  async function handle(cb: AibotCallback): Promise<object | null> {
    const receivedAt = deps.now();
    switch (cb.type) {
      case 'message': {
        const msg = toInbound(cb, receivedAt);
        const streamId = streamIdFor(msg.id);
        const deadline = new Date(receivedAt.getTime() + deps.streamWindowSeconds * 1000);
        // The stream is opened before the job can run (the worker may finish before this
        // response is sent); it and the store write go in parallel, the job after both.
        const [snap, recorded] = await Promise.all([
          orUnavailable('redis', () => deps.streams.open(streamId, { inboundId: msg.id, responseUrl: cb.responseUrl, deadline, now: receivedAt })),
          deps.intake.record(msg),
        ]);
        await deps.intake.enqueue(msg.id);
        deps.metrics.callbacks.inc({ route, outcome: recorded.duplicate ? 'duplicate' : 'accepted' });
        deps.log.debug({ inboundId: msg.id, chatId: msg.chatId, duplicate: recorded.duplicate, msgtype: cb.msgtype }, recorded.duplicate ? 'duplicate message callback' : 'message accepted');
        return streamReply(streamId, snap.content, snap.finish);
      }
      case 'stream_refresh': {
        const snap = await orUnavailable('redis', () => deps.streams.snapshot(cb.streamId, receivedAt));
        deps.metrics.callbacks.inc({ route, outcome: snap ? 'stream_refresh' : 'stream_unknown' });
        // Unknown or expired stream: finish it so WeCom stops polling.
        return streamReply(cb.streamId, snap?.content ?? '', snap?.finish ?? true);
      }
      case 'event': {
        if (cb.eventtype === 'enter_chat') {
          deps.metrics.callbacks.inc({ route, outcome: 'enter_chat' });
          return { msgtype: 'text', text: { content: WELCOME } };
        }
        if (cb.eventtype === 'template_card_event' && cb.cardAction) {
          const msg: InboundMessage = {
            id: inboundIdFor('wecom_aibot', cb.msgid),
            channel: 'wecom_aibot',
            rawId: cb.msgid,
            kind: 'card_action',
            compoundCode: null,
            chatId: cb.chatid,
            chatType: cb.chattype,
            senderId: cb.from.userid,
            text: '',
            quote: null,
            action: { ...cb.cardAction, responseCode: null },
            sentAt: cb.createTime ? new Date(cb.createTime * 1000) : receivedAt,
            receivedAt,
          };
          const { duplicate } = await deps.intake.accept(msg);
          deps.metrics.callbacks.inc({ route, outcome: duplicate ? 'duplicate' : 'card_action' });
          return null;
        }
        deps.metrics.callbacks.inc({ route, outcome: cb.eventtype === 'feedback_event' ? 'feedback_event' : 'event_other' });
        return null;
      }
    }
  }

  return router;
}
