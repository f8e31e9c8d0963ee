import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for https://qyapi.weixin.qq.com: point WECOM_API_BASE (or a client's
 * baseUrl) at `baseUrl`. It records every call, answers errcodes on request and enforces the
 * rules our client must cope with: token validity, single-use response_url, webhook rate limit.
 */

export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: number;
  /** What the fake answered (errcode 0 on success). */
  response: { errcode: number; [k: string]: unknown } | { httpStatus: number };
}

export interface FakeWeComApi {
  baseUrl: string;
  corpId: string;
  secret: string;
  calls: FakeCall[];
  /** Successful gettoken answers so far. */
  readonly tokenIssues: number;
  /** The next `times` calls whose path ends with `pathSuffix` (e.g. 'message/send') answer `errcode`. */
  failNext(pathSuffix: string, errcode: number, times?: number): void;
  /** The next `times` calls whose path ends with `pathSuffix` answer this HTTP status with no JSON. */
  failNextHttp(pathSuffix: string, status: number, times?: number): void;
  /** expires_in of tokens issued from now on; the fake also rejects them with 42001 after that. */
  setTokenTtl(seconds: number): void;
  /** Every issued token is expired now (next API call: 42001). */
  expireTokens(): void;
  /** Every issued token is revoked now (next API call: 40014). */
  revokeTokens(): void;
  /** Push-webhook limit per key; default 20 per 60 s like WeCom, answered with 45009. */
  setWebhookLimit(limit: number, windowMs: number): void;
  /** A fresh AI-bot response_url on this fake. */
  responseUrl(): string;
  /** Recorded calls whose path ends with `pathSuffix`. */
  callsTo(pathSuffix: string): FakeCall[];
  close(): Promise<void>;
}

export interface FakeWeComApiOptions {
  corpId?: string;
  secret?: string;
  /** Secrets accepted besides `secret` (e.g. a 客户联系 secret). */
  extraSecrets?: string[];
}

interface IssuedToken {
  expiresAt: number;
  revoked: boolean;
}

type Answer = { errcode: number; errmsg?: string; [k: string]: unknown };

const LIMITS: Record<string, number> = { 'text:app': 2048, 'markdown:app': 2048, 'text:webhook': 2048, 'markdown:webhook': 4096 };

