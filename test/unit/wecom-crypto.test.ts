import { createCipheriv } from 'node:crypto';
import * as wecomCrypto from '@wecom/crypto';
import { parseAibotEnvelope, parseAibotPayload } from '../../src/channels/wecom/aibot-payload';
import {
  BadSignatureError,
  DecryptError,
  MalformedPayloadError,
  MissingParamsError,
  StaleTimestampError,
} from '../../src/channels/wecom/callback-errors';
import { checkTimestamp, WeComCrypto } from '../../src/channels/wecom/crypto';
import { buildAibotReply, buildAppReply, streamReply, verifyAndDecrypt, verifyUrl } from '../../src/channels/wecom/reply';
import { parseXml } from '../../src/channels/wecom/xml';

// Official vectors date from 2014-2016: check them against a fixed "now" with a 20-year window.
const NOW = 1_750_000_000;
const WIDE = 20 * 365 * 86_400;

const SET_A = { token: 'QDG6eK', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wx5823bf96d3bd56c7' };
const SET_B = { token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo', encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt', corpId: 'ww1436e0e65a779aee' };

const appA = new WeComCrypto({ token: SET_A.token, encodingAesKey: SET_A.encodingAesKey, receiveId: SET_A.corpId });
const botA = new WeComCrypto({ token: SET_A.token, encodingAesKey: SET_A.encodingAesKey, receiveId: '' });
const appB = new WeComCrypto({ token: SET_B.token, encodingAesKey: SET_B.encodingAesKey, receiveId: SET_B.corpId });

const A1 = {
  msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  msg: '1616140317555161061',
};
const A2 = {
  msg_signature: '477715d11cdb4164915debcba66cb864d751f3e6',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
  msg:
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>',
  bytes: 284,
};
const A3 = {
  msg_signature: '0623cbc5a8cbee5bcc137c70de99575366fc2af3',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=',
  msg: '{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}',
  bytes: 164,
};
const B1 = {
  msg_signature: '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
  timestamp: '1476416373',
  nonce: '47744683',
  echostr: 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
  msg: '1288432023552776189',
};
const B2 = {
  msg_signature: '0c3914025cb4b4d68103f6bfc8db550f79dcf48e',
  timestamp: '1476422779',
  nonce: '1597212914',
  encrypt:
    'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+',
  msg: '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>',
  bytes: 228,
};
const B3 = {
  msg_signature: 'e3647471e395139e2308c1fa963f2d648a00b90e',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU=',
  msg: '{ "ToUserName": "wx5823bf96d3bd56c7", "FromUserName": :mycreate", "CreateTime": 1409659813, "MsgType": "text", "Content": "hello", "MsgId": 4561255354251345929, "AgentID": 218}',
  bytes: 176,
};

// §4.3: self-generated AI-bot vector (receiveid "").
const AIBOT = {
  random: Buffer.from('0123456789abcdef', 'ascii'),
  timestamp: '1409659813',
  nonce: '1372623149',
  plaintext:
    '{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"}}',
  encrypt:
    'sKqRbbiSUnDhFHOvPjtUMcw0RmRNkLSpAwtrwZiMb9vVnpG3UVwnmBvcI4Hn9HXYXR+P8ZHkMy5J/emUWEvGEoYyLQ1sHR5gbyfkDv1sPJuwYvXryOyuAT2s0y64qmWqSCi+rxqA2c4Jpx9vFsl8xkSwf0JfF0huG2Z6s1AGgFS8S06CLbMIthQ4sKTzaoMOFv4p779b0bgcQh8N8z6Duig8JKjMdbiK06I3TKmPyBsUZOWKQVwVvY5jtDTkLGjve14QqajYP/JdK5l4W/YNtOoMkO1Kc1JL49K8AhBshNK7x2heD1BX/UO0FVbQDYVpjYlo1sJhKmtMpHlzEns7qA==',
  signature: '53add53c5dd64fad5feaca39915f1bcc39c0baf4',
  replyPlaintext: '{"msgtype":"stream","stream":{"id":"STREAMID","finish":false,"content":"收到，正在处理"}}',
  replyEncrypt:
    'sKqRbbiSUnDhFHOvPjtUMZK5VfIgoDl39l1NOzWEHMY60wfNL6I+/dv+HwE6IfnjhQhwJUx/+FZnFhA5o31mNVh1HFgl6RY9aHEKGpsTIyxptU+WH/WCASskEARE2ot0hRp+bwOf4VzI3jWfcLrnPM7L5PXr2EQrgTOjNyMq4bg=',
  replySignature: '2f40fd6fb479abafed586971149ecbefb90cb387',
};

/** AES-256-CBC over an exact block-aligned buffer, no padding: lets a test choose every plaintext byte. */
function rawEncrypt(encodingAesKey: string, plain: Buffer): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** random | len | msg | receiveid, padded by the caller-provided bytes. */
function framed(msg: string, receiveId: string, pad: Buffer, lengthField?: number): Buffer {
  const body = Buffer.from(msg, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(lengthField ?? body.length);
  return Buffer.concat([Buffer.alloc(16, 0x61), len, body, Buffer.from(receiveId, 'utf8'), pad]);
}

function decryptError(fn: () => unknown): DecryptError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecryptError) return err;
    throw err;
  }
  throw new Error('expected a DecryptError, nothing was thrown');
}

