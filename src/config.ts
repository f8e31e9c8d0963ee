import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const aesKey = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional()
  .refine((v) => v === undefined || /^[A-Za-z0-9+/]{43}$/.test(v), 'must be the 43-character EncodingAESKey from the WeCom console');

const intFrom = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: intFrom(3000, 0, 65535),
    MONGODB_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').default('mongodb://127.0.0.1:27017/mulin'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]+$/, 'letters, digits, _ and - only').default('mulin'),

    WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
    WECOM_CORP_ID: optionalString,
    WECOM_AIBOT_TOKEN: optionalString,
    WECOM_AIBOT_ENCODING_AES_KEY: aesKey,
    WECOM_AIBOT_ID: optionalString,
    WECOM_APP_TOKEN: optionalString,
    WECOM_APP_ENCODING_AES_KEY: aesKey,
    WECOM_APP_AGENT_ID: z.coerce.number().int().positive().optional(),
    WECOM_APP_SECRET: optionalString,
    WECOM_TIMESTAMP_WINDOW_SECONDS: intFrom(300, 1, 20 * 366 * 24 * 3600),
    WECOM_OUTBOUND: z.enum(['auto', 'live', 'outbox']).default('auto'),
    OUTBOX_PATH: z.string().default('.run/outbox.jsonl'),
    HTTP_BODY_LIMIT_BYTES: intFrom(256 * 1024, 1024, 20 * 1024 * 1024),
    STREAM_WINDOW_SECONDS: intFrom(330, 30, 360),

    OPENAI_BASE_URL: optionalString.refine((v) => v === undefined || URL.canParse(v), 'must be a URL such as https://api.deepseek.com/v1'),
    OPENAI_API_KEY: optionalString,
    OPENAI_MODEL: optionalString,
    OPENAI_TIMEOUT_MS: intFrom(8000, 500, 120000),
    OPENAI_MAX_RETRIES: intFrom(1, 0, 5),
    OPENAI_RESPONSE_FORMAT: z.enum(['json_schema', 'json_object']).default('json_schema'),
    LLM_DAILY_CALLS_GLOBAL: intFrom(20000, 0, 1_000_000_000),
    LLM_DAILY_TOKENS_GLOBAL: intFrom(20_000_000, 0, 1_000_000_000_000),
    LLM_DAILY_CALLS_PER_COMPOUND: intFrom(300, 0, 1_000_000_000),
    LLM_DAILY_TOKENS_PER_COMPOUND: intFrom(300_000, 0, 1_000_000_000_000),
    LLM_CACHE_SECONDS: intFrom(600, 0, 86400),

    SHUTDOWN_GRACE_MS: intFrom(10000, 0, 120000),

    LLM_SKIP_CONFIDENCE: z.coerce.number().min(0).max(1.01).default(0.6),
    CLARIFY_WAIT_MINUTES: intFrom(30, 1, 24 * 60),
    CONTEXT_MESSAGES: intFrom(3, 0, 10),
    CALENDAR_OVERRIDES_PATH: optionalString,
    FIX_CHECK_DELAY_HOURS: intFrom(24, 0, 24 * 30),
    FIX_CHECK_AUTO_CLOSE_HOURS: intFrom(72, 1, 24 * 60),

    SERVICE_DAY_WORKER: z.enum(['on', 'off']).default('on'),
    SERVICE_DAY_REMIND_DAY: intFrom(1, 1, 28),
    SERVICE_DAY_PLAN_REMINDER_HOUR: intFrom(9, 0, 23),
    SERVICE_DAY_EVE_HOUR: intFrom(19, 0, 23),
    SERVICE_DAY_MORNING_HOUR: intFrom(8, 0, 23),
    SERVICE_DAY_SUMMARY_HOUR: intFrom(20, 0, 23),
    SERVICE_DAY_OWNER_REMINDER_MINUTES: z.string().trim().regex(/^\d{1,4}(,\d{1,4})*$/, 'minutes after the task, comma-separated, e.g. 30,90').default('30,90'),
    SERVICE_DAY_FANOUT_CHUNK: intFrom(500, 1, 5000),
  });

/**
 * Rules that tie keys together. They read the raw values, so they are reported
 * alongside type errors instead of waiting for every key to parse.
 */
function crossKeyProblems(env: Record<string, string | undefined>): string[] {
  const set = (k: string) => (env[k] ?? '').trim() !== '';
  const problems: string[] = [];
  const pair = (a: string, b: string) => {
    if (set(a) !== set(b)) problems.push(`${set(a) ? b : a}: ${a} and ${b} are set together`);
  };
  pair('WECOM_AIBOT_TOKEN', 'WECOM_AIBOT_ENCODING_AES_KEY');
  pair('WECOM_APP_TOKEN', 'WECOM_APP_ENCODING_AES_KEY');
  pair('OPENAI_BASE_URL', 'OPENAI_MODEL');
  if (set('WECOM_APP_TOKEN') && !set('WECOM_CORP_ID')) problems.push('WECOM_CORP_ID: is required by the app callback (it is the receiveid)');
  if ((env.WECOM_OUTBOUND ?? '').trim() === 'live') {
    for (const k of ['WECOM_CORP_ID', 'WECOM_APP_SECRET', 'WECOM_APP_AGENT_ID']) {
      if (!set(k)) problems.push(`${k}: is required when WECOM_OUTBOUND=live`);
    }
  }
  return problems;
}

export type Config = z.infer<typeof configSchema> & { outboundMode: 'live' | 'outbox' };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment once; every bad key is reported together. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)), ...crossKeyProblems(env)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const c = parsed.data;
  const haveAppCreds = c.WECOM_CORP_ID !== undefined && c.WECOM_APP_SECRET !== undefined && c.WECOM_APP_AGENT_ID !== undefined;
  const outboundMode = c.WECOM_OUTBOUND === 'auto' ? (haveAppCreds ? 'live' : 'outbox') : c.WECOM_OUTBOUND;
  return { ...c, outboundMode };
}
