import type { Middleware } from 'koa';
import type { Logger } from '../log';

interface HttpError {
  status: number;
  reason?: string;
  message: string;
}

function asHttpError(err: unknown): HttpError | null {
  if (typeof err !== 'object' || err === null) return null;
  const status = (err as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 400 || status > 599) return null;
  return err as HttpError;
}

/**
 * The one place errors become responses. Expected failures (bad signature,
 * stale timestamp, store down…) carry a status and a reason and are logged as
 * warnings; anything else is a 500 and an error log.
 */
export function errorMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const known = asHttpError(err);
      if (known) {
        const reason = known.reason ?? (err as Error).name ?? 'error';
        ctx.status = known.status;
        ctx.body = { error: reason };
        log.warn({ path: ctx.path, method: ctx.method, status: known.status, reason, detail: known.message }, 'request refused');
        return;
      }
      ctx.status = 500;
      ctx.body = { error: 'internal_error' };
      log.error({ err, path: ctx.path, method: ctx.method }, 'request failed');
    }
  };
}
