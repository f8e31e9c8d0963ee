import { Queue, QueueEvents, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { WeComApiClient, postJson } from '../../src/channels/wecom/api-client';
import { WeComConfigError, WeComRetryableError } from '../../src/channels/wecom/api-errors';
import { LiveSender } from '../../src/channels/wecom/sender';
import { TokenCache } from '../../src/channels/wecom/token-cache';
import { appText } from '../../src/channels/wecom/payloads';
import { createLogger } from '../../src/log';
import { DeliveryOutbox, createDeliveryWorker, type DeliveryJobData } from '../../src/queues/delivery-queue';
import { QUEUES, jobId } from '../../src/queues/names';
import { createRedis } from '../../src/queues/redis';
import { connectStore, type Connection } from '../../src/store/connection';
import { DeliveryRepo } from '../../src/store/delivery-repo';
import { startFakeWeComApi, type FakeWeComApi } from '../fakes/fake-wecom-api';
import { MONGODB_URL, REDIS_URL, uniqueName } from '../support/env';

const prefix = uniqueName('apiclient');
const logLines: string[] = [];
const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });

let fake: FakeWeComApi;
let redisA: Redis;
let redisB: Redis;
let eventsRedis: Redis;
let conn: Connection;
let repo: DeliveryRepo;
let queue: Queue<DeliveryJobData>;
let events: QueueEvents;
let worker: Worker;
let outbox: DeliveryOutbox;
let keySeq = 0;

function client(redis: Redis, keyPrefix = prefix, secret?: string): WeComApiClient {
  return new WeComApiClient({ baseUrl: fake.baseUrl, corpId: fake.corpId, secret: secret ?? fake.secret, redis, keyPrefix, logger });
}

/** A key prefix no other test has used: a cold token cache. */
function coldPrefix(): string {
  return `${prefix}:cold${++keySeq}`;
}

const send = (c: WeComApiClient, content = 'hi') => c.call<{ msgid: string }>('message/send', { touser: 'u1', agentid: 1000002, msgtype: 'text', text: { content } });

beforeAll(async () => {
  fake = await startFakeWeComApi();
  redisA = createRedis(REDIS_URL, 'worker');
  redisB = createRedis(REDIS_URL, 'worker');
  conn = await connectStore(MONGODB_URL, { dbName: prefix });
  repo = new DeliveryRepo(conn);
  await repo.init();
  queue = new Queue<DeliveryJobData>(QUEUES.delivery, { connection: redisA, prefix });
  eventsRedis = createRedis(REDIS_URL, 'worker');
  events = new QueueEvents(QUEUES.delivery, { connection: eventsRedis, prefix });
  await events.waitUntilReady();
  outbox = new DeliveryOutbox({ queue, repo, retry: { attempts: 5, backoffDelayMs: 20 } });
  const sender = new LiveSender({ app: client(redisA), agentId: 1000002, baseUrl: fake.baseUrl, logger });
  worker = createDeliveryWorker({ connection: redisB, prefix, deps: { repo, sender, redis: redisA, prefix, logger } });
});

afterAll(async () => {
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  const keys = await redisA.keys(`${prefix}:*`);
  if (keys.length > 0) await redisA.del(...keys);
  redisA.disconnect();
  redisB.disconnect();
  eventsRedis.disconnect();
  await conn.dropDatabase();
  await conn.close();
  await fake.close();
});

