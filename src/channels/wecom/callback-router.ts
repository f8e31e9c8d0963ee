import Router from '@koa/router';
import type { Context } from 'koa';
import type { Metrics } from '../../http/metrics';
import { CallbackError } from './callback-errors';
import type { WeComCrypto } from './crypto';
import { verifyUrl } from './reply';
import { signedQuery } from './signed-query';

export interface CallbackRouterDeps {
  /** Holds the receiveid the decrypted echostr must end with: "" for the AI bot, the CorpID for the app. */
  crypto: WeComCrypto;
  metrics: Metrics;
  now: () => Date;
  timestampWindowSeconds: number;
}

/**
 * What every WeCom callback endpoint shares. GET `path` is the URL verification: params,
 * timestamp window and signature checked, the echostr decrypted and sent back as plain text
 * (a refusal goes straight to the HTTP layer). POST `path` runs `handlePost` under the callback
 * timer; a refusal there is counted under `route` with its reason, then rethrown for the HTTP
 * layer to answer and log.
 */
export function callbackRouter(
  path: string,
  route: string,
  deps: CallbackRouterDeps,
  handlePost: (ctx: Context) => Promise<void>,
): Router {
  const router = new Router();

  router.get(path, (ctx) => {
    const plain = verifyUrl(deps.crypto, signedQuery(ctx), Math.floor(deps.now().getTime() / 1000), deps.timestampWindowSeconds);
    deps.metrics.callbacks.inc({ route, outcome: 'url_verified' });
    ctx.type = 'text/plain';
    ctx.body = plain;
  });

  router.post(path, async (ctx) => {
    const timer = deps.metrics.callbackSeconds.startTimer({ route });
    try {
      await handlePost(ctx);
    } catch (err) {
      const reason = err instanceof CallbackError ? err.reason : ((err as { reason?: string }).reason ?? 'error');
      deps.metrics.callbacks.inc({ route, outcome: reason });
      throw err;
    } finally {
      timer();
    }
  });

  return router;
}
