import type { Context } from 'koa';
import type { SignedQuery } from './reply';

/** Koa gives repeated query keys as arrays; WeCom never repeats them, so anything but a string is absent. */
export function signedQuery(ctx: Context): SignedQuery & { echostr?: string } {
  const pick = (k: string): string | undefined => {
    const v = ctx.query[k];
    return typeof v === 'string' ? v : undefined;
  };
  return { msg_signature: pick('msg_signature'), timestamp: pick('timestamp'), nonce: pick('nonce'), echostr: pick('echostr') };
}
