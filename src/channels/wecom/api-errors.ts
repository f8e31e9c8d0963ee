/**
 * WeCom answers HTTP 200 with an `errcode`; these classes split the failures by what
 * the caller should do: retry later, fix the configuration, or fix the recipients.
 * `errcode` is null when WeCom never answered (network error, timeout, HTTP 5xx).
 */
export class WeComApiError extends Error {
  constructor(
    readonly api: string,
    readonly errcode: number | null,
    readonly errmsg: string,
    message?: string,
  ) {
    super(message ?? `WeCom ${api} failed: ${errcode === null ? '' : `errcode ${errcode} `}${errmsg}`.trim());
    this.name = new.target.name;
  }
}

/** Transient: system busy, frequency limits, network trouble. The queue retries with backoff. */
export class WeComRetryableError extends WeComApiError {}

/** Credentials, trusted IP or permissions are wrong: retrying cannot help until someone fixes the setup. */
export class WeComConfigError extends WeComApiError {
  constructor(api: string, errcode: number | null, errmsg: string, readonly hint: string) {
    super(api, errcode, errmsg, `WeCom ${api} errcode ${errcode ?? '-'} (${errmsg}): ${hint}`);
  }
}

/** Every recipient (user, chat, response_url) was rejected. */
export class WeComRecipientError extends WeComApiError {
  constructor(api: string, errcode: number | null, errmsg: string, readonly hint: string) {
    super(api, errcode, errmsg, `WeCom ${api} errcode ${errcode ?? '-'} (${errmsg}): ${hint}`);
  }
}

export type ErrcodeClass = 'ok' | 'token' | 'retryable' | 'config' | 'recipient' | 'invalid';

const TOKEN = new Set([40014, 42001]);
const RETRYABLE = new Set([-1, 45009, 45011, 45033]);
const RECIPIENT = new Set([40003, 60111, 81013, 86001, 86003, 86216, 701008]);

const CONFIG_HINTS: Record<number, string> = {
  40001: 'the secret is wrong: check WECOM_APP_SECRET (or the 客户联系 secret) against the admin console',
  40013: 'the CorpID is wrong: check WECOM_CORP_ID (我的企业 → 企业信息)',
  40056: 'the agentid is wrong: check WECOM_APP_AGENT_ID',
  40091: 'the secret belongs to another corp or app: use this app’s own secret',
  41001: 'the request carried no access_token (a bug in the client, not a WeCom outage)',
  41002: 'the corpid is missing: set WECOM_CORP_ID',
  41004: 'the secret is missing: set WECOM_APP_SECRET',
  48001: 'this app is not allowed to call the API: grant it in the admin console',
  48002: 'this app has no permission for the API: add it to 可调用应用 (客户联系) or widen its 可见范围',
  60011: 'the app has no permission over these members or departments: widen its 可见范围',
  60020: "this server's public IP is not trusted: add it to the app's 企业可信IP (应用管理 → the app → 企业可信IP)",
  93000: 'the push webhook key is invalid or the 消息推送 was removed from the group: update the compound’s webhook key',
};

const RECIPIENT_HINT = 'no valid recipient: check that the user ids or chat ids exist and are in the app’s visible range';

export function classifyErrcode(code: number): ErrcodeClass {
  if (code === 0) return 'ok';
  if (TOKEN.has(code)) return 'token';
  if (RETRYABLE.has(code)) return 'retryable';
  if (code in CONFIG_HINTS) return 'config';
  if (RECIPIENT.has(code)) return 'recipient';
  // Anything else (bad msgtype, content too long, bad parameter) is a bug in what we sent.
  return 'invalid';
}

/** What to fix for a configuration errcode, in words an operator can act on. */
export function configHint(code: number): string | undefined {
  return CONFIG_HINTS[code];
}

/** The error to throw for a non-zero errcode. A token errcode reaching here survived one refresh, so it is retried later. */
export function errorForErrcode(api: string, errcode: number, errmsg: string): WeComApiError {
  switch (classifyErrcode(errcode)) {
    case 'token':
    case 'retryable':
      return new WeComRetryableError(api, errcode, errmsg);
    case 'config':
      return new WeComConfigError(api, errcode, errmsg, CONFIG_HINTS[errcode] ?? 'check the WeCom configuration');
    case 'recipient':
      return new WeComRecipientError(api, errcode, errmsg, RECIPIENT_HINT);
    default:
      return new WeComApiError(api, errcode, errmsg);
  }
}

/** Whether a failure may succeed later without anyone changing anything. */
export function isRetryable(err: unknown): boolean {
  return err instanceof WeComRetryableError || !(err instanceof WeComApiError);
}