export async function startFakeWeComApi(opts: FakeWeComApiOptions = {}): Promise<FakeWeComApi> {
  const corpId = opts.corpId ?? 'wwfakecorp0001';
  const secret = opts.secret ?? 'fake-app-secret';
  const secrets = new Set([secret, ...(opts.extraSecrets ?? [])]);
  const calls: FakeCall[] = [];
  const tokens = new Map<string, IssuedToken>();
  const currentToken = new Map<string, string>();
  const failures: Array<{ suffix: string; errcode?: number; status?: number; times: number }> = [];
  const usedResponseCodes = new Set<string>();
  const webhookHits = new Map<string, number[]>();
  let tokenTtl = 7200;
  let tokenIssues = 0;
  let webhookLimit = { limit: 20, windowMs: 60_000 };
  let seq = 0;

  const nextId = (prefix: string) => `${prefix}${++seq}_${randomBytes(4).toString('hex')}`;

  function tokenProblem(query: Record<string, string>): Answer | null {
    const token = query.access_token;
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    const t = tokens.get(token);
    if (!t || t.revoked) return { errcode: 40014, errmsg: 'invalid access_token' };
    if (Date.now() >= t.expiresAt) return { errcode: 42001, errmsg: 'access_token expired' };
    return null;
  }

  function contentProblem(body: Record<string, unknown>, channel: 'app' | 'webhook'): Answer | null {
    const msgtype = String(body.msgtype ?? '');
    if (msgtype === 'template_card') return null;
    const limit = LIMITS[`${msgtype}:${channel}`];
    if (limit === undefined) return { errcode: 40008, errmsg: 'invalid message type' };
    const content = (body[msgtype] as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content === '') return { errcode: 44004, errmsg: 'empty content' };
    if (Buffer.byteLength(content, 'utf8') > limit) return { errcode: 45002, errmsg: 'content size out of limit' };
    return null;
  }

  function route(path: string, query: Record<string, string>, body: Record<string, unknown>): Answer {
    switch (path) {
      case '/cgi-bin/gettoken': {
        if (query.corpid !== corpId) return { errcode: 40013, errmsg: 'invalid corpid' };
        const corpsecret = query.corpsecret ?? '';
        if (!secrets.has(corpsecret)) return { errcode: 40001, errmsg: 'invalid credential' };
        // Like WeCom: within its validity the same token is returned again.
        const existing = currentToken.get(corpsecret);
        const t = existing ? tokens.get(existing) : undefined;
        let token = existing;
        if (!token || !t || t.revoked || Date.now() >= t.expiresAt) {
          token = nextId('tok_');
          tokens.set(token, { expiresAt: Date.now() + tokenTtl * 1000, revoked: false });
          currentToken.set(corpsecret, token);
        }
        tokenIssues++;
        return { errcode: 0, errmsg: 'ok', access_token: token, expires_in: tokenTtl };
      }
      case '/cgi-bin/message/send': {
        const problem = tokenProblem(query) ?? contentProblem(body, 'app');
        if (problem) return problem;
        if (!body.touser || typeof body.agentid !== 'number') return { errcode: 40058, errmsg: 'touser and agentid required' };
        const answer: Answer = { errcode: 0, errmsg: 'ok', invaliduser: '', msgid: nextId('msg_') };
        if (body.msgtype === 'template_card') answer.response_code = nextId('rc_');
        return answer;
      }
      case '/cgi-bin/message/update_template_card': {
        const problem = tokenProblem(query);
        if (problem) return problem;
        if (!body.response_code || typeof body.agentid !== 'number') return { errcode: 40058, errmsg: 'response_code and agentid required' };
        return { errcode: 0, errmsg: 'ok', invaliduser: [] };
      }
      case '/cgi-bin/webhook/send': {
        const key = query.key;
        if (!key) return { errcode: 93000, errmsg: 'invalid webhook url' };
        const now = Date.now();
        const hits = (webhookHits.get(key) ?? []).filter((t) => t > now - webhookLimit.windowMs);
        if (hits.length >= webhookLimit.limit) {
          webhookHits.set(key, hits);
          return { errcode: 45009, errmsg: 'api freq out of limit' };
        }
        const problem = contentProblem(body, 'webhook');
        if (problem) return problem;
        hits.push(now);
        webhookHits.set(key, hits);
        return { errcode: 0, errmsg: 'ok' };
      }
      case '/cgi-bin/externalcontact/add_msg_template': {
        const problem = tokenProblem(query);
        if (problem) return problem;
        const chatIds = body.chat_id_list;
        if (body.chat_type !== 'group' || !body.sender || !Array.isArray(chatIds) || chatIds.length === 0) {
          return { errcode: 40058, errmsg: 'chat_type group, sender and chat_id_list required' };
        }
        return { errcode: 0, errmsg: 'ok', fail_list: [], msgid: nextId('msgGA_') };
      }
      case '/cgi-bin/aibot/response': {
        const code = query.response_code;
        // The real error for a reused or expired response_url is undocumented; an auth-style errcode stands in.
        if (!code || usedResponseCodes.has(code)) return { errcode: 40001, errmsg: 'invalid response_code' };
        usedResponseCodes.add(code);
        return { errcode: 0, errmsg: 'ok' };
      }
      default:
        return { errcode: 404, errmsg: `unknown api ${path}` };
    }
  }

  function takeFailure(path: string): { errcode?: number; status?: number } | undefined {
    const i = failures.findIndex((f) => path.endsWith(f.suffix));
    const f = failures[i];
    if (!f) return undefined;
    if (--f.times <= 0) failures.splice(i, 1);
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const call: FakeCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      at: Date.now(),
      response: { errcode: 0 },
    };
    calls.push(call);

    const failure = takeFailure(url.pathname);
    if (failure?.status !== undefined) {
      call.response = { httpStatus: failure.status };
      res.writeHead(failure.status, { 'content-type': 'text/plain' }).end('upstream error');
      return;
    }
    const answer: Answer =
      failure?.errcode !== undefined
        ? { errcode: failure.errcode, errmsg: `injected errcode ${failure.errcode}` }
        : route(url.pathname, call.query, typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {});
    call.response = answer;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    corpId,
    secret,
    calls,
    get tokenIssues() {
      return tokenIssues;
    },
    failNext(pathSuffix, errcode, times = 1) {
      failures.push({ suffix: pathSuffix, errcode, times });
    },
    failNextHttp(pathSuffix, status, times = 1) {
      failures.push({ suffix: pathSuffix, status, times });
    },
    setTokenTtl(seconds) {
      tokenTtl = seconds;
    },
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    revokeTokens() {
      for (const t of tokens.values()) t.revoked = true;
    },
    setWebhookLimit(limit, windowMs) {
      webhookLimit = { limit, windowMs };
    },
    responseUrl() {
      return `${baseUrl}/cgi-bin/aibot/response?response_code=${nextId('resp_')}`;
    },
    callsTo(pathSuffix) {
      return calls.filter((c) => c.path.endsWith(pathSuffix));
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
