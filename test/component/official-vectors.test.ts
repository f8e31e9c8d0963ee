import { startHarness, type Harness } from '../support/harness';
import { WeComSimulator } from '../../scripts/lib/wecom-simulator';
import { WeComCrypto } from '../../src/channels/wecom/crypto';
import { inboundIdFor, streamIdFor } from '../../src/channels/wecom/ids';
import { STREAM_PLACEHOLDER } from '../../src/channels/wecom/stream-store';

/*
 * The official sample vectors of wecom-protocol.md §4.2 (and our own §4.3 AI-bot vector), sent
 * byte for byte through the real routes: if these pass, WeCom's own requests are understood.
 * They date from 2014-2016, so the timestamp window is widened to its 20-year maximum.
 */
const TWENTY_YEARS = '632448000';

const SET_A = { token: 'QDG6eK', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wx5823bf96d3bd56c7' };
const SET_B = { token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo', encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt', corpId: 'ww1436e0e65a779aee' };

const A1_QUERY =
  'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780' +
  '&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D';

const A2_QUERY = 'msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149';
const A2_ENCRYPT =
  'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
const A2_BODY = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[${A2_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`;

const A3_QUERY = 'msg_signature=0623cbc5a8cbee5bcc137c70de99575366fc2af3&timestamp=1409659813&nonce=1372623149';
const A3_ENCRYPT =
  'CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=';
const A3_BODY = JSON.stringify({ tousername: 'wx5823bf96d3bd56c7', encrypt: A3_ENCRYPT, agentid: '218' });
const A_MSGID = '4561255354251345929';

const B1 = {
  msg_signature: '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
  timestamp: '1476416373',
  nonce: '47744683',
  echostr: 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
};
const B2_QUERY = 'msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e&timestamp=1476422779&nonce=1597212914';
const B2_ENCRYPT =
  'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+';
// The doc gives no envelope for B2: this is the app XML envelope of §2.2 around the listed Encrypt.
const B2_BODY = `<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><Encrypt><![CDATA[${B2_ENCRYPT}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`;
const B3_QUERY = 'msg_signature=e3647471e395139e2308c1fa963f2d648a00b90e&timestamp=1409659813&nonce=1372623149';
const B3_ENCRYPT =
  'cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU=';
// As in callback_json/Sample.py: the body names wx5823… but the ciphertext is Set B's.
const B3_BODY = JSON.stringify({ tousername: 'wx5823bf96d3bd56c7', encrypt: B3_ENCRYPT, agentid: '218' });

// §4.3: not official, but produced and cross-checked by two implementations (receiveid "").
const AIBOT_VECTOR = {
  query: 'msg_signature=53add53c5dd64fad5feaca39915f1bcc39c0baf4&timestamp=1409659813&nonce=1372623149',
  nonce: '1372623149',
  msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
  encrypt:
    'sKqRbbiSUnDhFHOvPjtUMcw0RmRNkLSpAwtrwZiMb9vVnpG3UVwnmBvcI4Hn9HXYXR+P8ZHkMy5J/emUWEvGEoYyLQ1sHR5gbyfkDv1sPJuwYvXryOyuAT2s0y64qmWqSCi+rxqA2c4Jpx9vFsl8xkSwf0JfF0huG2Z6s1AGgFS8S06CLbMIthQ4sKTzaoMOFv4p779b0bgcQh8N8z6Duig8JKjMdbiK06I3TKmPyBsUZOWKQVwVvY5jtDTkLGjve14QqajYP/JdK5l4W/YNtOoMkO1Kc1JL49K8AhBshNK7x2heD1BX/UO0FVbQDYVpjYlo1sJhKmtMpHlzEns7qA==',
};

interface AibotReplyEnvelope {
  encrypt: string;
  msgsignature: string;
  timestamp: string;
  nonce: string;
}

async function getRaw(h: Harness, path: string, rawQuery: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${h.baseUrl}${path}?${rawQuery}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function postRaw(h: Harness, path: string, rawQuery: string, body: string, contentType: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${h.baseUrl}${path}?${rawQuery}`, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: res.status, text: await res.text() };
}

function refusals(h: Harness, from: number): Array<Record<string, unknown>> {
  return h.logs.lines.slice(from).filter((l) => l.msg === 'request refused');
}

async function storedWithRawId(h: Harness, rawId: string): Promise<number> {
  return h.services.conn.collection('inbound_messages').countDocuments({ rawId });
}

describe('official vectors, Set A: app route (receiveid wx5823bf96d3bd56c7) and AI-bot route (receiveid "")', () => {
  let h: Harness;
  const botA = new WeComCrypto({ token: SET_A.token, encodingAesKey: SET_A.encodingAesKey, receiveId: '' });

  beforeAll(async () => {
    h = await startHarness({
      label: 'vectorsA',
      env: {
        WECOM_CORP_ID: SET_A.corpId,
        WECOM_APP_TOKEN: SET_A.token,
        WECOM_APP_ENCODING_AES_KEY: SET_A.encodingAesKey,
        WECOM_AIBOT_TOKEN: SET_A.token,
        WECOM_AIBOT_ENCODING_AES_KEY: SET_A.encodingAesKey,
        WECOM_TIMESTAMP_WINDOW_SECONDS: TWENTY_YEARS,
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('A1: answers the URL verification (echostr URL-encoded as in the samples) with exactly the decrypted msg', async () => {
    const res = await getRaw(h, '/wecom/app', A1_QUERY);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.text).toBe('1616140317555161061');
  });

  it('A1: also accepts the echostr sent unencoded, its "+" turned into spaces by query decoding', async () => {
    const res = await getRaw(h, '/wecom/app', decodeURIComponent(A1_QUERY));
    expect(res).toMatchObject({ status: 200, text: '1616140317555161061' });
  });

  it('A2: acknowledges the XML POST with an empty 200 and stores the message', async () => {
    const res = await postRaw(h, '/wecom/app', A2_QUERY, A2_BODY, 'text/xml');
    expect(res).toEqual({ status: 200, text: '' });
    const stored = await h.services.inbound.get(inboundIdFor('wecom_app', A_MSGID));
    expect(stored).toMatchObject({
      channel: 'wecom_app',
      rawId: A_MSGID,
      kind: 'text',
      senderId: 'mycreate',
      chatId: null,
      chatType: 'single',
      text: 'hello',
      sentAt: new Date(1409659813 * 1000),
      status: 'received',
    });
  });

  it('A3: the JSON POST carries the same MsgId, so it is a duplicate of A2: still one document', async () => {
    // Runs after A2. A3's plaintext has MsgId as a bare 64-bit JSON number; had it been rounded by
    // JSON.parse (to 4561255354251346000) it would have produced a second, different document.
    const mark = h.logs.lines.length;
    const res = await postRaw(h, '/wecom/app', A3_QUERY, A3_BODY, 'application/json');
    expect(res).toEqual({ status: 200, text: '' });
    expect(await storedWithRawId(h, A_MSGID)).toBe(1);
    expect(await h.services.conn.collection('inbound_messages').countDocuments({ channel: 'wecom_app' })).toBe(1);
    expect(await h.services.inbound.get(inboundIdFor('wecom_app', A_MSGID))).toMatchObject({ senderId: 'mycreate', text: 'hello' });
    const lines = h.logs.lines.slice(mark).filter((l) => l.msg === 'duplicate app callback');
    expect(lines).toEqual([expect.objectContaining({ inboundId: inboundIdFor('wecom_app', A_MSGID), duplicate: true })]);
  });

  it('§4.3 AI-bot vector: 200 with a signed, encrypted stream reply whose id is derived from the msgid', async () => {
    const res = await postRaw(h, '/wecom/aibot', AIBOT_VECTOR.query, JSON.stringify({ encrypt: AIBOT_VECTOR.encrypt }), 'application/json');
    expect(res.status).toBe(200);
    const envelope = JSON.parse(res.text) as AibotReplyEnvelope;
    expect(envelope).toEqual({ encrypt: expect.any(String), msgsignature: expect.stringMatching(/^[0-9a-f]{40}$/), timestamp: expect.stringMatching(/^\d+$/), nonce: AIBOT_VECTOR.nonce });
    expect(botA.verifySignature(envelope.msgsignature, envelope.timestamp, envelope.nonce, envelope.encrypt)).toBe(true);
    const inboundId = inboundIdFor('wecom_aibot', AIBOT_VECTOR.msgid);
    // Pinned: the stream id must survive a redeploy, since WeCom keeps polling it for six minutes.
    expect(streamIdFor(inboundId)).toBe('st_ab_1a33a1f3086aea2f6d58f3f0797e6da0');
    expect(JSON.parse(botA.decrypt(envelope.encrypt))).toEqual({
      msgtype: 'stream',
      stream: { id: 'st_ab_1a33a1f3086aea2f6d58f3f0797e6da0', finish: false, content: STREAM_PLACEHOLDER },
    });
    expect(await h.services.inbound.get(inboundId)).toMatchObject({
      channel: 'wecom_aibot',
      rawId: AIBOT_VECTOR.msgid,
      chatId: 'CHATID',
      chatType: 'group',
      senderId: 'USERID',
      text: 'hello robot',
    });
  });

  it('§4.3 AI-bot vector delivered again continues the same stream and stores nothing new', async () => {
    const res = await postRaw(h, '/wecom/aibot', AIBOT_VECTOR.query, JSON.stringify({ encrypt: AIBOT_VECTOR.encrypt }), 'application/json');
    expect(res.status).toBe(200);
    const envelope = JSON.parse(res.text) as AibotReplyEnvelope;
    expect(botA.verifySignature(envelope.msgsignature, envelope.timestamp, envelope.nonce, envelope.encrypt)).toBe(true);
    expect(JSON.parse(botA.decrypt(envelope.encrypt))).toMatchObject({ stream: { id: 'st_ab_1a33a1f3086aea2f6d58f3f0797e6da0' } });
    expect(await storedWithRawId(h, AIBOT_VECTOR.msgid)).toBe(1);
  });

  it('the receiveid keeps the two routes apart even with one token and key', async () => {
    const mark = h.logs.lines.length;
    // App ciphertext (tail wx5823…) on the AI-bot route: the signature is valid, the tail is not "".
    const onBot = await postRaw(h, '/wecom/aibot', A2_QUERY, JSON.stringify({ encrypt: A2_ENCRYPT }), 'application/json');
    // AI-bot ciphertext (empty tail) on the app route.
    const onApp = await postRaw(h, '/wecom/app', AIBOT_VECTOR.query, `<xml><Encrypt><![CDATA[${AIBOT_VECTOR.encrypt}]]></Encrypt></xml>`, 'text/xml');
    expect(onBot).toEqual({ status: 400, text: JSON.stringify({ error: 'receiveid_mismatch' }) });
    expect(onApp).toEqual({ status: 400, text: JSON.stringify({ error: 'receiveid_mismatch' }) });
    expect(refusals(h, mark).map((l) => [l.path, l.reason])).toEqual([
      ['/wecom/aibot', 'receiveid_mismatch'],
      ['/wecom/app', 'receiveid_mismatch'],
    ]);
  });

  it('simulator round trip with Set A keys: verification, a message, and its stream reply', async () => {
    const sim = new WeComSimulator({ baseUrl: h.baseUrl, aibot: { token: SET_A.token, encodingAesKey: SET_A.encodingAesKey } });
    expect(await sim.get(sim.urlVerification('aibot', 'echo-4711'))).toEqual({ status: 200, text: 'echo-4711' });

    const res = await sim.post(sim.aibotText({ msgid: 'sim-roundtrip-1', chatid: 'wrkROUNDTRIP', userid: 'resident.sun', text: '2号楼门禁坏了' }));
    expect(res.status).toBe(200);
    const id = inboundIdFor('wecom_aibot', 'sim-roundtrip-1');
    // openAibotReply checks the reply's msgsignature before decrypting.
    expect(sim.openAibotReply(res.text)).toEqual({ msgtype: 'stream', stream: { id: streamIdFor(id), finish: false, content: STREAM_PLACEHOLDER } });
    expect(await h.services.inbound.get(id)).toMatchObject({ channel: 'wecom_aibot', chatId: 'wrkROUNDTRIP', senderId: 'resident.sun', text: '2号楼门禁坏了' });

    const refresh = await sim.post(sim.aibotStreamRefresh({ streamId: streamIdFor(id), chatid: 'wrkROUNDTRIP', userid: 'resident.sun' }));
    expect(refresh.status).toBe(200);
    expect(sim.openAibotReply(refresh.text)).toEqual({ msgtype: 'stream', stream: { id: streamIdFor(id), finish: false, content: STREAM_PLACEHOLDER } });
  });
});

describe('official vectors, Set B: app route (receiveid ww1436e0e65a779aee)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      label: 'vectorsB',
      env: {
        WECOM_CORP_ID: SET_B.corpId,
        WECOM_APP_TOKEN: SET_B.token,
        WECOM_APP_ENCODING_AES_KEY: SET_B.encodingAesKey,
        WECOM_TIMESTAMP_WINDOW_SECONDS: TWENTY_YEARS,
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('B1: answers the URL verification', async () => {
    const res = await getRaw(h, '/wecom/app', new URLSearchParams(B1).toString());
    expect(res).toMatchObject({ status: 200, text: '1288432023552776189' });
  });

  it('B2: stores the XML message with its UTF-8 content', async () => {
    const res = await postRaw(h, '/wecom/app', B2_QUERY, B2_BODY, 'text/xml');
    expect(res).toEqual({ status: 200, text: '' });
    expect(await h.services.inbound.get(inboundIdFor('wecom_app', '1456453720'))).toMatchObject({
      channel: 'wecom_app',
      rawId: '1456453720',
      senderId: 'ChenJiaShun',
      text: '你好',
      sentAt: new Date(1476422779 * 1000),
    });
  });

  it('B3: an authentic JSON callback whose plaintext is not valid JSON is refused with a 400, logged, and not stored', async () => {
    const before = await h.services.conn.collection('inbound_messages').countDocuments({});
    const mark = h.logs.lines.length;
    const res = await postRaw(h, '/wecom/app', B3_QUERY, B3_BODY, 'application/json');
    expect(res).toEqual({ status: 400, text: JSON.stringify({ error: 'invalid_json' }) });
    expect(refusals(h, mark)).toEqual([expect.objectContaining({ level: 40, path: '/wecom/app', method: 'POST', status: 400, reason: 'invalid_json' })]);
    expect(await h.services.conn.collection('inbound_messages').countDocuments({})).toBe(before);
    expect(await storedWithRawId(h, A_MSGID)).toBe(0);
  });
});
