import { BadSignatureError, MissingParamsError } from './callback-errors';
import { checkTimestamp, type WeComCrypto } from './crypto';
import { buildXml } from './xml';

/** Stream content limit, in UTF-8 bytes. */
export const STREAM_MAX_BYTES = 20480;

/** Query parameters of a signed callback, already URL-decoded by the HTTP framework. */
export interface SignedQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
}

export interface StreamReply {
  msgtype: 'stream';
  stream: { id: string; finish: boolean; content: string };
}

/**
 * The checks every POST callback goes through, in an order that never decrypts
 * unauthenticated input: params present → timestamp window → signature → decrypt.
 */
export function verifyAndDecrypt(
  crypto: WeComCrypto,
  query: SignedQuery,
  encrypt: string,
  nowSec: number,
  windowSec: number,
): string {
  const { msg_signature: signature, timestamp, nonce } = requireParams(query, ['msg_signature', 'timestamp', 'nonce']);
  checkTimestamp(timestamp, nowSec, windowSec);
  if (!crypto.verifySignature(signature, timestamp, nonce, encrypt)) throw new BadSignatureError();
  return crypto.decrypt(encrypt);
}

/** GET URL verification: returns the decrypted echostr, to be sent back as the whole body. */
export function verifyUrl(
  crypto: WeComCrypto,
  query: SignedQuery & { echostr?: string },
  nowSec: number,
  windowSec: number,
): string {
  const { echostr } = requireParams(query, ['msg_signature', 'timestamp', 'nonce', 'echostr']);
  // Base64 never contains spaces: a space is an unencoded "+" that form-style decoding turned into " ".
  const restored = echostr.replaceAll(' ', '+');
  return verifyAndDecrypt(crypto, query, restored, nowSec, windowSec);
}

/** JSON body answering an AI-bot callback; `nonce` must be the callback's own. */
export function buildAibotReply(
  crypto: WeComCrypto,
  plaintext: object,
  nonce: string,
  timestampSec: number,
  random?: Buffer,
): string {
  const timestamp = secondsString(timestampSec);
  const encrypt = crypto.encrypt(JSON.stringify(plaintext), random);
  return JSON.stringify({ encrypt, msgsignature: crypto.signature(timestamp, nonce, encrypt), timestamp, nonce });
}

/** XML envelope answering a self-built app callback. */
export function buildAppReply(
  crypto: WeComCrypto,
  plaintextXml: string,
  nonce: string,
  timestampSec: number,
  random?: Buffer,
): string {
  const timestamp = secondsString(timestampSec);
  const encrypt = crypto.encrypt(plaintextXml, random);
  return buildXml({
    Encrypt: encrypt,
    MsgSignature: crypto.signature(timestamp, nonce, encrypt),
    TimeStamp: timestampSec,
    Nonce: nonce,
  });
}

/** A stream reply; content replaces what the user saw, so always pass the full snapshot. */
export function streamReply(streamId: string, content: string, finish: boolean): StreamReply {
  return { msgtype: 'stream', stream: { id: streamId, finish, content: truncateUtf8(content, STREAM_MAX_BYTES) } };
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function requireParams<K extends string>(
  query: Partial<Record<K, string>>,
  keys: readonly K[],
): Record<K, string> {
  const missing = keys.filter((k) => !query[k]);
  if (missing.length > 0) throw new MissingParamsError(missing);
  return query as Record<K, string>;
}

function secondsString(timestampSec: number): string {
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0) {
    throw new RangeError(`timestamp must be whole seconds, got ${timestampSec}`);
  }
  return String(timestampSec);
}