describe('official vectors (§4.2)', () => {
  it('A1: URL verification signature and echostr', () => {
    expect(appA.signature(A1.timestamp, A1.nonce, A1.echostr)).toBe(A1.msg_signature);
    expect(appA.decrypt(A1.echostr)).toBe(A1.msg);
    expect(verifyUrl(appA, A1, NOW, WIDE)).toBe(A1.msg);
  });

  it('A1: echostr whose "+" arrived as spaces (form-style decoding) still verifies', () => {
    expect(verifyUrl(appA, { ...A1, echostr: A1.echostr.replaceAll('+', ' ') }, NOW, WIDE)).toBe(A1.msg);
  });

  it('A2: encrypted XML POST', () => {
    expect(appA.signature(A2.timestamp, A2.nonce, A2.encrypt)).toBe(A2.msg_signature);
    const plain = verifyAndDecrypt(appA, A2, A2.encrypt, NOW, WIDE);
    expect(plain).toBe(A2.msg);
    expect(Buffer.byteLength(plain, 'utf8')).toBe(A2.bytes);
  });

  it('A3: encrypted JSON POST, envelope parsed from the JSON body', () => {
    const body = JSON.stringify({ tousername: SET_A.corpId, encrypt: A3.encrypt, agentid: '218' });
    const { encrypt } = parseAibotEnvelope(body);
    expect(appA.signature(A3.timestamp, A3.nonce, encrypt)).toBe(A3.msg_signature);
    const plain = verifyAndDecrypt(appA, A3, encrypt, NOW, WIDE);
    expect(plain).toBe(A3.msg);
    expect(Buffer.byteLength(plain, 'utf8')).toBe(A3.bytes);
  });

  it('B1: URL verification with Set B', () => {
    expect(appB.signature(B1.timestamp, B1.nonce, B1.echostr)).toBe(B1.msg_signature);
    expect(verifyUrl(appB, B1, NOW, WIDE)).toBe(B1.msg);
  });

  it('B2: encrypted XML POST with UTF-8 content', () => {
    expect(appB.signature(B2.timestamp, B2.nonce, B2.encrypt)).toBe(B2.msg_signature);
    const plain = verifyAndDecrypt(appB, B2, B2.encrypt, NOW, WIDE);
    expect(plain).toBe(B2.msg);
    expect(Buffer.byteLength(plain, 'utf8')).toBe(B2.bytes);
  });

  it('B3: decrypts with Set B, but the plaintext is not valid JSON', () => {
    expect(appB.signature(B3.timestamp, B3.nonce, B3.encrypt)).toBe(B3.msg_signature);
    const plain = verifyAndDecrypt(appB, B3, B3.encrypt, NOW, WIDE);
    expect(plain).toBe(B3.msg);
    expect(Buffer.byteLength(plain, 'utf8')).toBe(B3.bytes);
    expect(() => JSON.parse(plain)).toThrow(SyntaxError);
    expect(() => parseAibotPayload(plain)).toThrow(expect.objectContaining({ reason: 'invalid_json', status: 400 }));
    expect(() => parseAibotPayload(plain)).toThrow(MalformedPayloadError);
  });

  it('B3 against Set A keys fails the signature before any decryption', () => {
    expect(() => verifyAndDecrypt(appA, B3, B3.encrypt, NOW, WIDE)).toThrow(BadSignatureError);
  });

  it('the receiveid tail must match exactly', () => {
    const otherCorp = new WeComCrypto({ token: SET_A.token, encodingAesKey: SET_A.encodingAesKey, receiveId: 'wx5823bf96d3bd56c8' });
    const prefix = new WeComCrypto({ token: SET_A.token, encodingAesKey: SET_A.encodingAesKey, receiveId: 'wx5823bf96d3bd56c' });
    expect(decryptError(() => otherCorp.decrypt(A2.encrypt)).reason).toBe('receiveid_mismatch');
    expect(decryptError(() => prefix.decrypt(A2.encrypt)).reason).toBe('receiveid_mismatch');
  });
});

