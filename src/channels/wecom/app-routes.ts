import type Router from '@koa/router';
import type { Logger } from '../../log';
import type { Metrics } from '../../http/metrics';
import { readRawBody } from '../../http/raw-body';
import type { IntakeService } from '../../pipeline/intake';
import type { InboundMessage } from '../../domain/inbound-message';
import { parseAppEnvelope, parseAppJsonEnvelope, parseAppJsonPayload, parseAppPayload, type AppCallback } from './app-payload';
import { callbackRouter } from './callback-router';
import { signedQuery } from './signed-query';
import type { WeComCrypto } from './crypto';
import { inboundIdFor } from './ids';
import { verifyAndDecrypt } from './reply';

export interface AppRouteDeps {
  crypto: WeComCrypto;
  intake: IntakeService;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  timestampWindowSeconds: number;
  bodyLimitBytes: number;
}

function toInbound(cb: AppCallback, receivedAt: Date): InboundMessage | null {
  const base = { channel: 'wecom_app' as const, compoundCode: null, chatId: null, chatType: 'single' as const, quote: null, receivedAt };
  switch (cb.type) {
    case 'text':
      return { ...base, id: inboundIdFor('wecom_app', cb.msgId), rawId: cb.msgId, kind: 'text', senderId: cb.from, text: cb.content, action: null, sentAt: new Date(cb.createTime * 1000) };
    case 'card_click': {
      // WeCom's advice: events are deduplicated on sender + CreateTime; the task and key make a second button distinct.
      const rawId = `${cb.from}|${cb.createTime}|${cb.taskId}|${cb.eventKey}`;
      return {
        ...base,
        id: inboundIdFor('wecom_app', rawId),
        rawId,
        kind: 'card_action',
        senderId: cb.from,
        text: '',
        action: { taskId: cb.taskId, eventKey: cb.eventKey, cardType: cb.cardType, responseCode: cb.responseCode },
        sentAt: new Date(cb.createTime * 1000),
      };
    }
    case 'other':
      if (cb.msgId === null) return null;
      return { ...base, id: inboundIdFor('wecom_app', cb.msgId), rawId: cb.msgId, kind: 'text', senderId: cb.from, text: '', action: null, sentAt: new Date(cb.createTime * 1000) };
    case 'event':
      return null;
  }
}

/**
 * GET/POST /wecom/app: the self-built app's verification and callbacks, XML or
 * JSON (receiveid = CorpID). Answers at once with an empty 200; replies go out later
 * through message/send, since WeCom retries anything slower than 5 s.
 */
export function appRoutes(deps: AppRouteDeps): Router {
  const route = 'app';
  const nowSec = () => Math.floor(deps.now().getTime() / 1000);

  return callbackRouter('/wecom/app', route, deps, async (ctx) => {
    const query = signedQuery(ctx);
    const body = await readRawBody(ctx, deps.bodyLimitBytes);
    const json = body.trimStart().startsWith('{');
    const { encrypt } = json ? parseAppJsonEnvelope(body) : parseAppEnvelope(body);
    const plaintext = verifyAndDecrypt(deps.crypto, query, encrypt, nowSec(), deps.timestampWindowSeconds);
    const cb = plaintext.trimStart().startsWith('{') ? parseAppJsonPayload(plaintext) : parseAppPayload(plaintext);
    const msg = toInbound(cb, deps.now());
    if (msg === null) {
      deps.metrics.callbacks.inc({ route, outcome: 'event_ignored' });
      deps.log.debug({ type: cb.type }, 'app callback without a message');
    } else {
      const { duplicate } = await deps.intake.accept(msg);
      deps.metrics.callbacks.inc({ route, outcome: duplicate ? 'duplicate' : msg.kind === 'card_action' ? 'card_action' : 'accepted' });
      deps.log.info({ inboundId: msg.id, kind: msg.kind, duplicate }, duplicate ? 'duplicate app callback' : 'app callback accepted');
    }
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = '';
  });
}
