import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { shanghaiDate } from '../../src/domain/shanghai-time';
import { LlmBudget, type LlmBudgetLimits } from '../../src/llm/budget';
import { LlmBudgetExceededError } from '../../src/llm/classifier';
import { ClassificationCache } from '../../src/llm/classify-cache';
import { GuardedClassifier, type GuardedClassifyInput } from '../../src/llm/guarded-classifier';
import { OpenAiClassifier, type OpenAiClassifierOptions } from '../../src/llm/openai-classifier';
import { loadPrompt } from '../../src/llm/prompt';
import { createRedis } from '../../src/queues/redis';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/fake-openai';
import { REDIS_URL, uniqueName } from '../support/env';

const filePrefix = uniqueName('llmbudget');
const prompt = loadPrompt('classify');
const ROOMY: LlmBudgetLimits = { globalCallsPerDay: 1000, globalTokensPerDay: 10_000_000, compoundCallsPerDay: 1000, compoundTokensPerDay: 10_000_000 };
const NOISE = {
  actionable: true,
  category: 'noise',
  tier: 'branch',
  urgency: 'normal',
  building: '3号楼',
  needs_clarification: false,
  summary: '3号楼深夜装修噪音',
  clarifying_question: null,
};

let redis: Redis;
let fake: FakeOpenAi;
let seq = 0;