describe('AI-bot vector (§4.3, receiveid "")', () => {
  it('encrypts the request to the listed ciphertext and signature', () => {
    const encrypt = botA.encrypt(AIBOT.plaintext, AIBOT.random);
    expect(encrypt).toBe(AIBOT.encrypt);
    expect(botA.signature(AIBOT.timestamp, AIBOT.nonce, encrypt)).toBe(AIBOT.signature);
  });

  it('verifies and decrypts the request', () => {
    const query = { msg_signature: AIBOT.signature, timestamp: AIBOT.timestamp, nonce: AIBOT.nonce };
    expect(verifyAndDecrypt(botA, query, AIBOT.encrypt, NOW, WIDE)).toBe(AIBOT.plaintext);
  });

  it('builds the listed reply body', () => {
    const reply = streamReply('STREAMID', '收到，正在处理', false);
    expect(JSON.stringify(reply)).toBe(AIBOT.replyPlaintext);
    const body = JSON.parse(buildAibotReply(botA, reply, AIBOT.nonce, Number(AIBOT.timestamp), AIBOT.random));
    expect(body).toEqual({
      encrypt: AIBOT.replyEncrypt,
      msgsignature: AIBOT.replySignature,
      timestamp: AIBOT.timestamp,
      nonce: AIBOT.nonce,
    });
    expect(botA.decrypt(body.encrypt)).toBe(AIBOT.replyPlaintext);
  });

  it('app ciphertext is refused by the AI bot and vice versa (receiveid)', () => {
    expect(decryptError(() => botA.decrypt(A2.encrypt)).reason).toBe('receiveid_mismatch');
    expect(decryptError(() => botA.decrypt(A1.echostr)).reason).toBe('receiveid_mismatch');
    expect(decryptError(() => appA.decrypt(AIBOT.encrypt)).reason).toBe('receiveid_mismatch');
  });
});

