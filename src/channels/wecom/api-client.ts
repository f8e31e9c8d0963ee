import type { Redis } from 'ioredis';
import type { Logger } from '../../log';
import { WeComApiError, WeComRetryableError, classifyErrcode, errorForErrcode } from './api-errors';
import { TokenCache, fingerprint } from './token-cache';

export type FetchFn = typeof fetch;

/** Every WeCom answer carries these; the rest depends on the API. */
export interface WeComResponse {
  errcode?: number;
  errmsg?: string;
  [field: string]: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * One HTTP exchange. Throws WeComRetryableError when WeCom never answered properly (network,
 * timeout, HTTP 5xx) and WeComApiError for other non-JSON answers. Error messages never
 * contain the URL: it carries the access token or the webhook key.
 */
async function exchange(api: string, url: string, init: RequestInit, fetchFn: FetchFn, timeoutMs: number): Promise<WeComResponse> {
  let res: Response;
  try {
    res = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new WeComRetryableError(api, null, `network error: ${describeFetchError(err)}`);
  }
  if (res.status >= 500) throw new WeComRetryableError(api, null, `HTTP ${res.status}`);
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WeComApiError(api, null, `HTTP ${res.status} with a non-JSON body`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WeComApiError(api, null, `HTTP ${res.status} with an unexpected body`);
  }
  return json as WeComResponse;
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    const cause = (err as { cause?: { code?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return cause.code;
    return err.name;
  }
  return 'unknown';
}

function checked<T>(api: string, json: WeComResponse): T {
  const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
  if (errcode !== 0) throw errorForErrcode(api, errcode, String(json.errmsg ?? ''));
  return json as T;
}

/**
 * POSTs plain JSON to an absolute URL that carries its own credential (push webhook `key`,
 * `response_url`), checks `errcode` and throws classified errors.
 */
export async function postJson<T = WeComResponse>(
  url: string,
  body: unknown,
  fetchFn: FetchFn = fetch,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
  api = 'post',
): Promise<T> {
  const json = await exchange(api, url, jsonInit(body), fetchFn, timeoutMs);
  return checked<T>(api, json);
}

function jsonInit(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

export interface WeComApiClientOptions {
  baseUrl: string;
  corpId: string;
  secret: string;
  redis: Redis;
  /** Namespaces the token in Redis (the app's queue prefix). */
  keyPrefix: string;
  fetch?: FetchFn;
  timeoutMs?: number;
  logger: Logger;
}

/** Calls `/cgi-bin/<api>?access_token=` for one (corp, secret), with the token shared through Redis. */
export class WeComApiClient {
  /** Safe to log: identifies the credential without revealing it. */
  readonly credential: string;
  private readonly tokens: TokenCache;
  private readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private readonly logger: Logger;

  constructor(private readonly opts: WeComApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.credential = `${opts.corpId}/${fingerprint(opts.secret)}`;
    this.logger = opts.logger.child({ wecomCredential: this.credential });
    this.tokens = new TokenCache({
      redis: opts.redis,
      keyPrefix: opts.keyPrefix,
      corpId: opts.corpId,
      secret: opts.secret,
      fetchToken: () => this.fetchToken(),
      lockTtlMs: this.timeoutMs + 5_000,
    });
  }

  async call<T = WeComResponse>(api: string, body: unknown): Promise<T> {
    const token = await this.tokens.get();
    const first = await this.post(api, token, body);
    if (classifyErrcode(first.errcode ?? 0) !== 'token') return checked<T>(api, first);

    // WeCom revoked or expired the token before our early refresh: refresh once and retry once.
    this.logger.info({ api, errcode: first.errcode }, 'wecom access token rejected, refreshing');
    await this.tokens.invalidate(token);
    const fresh = await this.tokens.get();
    return checked<T>(api, await this.post(api, fresh, body));
  }

  private async post(api: string, token: string, body: unknown): Promise<WeComResponse> {
    const url = `${this.baseUrl}/cgi-bin/${api}?access_token=${encodeURIComponent(token)}`;
    const json = await exchange(api, url, jsonInit(body), this.fetchFn, this.timeoutMs);
    if (json.errcode) this.logger.debug({ api, errcode: json.errcode }, 'wecom api answered an errcode');
    return json;
  }

  private async fetchToken(): Promise<{ token: string; expiresIn: number }> {
    const url = `${this.baseUrl}/cgi-bin/gettoken?corpid=${encodeURIComponent(this.opts.corpId)}&corpsecret=${encodeURIComponent(this.opts.secret)}`;
    const json = checked<WeComResponse>('gettoken', await exchange('gettoken', url, { method: 'GET' }, this.fetchFn, this.timeoutMs));
    if (typeof json.access_token !== 'string' || json.access_token === '') {
      throw new WeComApiError('gettoken', null, 'answer without access_token');
    }
    const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 7200;
    this.logger.info({ api: 'gettoken', expiresIn }, 'wecom access token refreshed');
    return { token: json.access_token, expiresIn };
  }
}
