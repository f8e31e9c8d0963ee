import type { Context } from 'koa';

export class PayloadTooLargeError extends Error {
  readonly status = 413;
  readonly reason = 'body_too_large';
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/** Reads the body as UTF-8 text, refusing anything over the limit without buffering it. */
export async function readRawBody(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) {
    ctx.set('Connection', 'close');
    throw new PayloadTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Drain the rest instead of destroying the socket, so the client still reads the 413.
      ctx.req.resume();
      ctx.set('Connection', 'close');
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