describe('round trips and cross-check with @wecom/crypto', () => {
  const random = Buffer.from('fedcba9876543210', 'ascii');

  it('a 12-byte message with receiveid "" fills exactly one block and gets a full 32-byte pad block', () => {
    const encrypt = botA.encrypt('hello world!', random);
    expect(Buffer.from(encrypt, 'base64')).toHaveLength(64);
    expect(botA.decrypt(encrypt)).toBe('hello world!');
  });

  it.each(['', 'x', '{"msgtype":"text"}', '3栋楼道灯坏了，麻烦看一下 🙏', 'a'.repeat(5000)])(
    'round-trips %j with an empty receiveid',
    (msg) => {
      expect(botA.decrypt(botA.encrypt(msg))).toBe(msg);
    },
  );

  it('uses a fresh random prefix when none is given', () => {
    expect(botA.encrypt('same')).not.toBe(botA.encrypt('same'));
  });

  it.each([
    ['AI bot', SET_A.encodingAesKey, ''],
    ['app A', SET_A.encodingAesKey, SET_A.corpId],
    ['app B', SET_B.encodingAesKey, SET_B.corpId],
  ])('%s: byte-identical to @wecom/crypto and mutually decryptable', (_name, key, receiveId) => {
    const ours = new WeComCrypto({ token: 't', encodingAesKey: key, receiveId });
    for (const msg of ['', 'hello world!', A2.msg, B2.msg, '中文'.repeat(100)]) {
      const encrypt = ours.encrypt(msg, random);
      expect(encrypt).toBe(wecomCrypto.encrypt(key, msg, receiveId, random));
      expect(wecomCrypto.decrypt(key, encrypt)).toMatchObject({ message: msg, id: receiveId });
      expect(ours.decrypt(wecomCrypto.encrypt(key, msg, receiveId))).toBe(msg);
    }
    expect(ours.signature('1409659813', '1372623149', 'abc')).toBe(wecomCrypto.getSignature('t', '1409659813', '1372623149', 'abc'));
  });

  it('refuses a random prefix that is not 16 bytes', () => {
    expect(() => botA.encrypt('x', Buffer.alloc(15))).toThrow(RangeError);
  });

  it('refuses a malformed EncodingAESKey or empty token at construction', () => {
    expect(() => new WeComCrypto({ token: 't', encodingAesKey: SET_A.encodingAesKey.slice(1), receiveId: '' })).toThrow(/EncodingAESKey/);
    expect(() => new WeComCrypto({ token: 't', encodingAesKey: `${SET_A.encodingAesKey.slice(1)}-`, receiveId: '' })).toThrow(/EncodingAESKey/);
    expect(() => new WeComCrypto({ token: '', encodingAesKey: SET_A.encodingAesKey, receiveId: '' })).toThrow(/token/);
  });
});

describe('hostile ciphertexts', () => {
  const key = SET_A.encodingAesKey;

  it('wrong key', () => {
    expect(() => appB.decrypt(A2.encrypt)).toThrow(DecryptError);
    const botB = new WeComCrypto({ token: SET_B.token, encodingAesKey: SET_B.encodingAesKey, receiveId: '' });
    expect(() => botB.decrypt(AIBOT.encrypt)).toThrow(DecryptError);
  });

  it('truncated ciphertext', () => {
    const bytes = Buffer.from(A2.encrypt, 'base64');
    expect(decryptError(() => appA.decrypt(bytes.subarray(0, bytes.length - 3).toString('base64'))).reason).toBe('bad_block_size');
    // Dropping whole blocks leaves a middle block last, whose "padding" is garbage.
    expect(decryptError(() => appA.decrypt(bytes.subarray(0, bytes.length - 32).toString('base64'))).reason).toBe('bad_padding');
    expect(decryptError(() => appA.decrypt(bytes.subarray(0, bytes.length - 16).toString('base64'))).reason).toBe('bad_padding');
    expect(decryptError(() => appA.decrypt(A2.encrypt.slice(0, -4))).reason).toBe('bad_block_size');
    expect(decryptError(() => appA.decrypt(bytes.subarray(0, 8).toString('base64'))).reason).toBe('bad_block_size');
  });

  it.each([
    ['empty', ''],
    ['length not a multiple of 4', A2.encrypt.slice(0, -1)],
    ['URL-safe alphabet', A2.encrypt.replaceAll('+', '-').replaceAll('/', '_')],
    ['embedded whitespace', `${A2.encrypt.slice(0, 4)} ${A2.encrypt.slice(5)}`],
    ['non-base64 characters', `*${A2.encrypt.slice(1)}`],
    ['padding in the middle', `AA==${A2.encrypt.slice(4)}`],
    ['three pad characters', `${A2.encrypt.slice(0, -4)}A===`],
  ])('bad base64: %s', (_name, encrypt) => {
    expect(decryptError(() => appA.decrypt(encrypt)).reason).toBe('bad_base64');
  });

  it('a well-formed frame decrypts (control for the cases below)', () => {
    const plain = framed('hello', '', Buffer.alloc(7, 7));
    expect(plain.length % 32).toBe(0);
    expect(botA.decrypt(rawEncrypt(key, plain))).toBe('hello');
  });

  it('pad byte 0', () => {
    const encrypt = rawEncrypt(key, framed('hello', '', Buffer.from([7, 7, 7, 7, 7, 7, 0])));
    expect(decryptError(() => botA.decrypt(encrypt)).reason).toBe('bad_padding');
  });

  it('pad byte 33', () => {
    const encrypt = rawEncrypt(key, framed('hello', '', Buffer.alloc(39, 33)));
    expect(decryptError(() => botA.decrypt(encrypt)).reason).toBe('bad_padding');
  });

  it('inconsistent pad bytes', () => {
    const encrypt = rawEncrypt(key, framed('hello', '', Buffer.from([7, 7, 7, 6, 7, 7, 7])));
    expect(decryptError(() => botA.decrypt(encrypt)).reason).toBe('bad_padding');
  });

  it('length field larger than the buffer', () => {
    const encrypt = rawEncrypt(key, framed('hello', '', Buffer.alloc(7, 7), 6));
    expect(decryptError(() => botA.decrypt(encrypt)).reason).toBe('bad_length');
    const huge = rawEncrypt(key, framed('hello', '', Buffer.alloc(7, 7), 0xffffffff));
    expect(decryptError(() => botA.decrypt(huge)).reason).toBe('bad_length');
  });

  it('length field shorter than the message leaves a tail that is not the receiveid', () => {
    const encrypt = rawEncrypt(key, framed('hello', '', Buffer.alloc(7, 7), 4));
    expect(decryptError(() => botA.decrypt(encrypt)).reason).toBe('receiveid_mismatch');
  });

  it('plaintext shorter than the 20-byte header', () => {
    const encrypt = rawEncrypt(key, Buffer.concat([Buffer.alloc(16, 0x61), Buffer.alloc(16, 16)]));
    expect(decryptError(() => botA.decrypt(encrypt)).reason).toBe('bad_length');
  });

  it('message bytes that are not UTF-8', () => {
    const plain = framed('hello', '', Buffer.alloc(7, 7));
    plain[20] = 0xff;
    expect(decryptError(() => botA.decrypt(rawEncrypt(key, plain))).reason).toBe('bad_utf8');
  });

  it('decrypt errors answer 400', () => {
    expect(decryptError(() => appA.decrypt('')).status).toBe(400);
  });
});

