import { randomBytes, randomInt } from 'node:crypto';
import { WeComCrypto } from '../../src/channels/wecom/crypto';

/**
 * Plays WeCom's side of the callbacks: builds requests signed and encrypted exactly
 * as WeCom does, posts them with fetch, and decrypts the bot's answers.
 * Used by the demo, the component tests and the load bench.
 */
export interface SimRequest {
  path: string;
  query: Record<string, string>;
  body: string;
  contentType: string;
}

export interface SimKeys {
  token: string;
  encodingAesKey: string;
}

export class WeComSimulator {
  readonly aibot: WeComCrypto | null;
  readonly app: WeComCrypto | null;

  constructor(
    private readonly opts: {
      baseUrl: string;
      aibot?: SimKeys;
      app?: SimKeys & { corpId: string; agentId?: number };
      nowSec?: () => number;
    },
  ) {
    this.aibot = opts.aibot ? new WeComCrypto({ ...opts.aibot, receiveId: '' }) : null;
    this.app = opts.app ? new WeComCrypto({ ...opts.app, receiveId: opts.app.corpId }) : null;
  }

  private nowSec(): number {
    return this.opts.nowSec ? this.opts.nowSec() : Math.floor(Date.now() / 1000);
  }

  private sign(crypto: WeComCrypto, encrypt: string): Record<string, string> {
    const timestamp = String(this.nowSec());
    const nonce = String(randomInt(1e8, 1e10));
    return { msg_signature: crypto.signature(timestamp, nonce, encrypt), timestamp, nonce };
  }

  aibotCallback(payload: object): SimRequest {
    const crypto = this.need(this.aibot, 'aibot');
    const encrypt = crypto.encrypt(JSON.stringify(payload));
    return { path: '/wecom/aibot', query: this.sign(crypto, encrypt), body: JSON.stringify({ encrypt }), contentType: 'application/json' };
  }

  aibotText(m: { msgid?: string; chatid?: string | null; userid: string; text: string; botName?: string; responseUrl?: string }): SimRequest {
    const chatid = m.chatid ?? null;
    return this.aibotCallback({
      msgid: m.msgid ?? randomBytes(12).toString('base64'),
      aibotid: 'AIBOT_DEMO',
      ...(chatid ? { chatid, chattype: 'group' } : { chattype: 'single' }),
      from: { userid: m.userid },
      response_url: m.responseUrl ?? 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=demo',
      msgtype: 'text',
      text: { content: `@${m.botName ?? '睦邻小助手'} ${m.text}` },
    });
  }

  aibotStreamRefresh(m: { streamId: string; chatid?: string | null; userid: string }): SimRequest {
    return this.aibotCallback({
      msgid: randomBytes(12).toString('base64'),
      aibotid: 'AIBOT_DEMO',
      ...(m.chatid ? { chatid: m.chatid, chattype: 'group' } : { chattype: 'single' }),
      from: { userid: m.userid },
      msgtype: 'stream',
      stream: { id: m.streamId },
    });
  }

  appXml(plaintextXml: string): SimRequest {
    const crypto = this.need(this.app, 'app');
    const encrypt = crypto.encrypt(plaintextXml);
    const corpId = this.opts.app?.corpId ?? '';
    const agentId = this.opts.app?.agentId ?? 1000002;
    const body = `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[${agentId}]]></AgentID></xml>`;
    return { path: '/wecom/app', query: this.sign(crypto, encrypt), body, contentType: 'text/xml' };
  }

  appText(m: { msgId: string; from: string; content: string; createTime?: number }): SimRequest {
    const corpId = this.opts.app?.corpId ?? '';
    return this.appXml(
      `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[${m.from}]]></FromUserName>` +
        `<CreateTime>${m.createTime ?? this.nowSec()}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
        `<Content><![CDATA[${m.content}]]></Content><MsgId>${m.msgId}</MsgId><AgentID>${this.opts.app?.agentId ?? 1000002}</AgentID></xml>`,
    );
  }

  appCardClick(m: { from: string; taskId: string; eventKey: string; createTime?: number; responseCode?: string }): SimRequest {
    const corpId = this.opts.app?.corpId ?? '';
    return this.appXml(
      `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[${m.from}]]></FromUserName>` +
        `<CreateTime>${m.createTime ?? this.nowSec()}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
        `<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${m.eventKey}]]></EventKey>` +
        `<TaskId><![CDATA[${m.taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>` +
        `<ResponseCode><![CDATA[${m.responseCode ?? 'RC' + randomBytes(6).toString('hex')}]]></ResponseCode>` +
        `<AgentID>${this.opts.app?.agentId ?? 1000002}</AgentID></xml>`,
    );
  }

  urlVerification(channel: 'aibot' | 'app', echo: string): SimRequest {
    const crypto = this.need(channel === 'aibot' ? this.aibot : this.app, channel);
    const echostr = crypto.encrypt(echo);
    const q = this.sign(crypto, echostr);
    return { path: `/wecom/${channel}`, query: { ...q, echostr }, body: '', contentType: 'text/plain' };
  }

  url(req: SimRequest): string {
    return `${this.opts.baseUrl}${req.path}?${new URLSearchParams(req.query).toString()}`;
  }

  async post(req: SimRequest): Promise<{ status: number; text: string }> {
    const res = await fetch(this.url(req), { method: 'POST', body: req.body, headers: { 'content-type': req.contentType } });
    return { status: res.status, text: await res.text() };
  }

  async get(req: SimRequest): Promise<{ status: number; text: string }> {
    const res = await fetch(this.url(req));
    return { status: res.status, text: await res.text() };
  }

  /** Checks the reply's signature like WeCom would, then decrypts it. */
  openAibotReply(text: string): unknown {
    const crypto = this.need(this.aibot, 'aibot');
    const r = JSON.parse(text) as { encrypt: string; msgsignature: string; timestamp: string | number; nonce: string };
    if (crypto.signature(String(r.timestamp), r.nonce, r.encrypt) !== r.msgsignature) throw new Error('reply signature mismatch');
    return JSON.parse(crypto.decrypt(r.encrypt));
  }

  private need(c: WeComCrypto | null, what: string): WeComCrypto {
    if (!c) throw new Error(`simulator has no ${what} keys`);
    return c;
  }
}