beforeAll(async () => {
  redis = createRedis(REDIS_URL, 'worker');
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  const keys = await redis.keys(`${filePrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.script(() => ({ labels: NOISE, usage: { prompt_tokens: 900, completion_tokens: 100 } }));
});

/** A fresh key space per test, so budgets and cache entries never leak between tests. */
function space(): string {
  return `${filePrefix}:${++seq}`;
}

function budgetWith(limits: Partial<LlmBudgetLimits>, now?: () => Date, prefix = space()): LlmBudget {
  return new LlmBudget({ redis, prefix, limits: { ...ROOMY, ...limits }, now });
}

/** The refusal of a reservation; fails the test when the reservation goes through. */
async function refusal(p: Promise<void>): Promise<LlmBudgetExceededError> {
  const err = await p.then(
    () => new Error('expected the budget to refuse'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmBudgetExceededError);
  return err as LlmBudgetExceededError;
}

describe('LlmBudget', () => {
  it('refuses a compound over its daily calls without counting the refused call, leaving other compounds alone', async () => {
    const budget = budgetWith({ compoundCallsPerDay: 2 });
    await budget.reserve('YX0001');
    await budget.reserve('YX0001');
    const err = await refusal(budget.reserve('YX0001'));

    expect(err).toMatchObject({ scope: 'compound', unit: 'calls', limit: 2 });
    await budget.reserve('YX0002');
    expect(await budget.usage('YX0001')).toMatchObject({ global: { calls: 3, tokens: 0 }, compound: { calls: 2, tokens: 0 } });
    expect(await budget.usage('YX0002')).toMatchObject({ compound: { calls: 1, tokens: 0 } });
  });

  it('refuses every compound, and chats without one, once the global calls are spent', async () => {
    const budget = budgetWith({ globalCallsPerDay: 3 });
    await budget.reserve('YX0001');
    await budget.reserve('YX0002');
    await budget.reserve(null);

    expect(await refusal(budget.reserve('YX0003'))).toMatchObject({ scope: 'global', unit: 'calls', limit: 3 });
    expect(await refusal(budget.reserve(null))).toMatchObject({ scope: 'global', unit: 'calls' });
    expect(await budget.usage()).toMatchObject({ global: { calls: 3 }, compound: null });
    expect(await budget.usage('YX0003')).toMatchObject({ compound: { calls: 0, tokens: 0 } });
  });

  it('stops calls once a compound or the whole city has used its tokens', async () => {
    const budget = budgetWith({ compoundTokensPerDay: 1000, globalTokensPerDay: 3000 });
    await budget.reserve('YX0001');
    await budget.recordTokens('YX0001', 600);
    await budget.reserve('YX0001');
    await budget.recordTokens('YX0001', 500);
    expect(await refusal(budget.reserve('YX0001'))).toMatchObject({ scope: 'compound', unit: 'tokens', limit: 1000 });

    await budget.reserve('YX0002');
    await budget.recordTokens('YX0002', 1900);
    expect(await refusal(budget.reserve('YX0003'))).toMatchObject({ scope: 'global', unit: 'tokens', limit: 3000 });
    expect(await budget.usage('YX0001')).toMatchObject({ global: { calls: 3, tokens: 3000 }, compound: { calls: 2, tokens: 1100 } });
  });

  it('never lets concurrent workers overshoot the call limit', async () => {
    const budget = budgetWith({ compoundCallsPerDay: 5 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => budget.reserve('YX0001')));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect((await budget.usage('YX0001')).compound).toEqual({ calls: 5, tokens: 0 });
  });

  it('starts a new day at midnight in Shanghai, not at midnight UTC', async () => {
    let now = shanghaiDate(2025, 3, 6, 23, 59);
    const prefix = space();
    const budget = budgetWith({ compoundCallsPerDay: 1 }, () => now, prefix);
    await budget.reserve('YX0001');
    expect((await budget.usage('YX0001')).day).toBe('2025-03-06');
    await refusal(budget.reserve('YX0001'));

    now = shanghaiDate(2025, 3, 7, 0, 0);
    await budget.reserve('YX0001');
    expect(await budget.usage('YX0001')).toMatchObject({ day: '2025-03-07', compound: { calls: 1 } });

    // 08:30 in Shanghai is 00:30 UTC: a UTC day boundary, but the same Shanghai day.
    now = shanghaiDate(2025, 3, 7, 8, 30);
    await refusal(budget.reserve('YX0001'));

    const ttls = await Promise.all((await redis.keys(`${prefix}:budget:*`)).map((k) => redis.ttl(k)));
    expect(ttls.length).toBe(4);
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(24 * 3600);
      expect(ttl).toBeLessThanOrEqual(2 * 24 * 3600);
    }
  });
});

function guarded(opts: { limits?: Partial<LlmBudgetLimits>; classifier?: Partial<OpenAiClassifierOptions> | null; ttlSeconds?: number } = {}) {
  const prefix = space();
  const budget = budgetWith(opts.limits ?? {}, undefined, prefix);
  const cache = new ClassificationCache({ redis, prefix: `${prefix}:cache`, ttlSeconds: opts.ttlSeconds ?? 600 });
  const classifier =
    opts.classifier === null
      ? null
      : new OpenAiClassifier({ baseUrl: fake.baseUrl, apiKey: 'none', model: 'fake-model', prompt, timeoutMs: 1000, maxRetries: 0, ...opts.classifier });
  return { prefix, budget, cache, llm: new GuardedClassifier({ classifier, budget, cache }) };
}

const msg = (text: string, extra: Partial<GuardedClassifyInput> = {}): GuardedClassifyInput => ({
  text,
  previousTexts: [],
  compoundName: '阳光花园',
  underServiceDayPost: false,
  compoundCode: 'YX0001',
  ...extra,
});

describe('ClassificationCache', () => {
  it('classifies identical text once within the window, whitespace and full-width forms included', async () => {
    const { llm, budget } = guarded();
    const first = await llm.classify(msg('3号楼半夜装修 太吵了'));
    const again = await llm.classify(msg('  3号楼半夜装修   太吵了 ', { compoundCode: 'YX0002' }));
    const fullWidth = await llm.classify(msg('３号楼半夜装修　太吵了'));

    expect(fake.requests).toHaveLength(1);
    expect(first).toMatchObject({ ok: true, cached: false, result: { labels: { category: 'noise' } } });
    expect(again).toEqual({ ok: true, cached: true, result: first.ok ? first.result : null });
    expect(fullWidth).toMatchObject({ ok: true, cached: true });
    expect(await budget.usage('YX0001')).toMatchObject({ global: { calls: 1, tokens: 1000 }, compound: { calls: 1, tokens: 1000 } });
  });

  it('calls again when the context differs: other previous messages, or under a service-day post', async () => {
    const { llm } = guarded();
    await llm.classify(msg('+1'));
    await llm.classify(msg('+1', { previousTexts: ['12栋电梯又坏了'] }));
    await llm.classify(msg('+1', { previousTexts: ['楼上半夜装修 太吵了'] }));
    await llm.classify(msg('+1', { underServiceDayPost: true }));
    await llm.classify(msg('+1', { previousTexts: ['12栋电梯又坏了'] }));

    expect(fake.requests).toHaveLength(4);
  });

  it('lets concurrent identical messages in one process share a single call', async () => {
    fake.script(() => ({ delayMs: 200, then: { labels: NOISE } }));
    const { llm } = guarded();
    const outcomes = await Promise.all([1, 2, 3].map(() => llm.classify(msg('楼上又在装修了'))));

    expect(fake.requests).toHaveLength(1);
    expect(outcomes.map((o) => o.ok && o.cached).sort()).toEqual([false, true, true]);
  });

  it('keys on what the LLM would see: no personal numbers in the key, and they do not split the cache', () => {
    const { cache } = guarded();
    const a = cache.key({ text: '车主电话13812345678 车挡住消防通道了', previousTexts: [], underServiceDayPost: false });
    const b = cache.key({ text: '车主电话13987654321 车挡住消防通道了', previousTexts: [], underServiceDayPost: false });

    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(b);
  });

  it('stores entries for the configured window only', async () => {
    const { llm, cache, prefix } = guarded({ ttlSeconds: 30 });
    await llm.classify(msg('东门路灯不亮了'));
    const ttl = await redis.ttl(`${prefix}:cache:${cache.key(msg('东门路灯不亮了'))}`);

    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('with a zero window still merges concurrent calls but remembers nothing', async () => {
    fake.script(() => ({ delayMs: 100, then: { labels: NOISE } }));
    const { llm } = guarded({ ttlSeconds: 0 });
    await Promise.all([llm.classify(msg('东门路灯不亮了')), llm.classify(msg('东门路灯不亮了'))]);
    expect(fake.requests).toHaveLength(1);

    expect(await llm.classify(msg('东门路灯不亮了'))).toMatchObject({ ok: true, cached: false });
    expect(fake.requests).toHaveLength(2);
  });
});

describe('GuardedClassifier failure reasons', () => {
  it('answers unconfigured without an LLM', async () => {
    const { llm } = guarded({ classifier: null });
    expect(await llm.classify(msg('电梯坏了'))).toEqual({ ok: false, reason: 'unconfigured' });
    expect(fake.requests).toHaveLength(0);
  });

  it('answers budget_compound and budget_global without calling the LLM', async () => {
    const perCompound = guarded({ limits: { compoundCallsPerDay: 1 } });
    await perCompound.llm.classify(msg('电梯坏了'));
    expect(await perCompound.llm.classify(msg('路灯坏了'))).toEqual({ ok: false, reason: 'budget_compound' });

    const global = guarded({ limits: { globalCallsPerDay: 0 } });
    expect(await global.llm.classify(msg('门禁坏了'))).toEqual({ ok: false, reason: 'budget_global' });
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['timeout', 'a slow answer', { delayMs: 3000, then: { labels: NOISE } }, { timeoutMs: 150 }],
    ['http_5xx', 'HTTP 502', { status: 502 }, {}],
    ['rate_limited', 'HTTP 429', { status: 429 }, {}],
    ['http_4xx', 'HTTP 401 (bad key)', { status: 401 }, {}],
    ['schema', 'truncated JSON', { content: '{"category": "noise"' }, {}],
    ['schema', 'a category outside the list', { labels: { ...NOISE, category: 'renovation' } }, {}],
  ] as const)('answers %s for %s', async (reason, _what, answer, classifier) => {
    fake.script(() => answer);
    const { llm } = guarded({ classifier });
    expect(await llm.classify(msg(`电梯坏了 ${reason}`))).toEqual({ ok: false, reason });
  });

  it('answers network when the endpoint is unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { llm } = guarded({ classifier: { baseUrl: `http://127.0.0.1:${port}/v1` } });
    expect(await llm.classify(msg('电梯坏了'))).toEqual({ ok: false, reason: 'network' });
  });

  it('counts the tokens of an unusable answer, and does not cache a failure', async () => {
    fake.enqueue({ content: 'not json at all' });
    const { llm, budget } = guarded();
    expect(await llm.classify(msg('电梯坏了'))).toEqual({ ok: false, reason: 'schema' });
    const spent = (await budget.usage('YX0001')).compound;
    expect(spent?.calls).toBe(1);
    expect(spent?.tokens).toBeGreaterThan(0);

    expect(await llm.classify(msg('电梯坏了'))).toMatchObject({ ok: true, cached: false });
    expect(fake.requests).toHaveLength(2);
  });
});
