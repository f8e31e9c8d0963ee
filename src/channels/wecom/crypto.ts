import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DecryptError, StaleTimestampError } from './callback-errors';

// Our own AES layer rather than @wecom/crypto: that library skips out-of-range padding, never
// bounds-checks the length field and never compares the receiveid, so a wrong key can yield
// garbage with an empty tail that passes the AI bot's receiveId "" check.

/** WeCom pads PKCS#7 to 32-byte blocks, not AES's 16. */
const PAD_BLOCK = 32;
const AES_BLOCK = 16;
const RANDOM_BYTES = 16;
const HEADER_BYTES = RANDOM_BYTES + 4;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface WeComCryptoOptions {
  token: string;
  /** The 43-character key from the admin console. */
  encodingAesKey: string;
  /** CorpID for a self-built app, "" for an enterprise AI bot. */
  receiveId: string;
}

export class WeComCrypto {
  readonly receiveId: string;
  private readonly token: string;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly receiveIdBytes: Buffer;

  constructor(opts: WeComCryptoOptions) {
    if (opts.token.length === 0) throw new Error('WeCom token must not be empty');
    if (!/^[A-Za-z0-9+/]{43}$/.test(opts.encodingAesKey)) {
      throw new Error('WeCom EncodingAESKey must be 43 base64 characters');
    }
    this.token = opts.token;
    this.key = Buffer.from(`${opts.encodingAesKey}=`, 'base64');
    this.iv = this.key.subarray(0, AES_BLOCK);
    this.receiveId = opts.receiveId;
    this.receiveIdBytes = Buffer.from(opts.receiveId, 'utf8');
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    const joined = [this.token, timestamp, nonce, encrypt].sort().join('');
    return createHash('sha1').update(joined, 'utf8').digest('hex');
  }

  verifySignature(signature: string, timestamp: string, nonce: string, encrypt: string): boolean {
    const expected = Buffer.from(this.signature(timestamp, nonce, encrypt), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  decrypt(encrypt: string): string {
    if (encrypt.length === 0 || encrypt.length % 4 !== 0 || !BASE64.test(encrypt)) {
      throw new DecryptError('bad_base64', 'ciphertext is not valid padded base64');
    }
    const cipherText = Buffer.from(encrypt, 'base64');
    if (cipherText.length === 0 || cipherText.length % AES_BLOCK !== 0) {
      throw new DecryptError('bad_block_size', `ciphertext is ${cipherText.length} bytes`);
    }
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
    const body = unpad(Buffer.concat([decipher.update(cipherText), decipher.final()]));

    if (body.length < HEADER_BYTES) throw new DecryptError('bad_length', 'plaintext shorter than its header');
    const msgLength = body.readUInt32BE(RANDOM_BYTES);
    if (msgLength > body.length - HEADER_BYTES) {
      throw new DecryptError('bad_length', `length field ${msgLength} exceeds the ${body.length}-byte plaintext`);
    }
    const msgEnd = HEADER_BYTES + msgLength;
    const tail = body.subarray(msgEnd);
    if (!tail.equals(this.receiveIdBytes)) {
      throw new DecryptError(
        'receiveid_mismatch',
        `receiveid tail of ${tail.length} bytes does not match the expected ${this.receiveIdBytes.length}`,
      );
    }
    try {
      return utf8.decode(body.subarray(HEADER_BYTES, msgEnd));
    } catch {
      throw new DecryptError('bad_utf8', 'message is not valid UTF-8');
    }
  }

  encrypt(plaintext: string, random: Buffer = randomBytes(RANDOM_BYTES)): string {
    if (random.length !== RANDOM_BYTES) throw new RangeError(`random must be ${RANDOM_BYTES} bytes`);
    const msg = Buffer.from(plaintext, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(msg.length);
    const body = pad(Buffer.concat([random, length, msg, this.receiveIdBytes]));
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
    return Buffer.concat([cipher.update(body), cipher.final()]).toString('base64');
  }
}

function pad(data: Buffer): Buffer {
  const padLength = PAD_BLOCK - (data.length % PAD_BLOCK);
  return Buffer.concat([data, Buffer.alloc(padLength, padLength)]);
}

function unpad(data: Buffer): Buffer {
  const padLength = data[data.length - 1] ?? 0;
  if (padLength < 1 || padLength > PAD_BLOCK || padLength > data.length) {
    throw new DecryptError('bad_padding', `pad byte ${padLength} out of range`);
  }
  for (let i = data.length - padLength; i < data.length; i++) {
    if (data[i] !== padLength) throw new DecryptError('bad_padding', 'pad bytes are not all equal');
  }
  return data.subarray(0, data.length - padLength);
}

/** Rejects timestamps that are not plain decimal seconds or lie outside now ± windowSec. */
export function checkTimestamp(timestamp: string, nowSec: number, windowSec: number): void {
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new StaleTimestampError('bad_timestamp', 'timestamp is not a decimal number of seconds');
  }
  const ts = Number(timestamp);
  if (ts < nowSec - windowSec) {
    throw new StaleTimestampError('stale_timestamp', `timestamp is ${nowSec - ts}s old (window ${windowSec}s)`);
  }
  if (ts > nowSec + windowSec) {
    throw new StaleTimestampError('future_timestamp', `timestamp is ${ts - nowSec}s ahead (window ${windowSec}s)`);
  }
}