describe('access token', () => {
  it('is cached in Redis and shared by two client instances: one gettoken', async () => {
    const keyPrefix = coldPrefix();
    const before = fake.tokenIssues;
    await send(client(redisA, keyPrefix));
    await send(client(redisB, keyPrefix));
    expect(fake.tokenIssues - before).toBe(1);

    const tokenKeys = await redisA.keys(`${keyPrefix}:wecom:token:${fake.corpId}:*`);
    expect(tokenKeys).toHaveLength(1);
    expect(tokenKeys[0]).not.toContain(fake.secret);
    // Stored for expires_in - 300 s, so it is refreshed before WeCom expires it.
    const ttl = await redisA.ttl(tokenKeys[0] as string);
    expect(ttl).toBeGreaterThan(6800);
    expect(ttl).toBeLessThanOrEqual(6900);
  });

  it('costs one gettoken for 10 concurrent calls on a cold cache across two replicas', async () => {
    const keyPrefix = coldPrefix();
    const before = fake.tokenIssues;
    const a = client(redisA, keyPrefix);
    const b = client(redisB, keyPrefix);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2 === 0 ? a : b, `m${i}`)));
    expect(results.every((r) => typeof r.msgid === 'string')).toBe(true);
    expect(fake.tokenIssues - before).toBe(1);
  });

  it('refreshes and retries once when WeCom says the token expired (42001)', async () => {
    const c = client(redisA, coldPrefix());
    await send(c);
    const before = fake.tokenIssues;
    const sendsBefore = fake.callsTo('message/send').length;
    fake.expireTokens();

    await expect(send(c, 'after expiry')).resolves.toMatchObject({ msgid: expect.any(String) });
    const sends = fake.callsTo('message/send').slice(sendsBefore);
    expect(sends.map((s) => s.response)).toMatchObject([{ errcode: 42001 }, { errcode: 0 }]);
    expect(sends[0]?.query.access_token).not.toBe(sends[1]?.query.access_token);
    expect(fake.tokenIssues - before).toBe(1);
  });

  it('refreshes and retries once when WeCom revoked the token (40014)', async () => {
    const c = client(redisA, coldPrefix());
    await send(c);
    const sendsBefore = fake.callsTo('message/send').length;
    fake.revokeTokens();

    await send(c, 'after revoke');
    expect(fake.callsTo('message/send').slice(sendsBefore).map((s) => s.response)).toMatchObject([{ errcode: 40014 }, { errcode: 0 }]);
  });

  it('retries only once: a second token error is thrown as retryable', async () => {
    const c = client(redisA, coldPrefix());
    await send(c);
    const sendsBefore = fake.callsTo('message/send').length;
    fake.failNext('message/send', 42001, 2);

    await expect(send(c)).rejects.toBeInstanceOf(WeComRetryableError);
    expect(fake.callsTo('message/send').length - sendsBefore).toBe(2);
  });

  it('invalidates only the token WeCom rejected, not a newer one', async () => {
    const keyPrefix = coldPrefix();
    let n = 0;
    const cache = new TokenCache({ redis: redisA, keyPrefix, corpId: 'c', secret: 's', fetchToken: async () => ({ token: `t${++n}`, expiresIn: 7200 }) });
    expect(await cache.get()).toBe('t1');
    await cache.invalidate('t1');
    expect(await cache.get()).toBe('t2');
    await cache.invalidate('t1'); // a late report about the old token
    expect(await cache.get()).toBe('t2');
  });

  it('fails clearly on a wrong secret (40001)', async () => {
    const err = await send(client(redisA, coldPrefix(), 'wrong-secret')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeComConfigError);
    expect(err).toMatchObject({ api: 'gettoken', errcode: 40001 });
    expect((err as Error).message).toContain('WECOM_APP_SECRET');
  });

  it('never logs the secret or the access token', async () => {
    const c = client(redisA, coldPrefix());
    await send(c);
    fake.expireTokens();
    await send(c);
    const tokens = fake.callsTo('gettoken').map((g) => (g.response as { access_token?: string }).access_token).filter(Boolean) as string[];
    const all = logLines.join('\n');
    expect(all).toContain('wecom access token refreshed');
    expect(all).not.toContain(fake.secret);
    for (const t of tokens) expect(all).not.toContain(t);
  });
});

describe('postJson', () => {
  it('treats HTTP 5xx and network errors as retryable and errcodes as classified', async () => {
    fake.failNextHttp('webhook/send', 502);
    await expect(postJson(`${fake.baseUrl}/cgi-bin/webhook/send?key=k1`, { msgtype: 'text', text: { content: 'x' } })).rejects.toBeInstanceOf(WeComRetryableError);
    await expect(postJson('http://127.0.0.1:1/cgi-bin/webhook/send?key=k1', {}, fetch, 2000)).rejects.toMatchObject({
      name: 'WeComRetryableError',
      message: expect.not.stringContaining('key=k1'),
    });
    await expect(postJson(`${fake.baseUrl}/cgi-bin/webhook/send`, { msgtype: 'text', text: { content: 'x' } })).rejects.toBeInstanceOf(WeComConfigError);
  });
});

describe('errcodes through the delivery queue', () => {
  it('retries system busy (-1) with backoff until the send succeeds', async () => {
    const id = `busy-${uniqueName('d')}`;
    const sendsBefore = fake.callsTo('message/send').length;
    fake.failNext('message/send', -1, 2);
    await outbox.enqueue(id, { kind: 'app_user', userIds: ['u1'] }, appText('系统繁忙后重试'));

    const job = await queue.getJob(jobId('deliver', id));
    await expect(job?.waitUntilFinished(events, 15_000)).resolves.toMatchObject({ status: 'sent' });
    expect(fake.callsTo('message/send').slice(sendsBefore).map((c) => c.response)).toMatchObject([{ errcode: -1 }, { errcode: -1 }, { errcode: 0 }]);
    expect(await repo.get(id)).toMatchObject({ status: 'sent', attempts: 3, msgid: expect.any(String), lastError: { errcode: -1 } });
  });

  it('fails a 60020 at once with a message that says what to fix, and does not retry', async () => {
    const id = `ip-${uniqueName('d')}`;
    const sendsBefore = fake.callsTo('message/send').length;
    fake.failNext('message/send', 60020, 1);
    await outbox.enqueue(id, { kind: 'app_user', userIds: ['u1'] }, appText('可信IP'));

    const job = await queue.getJob(jobId('deliver', id));
    await expect(job?.waitUntilFinished(events, 15_000)).rejects.toThrow(/errcode 60020.*企业可信IP/);
    const failed = await queue.getJob(jobId('deliver', id));
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsMade).toBe(1);
    expect(fake.callsTo('message/send').length - sendsBefore).toBe(1);

    const delivery = await repo.get(id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastError: { errcode: 60020 } });
    expect(delivery?.lastError?.message).toContain('企业可信IP');
    expect(logLines.some((l) => l.includes('"errcode":60020') && l.includes('delivery failed permanently'))).toBe(true);
  });
});
