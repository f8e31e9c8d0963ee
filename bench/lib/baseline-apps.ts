import Koa, { type Context } from 'koa';
import Router from '@koa/router';
import type { Queue } from 'bullmq';
import type { mongo } from 'mongoose';
import { readRawBody } from '../../src/http/raw-body';
import { parseAibotEnvelope, parseAibotPayload } from '../../src/channels/wecom/aibot-payload';
import { signedQuery } from '../../src/channels/wecom/signed-query';
import { verifyAndDecrypt } from '../../src/channels/wecom/reply';
import type { WeComCrypto } from '../../src/channels/wecom/crypto';
import { inboundIdFor } from '../../src/channels/wecom/ids';
import { isDuplicateKeyError } from '../../src/store/connection';
import { jobId } from '../../src/queues/names';
import { INTAKE_JOB_OPTIONS } from '../../src/pipeline/intake';

// The two yardsticks Mulin's callback route is measured against. Both use the same
// verify/decrypt code as the app, so the difference is what the app adds around it.

export interface BaselineOptions {
  crypto: WeComCrypto;
  windowSeconds: number;
  bodyLimitBytes: number;
}

export interface BaselineDoc {
  _id: string;
  rawId: string;
  chatId: string | null;
  senderId: string;
  text: string;
  receivedAt: Date;
}

export interface DurableSink {
  /** A collection with nothing but the `_id` index. */
  collection: mongo.Collection<BaselineDoc>;
  queue: Queue<{ inboundId: string }>;
}

async function openCallback(ctx: Context, opts: BaselineOptions): Promise<string> {
  const body = await readRawBody(ctx, opts.bodyLimitBytes);
  const { encrypt } = parseAibotEnvelope(body);
  return verifyAndDecrypt(opts.crypto, signedQuery(ctx), encrypt, Math.floor(Date.now() / 1000), opts.windowSeconds);
}

function bareApp(handler: (ctx: Context) => Promise<void>): Koa {
  const router = new Router();
  router.post('/wecom/aibot', async (ctx) => {
    try {
      await handler(ctx);
    } catch (err) {
      const e = err as { status?: number; reason?: string; message?: string };
      ctx.status = typeof e.status === 'number' ? e.status : 500;
      ctx.body = { error: e.reason ?? e.message ?? 'error' };
    }
  });
  const app = new Koa();
  app.silent = true;
  app.use(router.routes());
  return app;
}

/** Baseline A: the CPU cost of authenticating a callback, and nothing else. */
export function decryptOnlyApp(opts: BaselineOptions): Koa {
  return bareApp(async (ctx) => {
    await openCallback(ctx, opts);
    ctx.status = 200;
    ctx.body = '';
  });
}

/**
 * Baseline B: the least a durable intake can do. One insert keyed by the message
 * (a resend hits the unique `_id` and is acknowledged), one queue add with a jobId.
 */
export function durableIntakeApp(opts: BaselineOptions, sink: DurableSink): Koa {
  return bareApp(async (ctx) => {
    const cb = parseAibotPayload(await openCallback(ctx, opts));
    const id = inboundIdFor('wecom_aibot', cb.msgid);
    const { from, chatid } = cb;
    const text = cb.type === 'message' ? cb.text : '';
    try {
      await sink.collection.insertOne({ _id: id, rawId: cb.msgid, chatId: chatid, senderId: from.userid, text, receivedAt: new Date() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    await sink.queue.add('intake', { inboundId: id }, { ...INTAKE_JOB_OPTIONS, jobId: jobId('intake', id) });
    ctx.status = 200;
    ctx.body = '';
  });
}