describe('verifyAndDecrypt / verifyUrl order of checks', () => {
  const good = { msg_signature: A2.msg_signature, timestamp: A2.timestamp, nonce: A2.nonce };

  it.each([
    ['msg_signature', { ...good, msg_signature: undefined }],
    ['timestamp', { ...good, timestamp: undefined }],
    ['nonce', { ...good, nonce: '' }],
  ])('missing %s → 400 MissingParamsError', (name, query) => {
    const call = () => verifyAndDecrypt(appA, query, A2.encrypt, NOW, WIDE);
    expect(call).toThrow(MissingParamsError);
    expect(call).toThrow(expect.objectContaining({ status: 400, reason: 'missing_params', params: [name] }));
  });

  it('verifyUrl requires echostr', () => {
    const { echostr: _echostr, ...rest } = A1;
    expect(() => verifyUrl(appA, rest, NOW, WIDE)).toThrow(expect.objectContaining({ params: ['echostr'] }));
  });

  it('tampered signature → 401 BadSignatureError', () => {
    const flipped = `${A2.msg_signature.slice(0, -1)}${A2.msg_signature.endsWith('6') ? '7' : '6'}`;
    for (const msg_signature of [flipped, A2.msg_signature.toUpperCase(), A2.msg_signature.slice(0, 20), `${A2.msg_signature}0`]) {
      const call = () => verifyAndDecrypt(appA, { ...good, msg_signature }, A2.encrypt, NOW, WIDE);
      expect(call).toThrow(BadSignatureError);
      expect(call).toThrow(expect.objectContaining({ status: 401, reason: 'bad_signature' }));
    }
    expect(appA.verifySignature(A2.msg_signature, A2.timestamp, A2.nonce, A2.encrypt)).toBe(true);
    expect(appA.verifySignature(flipped, A2.timestamp, A2.nonce, A2.encrypt)).toBe(false);
  });

  it('tampered ciphertext, timestamp or nonce breaks the signature', () => {
    const tampered = `${A2.encrypt.slice(0, 10)}${A2.encrypt[10] === 'A' ? 'B' : 'A'}${A2.encrypt.slice(11)}`;
    expect(() => verifyAndDecrypt(appA, good, tampered, NOW, WIDE)).toThrow(BadSignatureError);
    expect(() => verifyAndDecrypt(appA, { ...good, timestamp: '1409659814' }, A2.encrypt, NOW, WIDE)).toThrow(BadSignatureError);
    expect(() => verifyAndDecrypt(appA, { ...good, nonce: '1372623148' }, A2.encrypt, NOW, WIDE)).toThrow(BadSignatureError);
  });

  it('checks the signature before decrypting: garbage with a bad signature is a 401, not a decrypt error', () => {
    expect(() => verifyAndDecrypt(appA, good, 'not base64 at all!', NOW, WIDE)).toThrow(BadSignatureError);
  });

  it('checks the timestamp before the signature', () => {
    expect(() => verifyAndDecrypt(appA, { ...good, msg_signature: 'bad' }, A2.encrypt, NOW, 300)).toThrow(StaleTimestampError);
  });

  it('a validly signed but stale callback is refused', () => {
    expect(() => verifyAndDecrypt(appA, good, A2.encrypt, NOW, 300)).toThrow(
      expect.objectContaining({ status: 401, reason: 'stale_timestamp' }),
    );
  });
});

