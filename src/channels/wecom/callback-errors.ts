import type { z } from 'zod';

/**
 * Rejections of an inbound WeCom callback. `status` is what the HTTP layer answers,
 * `reason` a stable snake_case label for logs and metrics.
 */
export class CallbackError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class MissingParamsError extends CallbackError {
  constructor(readonly params: readonly string[]) {
    super(400, 'missing_params', `missing query parameters: ${params.join(', ')}`);
  }
}

export type StaleTimestampReason = 'bad_timestamp' | 'stale_timestamp' | 'future_timestamp';

// 401, not 403: freshness is part of authenticating the request, and it is checked before the
// signature, so we never know the caller was authentic (403 would claim it was, just not allowed).
export class StaleTimestampError extends CallbackError {
  constructor(override readonly reason: StaleTimestampReason, message: string) {
    super(401, reason, message);
  }
}

export class BadSignatureError extends CallbackError {
  constructor() {
    super(401, 'bad_signature', 'msg_signature does not match');
  }
}

export type DecryptReason =
  | 'bad_base64'
  | 'bad_block_size'
  | 'bad_padding'
  | 'bad_length'
  | 'bad_utf8'
  | 'receiveid_mismatch';

export class DecryptError extends CallbackError {
  constructor(override readonly reason: DecryptReason, message: string) {
    super(400, reason, message);
  }
}

export type MalformedEnvelopeReason =
  | 'invalid_json'
  | 'invalid_xml'
  | 'doctype_forbidden'
  | 'too_large'
  | 'invalid_root'
  | 'missing_encrypt';

/** The outer (still encrypted) request body is unusable. */
export class MalformedEnvelopeError extends CallbackError {
  constructor(override readonly reason: MalformedEnvelopeReason, message: string) {
    super(400, reason, message);
  }
}

export type MalformedPayloadReason =
  | 'invalid_json'
  | 'invalid_xml'
  | 'invalid_shape'
  | 'unsupported_msgtype';

/** The decrypted plaintext is authentic but not something we can interpret. */
export class MalformedPayloadError extends CallbackError {
  constructor(override readonly reason: MalformedPayloadReason, message: string) {
    super(400, reason, message);
  }
}

/** Runs a zod schema over decrypted data, turning a mismatch into MalformedPayloadError. */
export function parsePayload<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const described = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new MalformedPayloadError('invalid_shape', described.join('; '));
}
