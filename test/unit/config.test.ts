import { ConfigError, loadConfig } from '../../src/config';

const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

/** The problems a bad environment produces, or a failure if it loads. */
function problemsOf(env: Record<string, string>): string[] {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return (caught as ConfigError).problems;
}

/** The config keys named by the problems, once each, sorted. */
function keysOf(problems: string[]): string[] {
  return [...new Set(problems.map((p) => p.split(':')[0] ?? ''))].sort();
}

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    expect(loadConfig({})).toEqual({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      PORT: 3000,
      MONGODB_URL: 'mongodb://127.0.0.1:27017/mulin',
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'mulin',
      WECOM_API_BASE: 'https://qyapi.weixin.qq.com',
      WECOM_TIMESTAMP_WINDOW_SECONDS: 300,
      WECOM_OUTBOUND: 'auto',
      OUTBOX_PATH: '.run/outbox.jsonl',
      HTTP_BODY_LIMIT_BYTES: 262144,
      STREAM_WINDOW_SECONDS: 330,
      SHUTDOWN_GRACE_MS: 10000,
      OPENAI_TIMEOUT_MS: 8000,
      OPENAI_MAX_RETRIES: 1,
      OPENAI_RESPONSE_FORMAT: 'json_schema',
      LLM_DAILY_CALLS_GLOBAL: 20000,
      LLM_DAILY_TOKENS_GLOBAL: 20000000,
      LLM_DAILY_CALLS_PER_COMPOUND: 300,
      LLM_DAILY_TOKENS_PER_COMPOUND: 300000,
      LLM_CACHE_SECONDS: 600,
      LLM_SKIP_CONFIDENCE: 0.6,
      CLARIFY_WAIT_MINUTES: 30,
      CONTEXT_MESSAGES: 3,
      FIX_CHECK_DELAY_HOURS: 24,
      FIX_CHECK_AUTO_CLOSE_HOURS: 72,
      SERVICE_DAY_WORKER: 'on',
      SERVICE_DAY_REMIND_DAY: 1,
      SERVICE_DAY_PLAN_REMINDER_HOUR: 9,
      SERVICE_DAY_EVE_HOUR: 19,
      SERVICE_DAY_MORNING_HOUR: 8,
      SERVICE_DAY_SUMMARY_HOUR: 20,
      SERVICE_DAY_OWNER_REMINDER_MINUTES: '30,90',
      SERVICE_DAY_FANOUT_CHUNK: 500,
      outboundMode: 'outbox',
    });
  });

  it('coerces numbers, trims strings and treats empty strings as unset', () => {
    const c = loadConfig({
      PORT: '8080',
      WECOM_APP_AGENT_ID: '1000002',
      WECOM_CORP_ID: '  ww1436e0e65a779aee  ',
      WECOM_AIBOT_TOKEN: '',
      WECOM_AIBOT_ENCODING_AES_KEY: '',
      WECOM_TIMESTAMP_WINDOW_SECONDS: '632448000',
    });
    expect(c).toMatchObject({ PORT: 8080, WECOM_APP_AGENT_ID: 1000002, WECOM_CORP_ID: 'ww1436e0e65a779aee', WECOM_TIMESTAMP_WINDOW_SECONDS: 632448000 });
    expect(c.WECOM_AIBOT_TOKEN).toBeUndefined();
    expect(c.WECOM_AIBOT_ENCODING_AES_KEY).toBeUndefined();
  });

  it('accepts a complete WeCom setup', () => {
    const c = loadConfig({
      WECOM_CORP_ID: 'ww1436e0e65a779aee',
      WECOM_AIBOT_TOKEN: 'tok',
      WECOM_AIBOT_ENCODING_AES_KEY: KEY,
      WECOM_APP_TOKEN: 'tok2',
      WECOM_APP_ENCODING_AES_KEY: KEY,
      WECOM_APP_AGENT_ID: '1000002',
      WECOM_APP_SECRET: 's3cret',
      WECOM_OUTBOUND: 'live',
    });
    expect(c).toMatchObject({ WECOM_AIBOT_ENCODING_AES_KEY: KEY, WECOM_APP_SECRET: 's3cret', outboundMode: 'live' });
  });

  it('lists every bad key in one ConfigError', () => {
    const problems = problemsOf({
      PORT: '70000',
      MONGODB_URL: 'postgres://db/mulin',
      REDIS_URL: 'http://127.0.0.1:6379',
      WECOM_AIBOT_TOKEN: 'tok',
      WECOM_AIBOT_ENCODING_AES_KEY: KEY.slice(0, 42),
      WECOM_APP_TOKEN: 'app-token-without-key',
      WECOM_OUTBOUND: 'live',
    });
    expect(keysOf(problems)).toEqual(
      [
        'PORT',
        'MONGODB_URL',
        'REDIS_URL',
        'WECOM_AIBOT_ENCODING_AES_KEY',
        'WECOM_APP_ENCODING_AES_KEY',
        // the app callback and WECOM_OUTBOUND=live both need these
        'WECOM_CORP_ID',
        'WECOM_APP_SECRET',
        'WECOM_APP_AGENT_ID',
      ].sort(),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^WECOM_AIBOT_ENCODING_AES_KEY: .*43-character/),
        expect.stringMatching(/^WECOM_APP_ENCODING_AES_KEY: .*set together/),
        expect.stringMatching(/^WECOM_CORP_ID: .*receiveid/),
        expect.stringMatching(/^WECOM_CORP_ID: .*WECOM_OUTBOUND=live/),
      ]),
    );
    // The message an operator reads names every key too.
    let message = '';
    try {
      loadConfig({ PORT: '70000', MONGODB_URL: 'postgres://db/mulin' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/PORT[\s\S]*MONGODB_URL/);
  });

  it('lists every bad key in one ConfigError even when one of them is not a number at all', () => {
    // A non-numeric PORT must not hide the cross-key problems (token without key, live without creds).
    const problems = problemsOf({
      PORT: 'eighty',
      MONGODB_URL: 'postgres://db/mulin',
      REDIS_URL: 'http://127.0.0.1:6379',
      WECOM_AIBOT_TOKEN: 'tok',
      WECOM_AIBOT_ENCODING_AES_KEY: KEY.slice(0, 42),
      WECOM_APP_TOKEN: 'app-token-without-key',
      WECOM_OUTBOUND: 'live',
    });
    expect(keysOf(problems)).toEqual(
      ['PORT', 'MONGODB_URL', 'REDIS_URL', 'WECOM_AIBOT_ENCODING_AES_KEY', 'WECOM_APP_ENCODING_AES_KEY', 'WECOM_CORP_ID', 'WECOM_APP_SECRET', 'WECOM_APP_AGENT_ID'].sort(),
    );
  });

  it('refuses an AES key that is not exactly 43 base64 characters', () => {
    for (const bad of [KEY.slice(0, 42), `${KEY}A`, `${KEY.slice(0, 42)}=`, `${KEY.slice(0, 42)}-`]) {
      expect(keysOf(problemsOf({ WECOM_AIBOT_TOKEN: 't', WECOM_AIBOT_ENCODING_AES_KEY: bad }))).toEqual(['WECOM_AIBOT_ENCODING_AES_KEY']);
    }
  });

  it('refuses a key without its token, and a token without its key', () => {
    expect(problemsOf({ WECOM_AIBOT_ENCODING_AES_KEY: KEY })).toEqual([expect.stringMatching(/^WECOM_AIBOT_TOKEN: .*set together/)]);
    expect(problemsOf({ WECOM_AIBOT_TOKEN: 'tok' })).toEqual([expect.stringMatching(/^WECOM_AIBOT_ENCODING_AES_KEY: .*set together/)]);
  });

  it('refuses WECOM_OUTBOUND=live without corp id, secret and agent id', () => {
    expect(keysOf(problemsOf({ WECOM_OUTBOUND: 'live' }))).toEqual(['WECOM_APP_AGENT_ID', 'WECOM_APP_SECRET', 'WECOM_CORP_ID']);
    expect(keysOf(problemsOf({ WECOM_OUTBOUND: 'live', WECOM_CORP_ID: 'ww1', WECOM_APP_SECRET: 's' }))).toEqual(['WECOM_APP_AGENT_ID']);
  });

  describe('outboundMode', () => {
    const creds = { WECOM_CORP_ID: 'ww1436e0e65a779aee', WECOM_APP_SECRET: 's3cret', WECOM_APP_AGENT_ID: '1000002' };

    it('auto is live only with corp id, app secret and agent id all set', () => {
      expect(loadConfig({ ...creds }).outboundMode).toBe('live');
      expect(loadConfig({ ...creds, WECOM_OUTBOUND: 'auto' }).outboundMode).toBe('live');
      for (const missing of Object.keys(creds)) {
        const env: Record<string, string> = { ...creds };
        delete env[missing];
        expect(loadConfig(env).outboundMode).toBe('outbox');
      }
      expect(loadConfig({ ...creds, WECOM_APP_SECRET: '   ' }).outboundMode).toBe('outbox');
    });

    it('explicit modes win over what the credentials would pick', () => {
      expect(loadConfig({ ...creds, WECOM_OUTBOUND: 'outbox' }).outboundMode).toBe('outbox');
      expect(loadConfig({ ...creds, WECOM_OUTBOUND: 'live' }).outboundMode).toBe('live');
    });

    it('refuses an unknown mode', () => {
      expect(keysOf(problemsOf({ WECOM_OUTBOUND: 'sometimes' }))).toEqual(['WECOM_OUTBOUND']);
    });
  });
});