describe('checkTimestamp', () => {
  const now = 1_750_000_000;

  it('accepts timestamps inside the window, edges included', () => {
    expect(() => checkTimestamp(String(now), now, 300)).not.toThrow();
    expect(() => checkTimestamp(String(now - 300), now, 300)).not.toThrow();
    expect(() => checkTimestamp(String(now + 300), now, 300)).not.toThrow();
  });

  it('stale', () => {
    expect(() => checkTimestamp(String(now - 301), now, 300)).toThrow(expect.objectContaining({ reason: 'stale_timestamp', status: 401 }));
  });

  it('future', () => {
    expect(() => checkTimestamp(String(now + 301), now, 300)).toThrow(expect.objectContaining({ reason: 'future_timestamp', status: 401 }));
  });

  it.each(['', 'abc', '1750000000.5', '-1750000000', ' 1750000000', '1750000000 ', '0x683fda80', '1e9', '17500000000000'])(
    'non-numeric or absurd %j',
    (ts) => {
      expect(() => checkTimestamp(ts, now, 300)).toThrow(StaleTimestampError);
      expect(() => checkTimestamp(ts, now, 300)).toThrow(expect.objectContaining({ reason: 'bad_timestamp' }));
    },
  );
});

describe('app reply envelope (§2.5)', () => {
  it('is the official XML template, signed over the encrypted reply', () => {
    const random = Buffer.from('0123456789abcdef', 'ascii');
    const plaintext = '<xml><ToUserName><![CDATA[mycreate]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到]]></Content></xml>';
    const xml = buildAppReply(appA, plaintext, '1372623149', 1409659813, random);
    const encrypt = appA.encrypt(plaintext, random);
    const signature = appA.signature('1409659813', '1372623149', encrypt);
    expect(xml).toBe(
      `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
        '<TimeStamp>1409659813</TimeStamp><Nonce><![CDATA[1372623149]]></Nonce></xml>',
    );
    const parsed = parseXml(xml);
    expect(parsed).toEqual({ Encrypt: encrypt, MsgSignature: signature, TimeStamp: '1409659813', Nonce: '1372623149' });
    const query = { msg_signature: signature, timestamp: '1409659813', nonce: '1372623149' };
    expect(verifyAndDecrypt(appA, query, encrypt, NOW, WIDE)).toBe(plaintext);
  });

  it('refuses a fractional timestamp', () => {
    expect(() => buildAibotReply(botA, {}, 'n', 1.5)).toThrow(RangeError);
  });
});
