import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { WeComApiClient } from '../../src/channels/wecom/api-client';
import { DEFAULT_RATE_LIMITS } from '../../src/channels/wecom/destination';
import { WeComOutbound } from '../../src/channels/wecom/outbound';
import { appText, webhookText } from '../../src/channels/wecom/payloads';
import { LiveSender, OutboxSender } from '../../src/channels/wecom/sender';
import { utf8Bytes } from '../../src/channels/wecom/split-text';
import { createLogger } from '../../src/log';
import { DeliveryOutbox, createDeliveryWorker, type DeliveryJobData } from '../../src/queues/delivery-queue';
import { QUEUES, jobId } from '../../src/queues/names';
import { createRedis } from '../../src/queues/redis';
import { connectStore, type Connection } from '../../src/store/connection';
import { DeliveryRepo } from '../../src/store/delivery-repo';
import { startFakeWeComApi, type FakeCall, type FakeWeComApi } from '../fakes/fake-wecom-api';
import { MONGODB_URL, REDIS_URL, uniqueName } from '../support/env';

const prefix = uniqueName('delivery');
const logger = createLogger({ level: 'silent' });
const outboxDir = join(tmpdir(), uniqueName('outbox'));
// Scaled-down webhook window: 3 per second stands in for WeCom's 20 per minute.
const WEBHOOK_LIMIT = { limit: 3, windowMs: 1000 };

let fake: FakeWeComApi;
let redis: Redis;
let workerRedis: Redis;
let eventsRedis: Redis;
let conn: Connection;
let repo: DeliveryRepo;
let queue: Queue<DeliveryJobData>;
let events: QueueEvents;
let worker: Worker;
let outbox: DeliveryOutbox;
let outbound: WeComOutbound;

async function finished(deliveryId: string, timeoutMs = 20_000): Promise<unknown> {
  const job = await queue.getJob(jobId('deliver', deliveryId));
  if (!job) throw new Error(`no job for ${deliveryId}`);
  return job.waitUntilFinished(events, timeoutMs);
}

/** Polls the store until every delivery left `pending`; fails the test on timeout. */
async function settled(ids: readonly string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ds = await Promise.all(ids.map((id) => repo.get(id)));
    if (ds.every((d) => d && d.status !== 'pending')) return;
    if (Date.now() > deadline) throw new Error(`deliveries still pending: ${ids.filter((_, i) => ds[i]?.status === 'pending').join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const contentOf = (c: FakeCall) => ((c.body as { text?: { content?: string }; markdown?: { content?: string } }).text ?? (c.body as { markdown?: { content?: string } }).markdown)?.content;

beforeAll(async () => {
  fake = await startFakeWeComApi();
  redis = createRedis(REDIS_URL, 'worker');
  workerRedis = createRedis(REDIS_URL, 'worker');
  eventsRedis = createRedis(REDIS_URL, 'worker');
  conn = await connectStore(MONGODB_URL, { dbName: prefix });
  repo = new DeliveryRepo(conn);
  await repo.init();
  queue = new Queue<DeliveryJobData>(QUEUES.delivery, { connection: redis, prefix });
  events = new QueueEvents(QUEUES.delivery, { connection: eventsRedis, prefix });
  await events.waitUntilReady();
  outbox = new DeliveryOutbox({ queue, repo, retry: { attempts: 6, backoffDelayMs: 50 } });
  outbound = new WeComOutbound(outbox);
  const app = new WeComApiClient({ baseUrl: fake.baseUrl, corpId: fake.corpId, secret: fake.secret, redis, keyPrefix: prefix, logger });
  const sender = new LiveSender({ app, agentId: 1000002, baseUrl: fake.baseUrl, logger });
  worker = createDeliveryWorker({
    connection: workerRedis,
    prefix,
    concurrency: 5,
    deps: { repo, sender, redis, prefix, logger, limits: { ...DEFAULT_RATE_LIMITS, webhook: WEBHOOK_LIMIT }, orderPollMs: 50 },
  });
});

afterAll(async () => {
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  workerRedis.disconnect();
  eventsRedis.disconnect();
  await conn.dropDatabase();
  await conn.close();
  await fake.close();
  await rm(outboxDir, { recursive: true, force: true });
});

it('sends a message enqueued twice with the same id exactly once', async () => {
  const id = `twice-${uniqueName('d')}`;
  const dest = { kind: 'app_user' as const, userIds: ['zhangsan'] };
  await Promise.all([outbox.enqueue(id, dest, appText('只发一次')), outbox.enqueue(id, dest, appText('只发一次'))]);
  await expect(finished(id)).resolves.toMatchObject({ status: 'sent' });

  await outbox.enqueue(id, dest, appText('只发一次')); // after it was sent: no new job
  expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(0);
  expect(fake.callsTo('message/send').filter((c) => contentOf(c) === '只发一次')).toHaveLength(1);
  expect(await repo.get(id)).toMatchObject({ status: 'sent', attempts: 1 });
});

it('keeps no message content in Redis: the job carries the delivery id only', async () => {
  const id = `idonly-${uniqueName('d')}`;
  await outbox.enqueue(id, { kind: 'app_user', userIds: ['u1'] }, appText('内容只在数据库'));
  const job = await queue.getJob(jobId('deliver', id));
  expect(job?.data).toEqual({ deliveryId: id });
  await finished(id);
});

it('delays but delivers through a WeCom outage (-1 three times)', async () => {
  const id = `outage-${uniqueName('d')}`;
  fake.failNext('webhook/send', -1, 3);
  await outbox.enqueue(id, { kind: 'group_webhook', webhookKey: 'outage-key' }, webhookText('停水通知'));
  await expect(finished(id)).resolves.toMatchObject({ status: 'sent' });

  expect(fake.callsTo('webhook/send').filter((c) => c.query.key === 'outage-key').map((c) => c.response)).toMatchObject([
    { errcode: -1 },
    { errcode: -1 },
    { errcode: -1 },
    { errcode: 0 },
  ]);
  expect(await repo.get(id)).toMatchObject({ status: 'sent', attempts: 4 });
});

it('spaces 25 messages to one webhook so WeCom never sees more than its limit', async () => {
  // The fake enforces the same limit with a slightly shorter window, to absorb request jitter.
  fake.setWebhookLimit(WEBHOOK_LIMIT.limit, WEBHOOK_LIMIT.windowMs - 100);
  const key = 'busy-group-key';
  const ids = Array.from({ length: 25 }, (_, i) => `burst-${i}-${uniqueName('d')}`);
  await Promise.all(ids.map((id, i) => outbox.enqueue(id, { kind: 'group_webhook', webhookKey: key }, webhookText(`公告 ${i}`))));
  await settled(ids, 25_000);

  const calls = fake.callsTo('webhook/send').filter((c) => c.query.key === key);
  expect(calls.filter((c) => 'errcode' in c.response && c.response.errcode === 45009)).toHaveLength(0);
  expect(calls).toHaveLength(25);
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  const busiestWindow = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + WEBHOOK_LIMIT.windowMs - 100).length));
  expect(busiestWindow).toBeLessThanOrEqual(WEBHOOK_LIMIT.limit);
  // 25 sends at 3 per second cannot finish in under 7 seconds.
  expect((times[24] as number) - (times[0] as number)).toBeGreaterThanOrEqual(7 * WEBHOOK_LIMIT.windowMs - 500);
  expect((await Promise.all(ids.map((id) => repo.get(id)))).every((d) => d?.status === 'sent')).toBe(true);
}, 30_000);

it('splits a long text under the byte limit and delivers the parts in order, even when part 1 is retried', async () => {
  const key = `long-${uniqueName('d')}`;
  const paragraphs = Array.from({ length: 12 }, (_, i) => `【第${i + 1}段】${'小区公共区域的照明设施需要检修，'.repeat(12)}`);
  const text = paragraphs.join('\n');
  fake.failNext('message/send', -1, 1);
  const ids = await outbound.sendToUsers(key, ['secretary1'], text);
  expect(ids.length).toBeGreaterThanOrEqual(3);
  expect(ids).toEqual(ids.map((_, i) => `${key}-${i + 1}`));
  await settled(ids);

  const delivered = fake.callsTo('message/send').filter((c) => c.response && 'errcode' in c.response && c.response.errcode === 0 && (c.body as { touser?: string }).touser === 'secretary1');
  const contents = delivered.map(contentOf) as string[];
  expect(contents.join('\n')).toBe(text);
  for (const c of contents) expect(utf8Bytes(c)).toBeLessThanOrEqual(2048);
});

it('puts webhook mentions on the first part only', async () => {
  const key = `mention-${uniqueName('d')}`;
  const ids = await outbound.postToGroupWebhook(key, 'mention-key', `${'请各位业主注意停车秩序。'.repeat(80)}`, ['@all']);
  expect(ids.length).toBe(2);
  await settled(ids);
  const calls = fake.callsTo('webhook/send').filter((c) => c.query.key === 'mention-key');
  expect(calls.map((c) => (c.body as { text: { mentioned_list?: string[] } }).text.mentioned_list)).toEqual([['@all'], undefined]);
});

it('sends a card, keeps its response_code, and updates the card', async () => {
  const key = `card-${uniqueName('d')}`;
  await outbound.sendCard(key, ['secretary1'], { taskId: `task-${key}`, title: '新工单', buttons: [{ text: '受理', key: 'accept' }] });
  await finished(key);
  const sent = await repo.get(key);
  expect(sent).toMatchObject({ status: 'sent', responseCode: expect.any(String) });

  const updateKey = `${key}-update`;
  await outbound.updateCard(updateKey, ['secretary1'], sent?.responseCode as string, '已受理');
  await finished(updateKey);
  expect(fake.callsTo('message/update_template_card').at(-1)?.body).toMatchObject({
    userids: ['secretary1'],
    agentid: 1000002,
    response_code: sent?.responseCode,
    button: { replace_name: '已受理' },
  });
});

it('uses a response_url once; a second reply to it fails as spent, without retries', async () => {
  const url = fake.responseUrl();
  const first = `resp1-${uniqueName('d')}`;
  const second = `resp2-${uniqueName('d')}`;
  await outbound.replyViaResponseUrl(first, url, '已收到您的报修');
  await expect(finished(first)).resolves.toMatchObject({ status: 'sent' });
  await outbound.replyViaResponseUrl(second, url, '再次回复');
  await expect(finished(second)).rejects.toThrow(/response_url was already used/);
  expect(await repo.get(second)).toMatchObject({ status: 'failed', attempts: 1 });
  expect(fake.calls.filter((c) => c.path === '/cgi-bin/aibot/response' && c.query.response_code === new URL(url).searchParams.get('response_code'))).toHaveLength(2);
});

it('creates a customer-group task for the group owner', async () => {
  const key = `task-${uniqueName('d')}`;
  await outbound.createCustomerGroupTask(key, 'owner1', ['wrChat1', 'wrChat2'], '本周六上午停电检修');
  await expect(finished(key)).resolves.toMatchObject({ status: 'sent', msgid: expect.any(String) });
  expect(fake.callsTo('externalcontact/add_msg_template').at(-1)?.body).toEqual({
    chat_type: 'group',
    sender: 'owner1',
    chat_id_list: ['wrChat1', 'wrChat2'],
    text: { content: '本周六上午停电检修' },
  });
});

it('writes one JSON line per send to the local outbox, without credentials', async () => {
  const path = join(outboxDir, 'nested', 'outbox.jsonl');
  const sender = new OutboxSender({ path, now: () => new Date('2025-03-01T08:00:00Z') });
  await sender.deliver({ kind: 'group_webhook', webhookKey: 'very-secret-key' }, webhookText('公告'));
  await sender.deliver({ kind: 'response_url', url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC-SECRET' }, { msgtype: 'markdown', markdown: { content: '好的' } });

  const raw = await readFile(path, 'utf8');
  expect(raw).not.toContain('very-secret-key');
  expect(raw).not.toContain('RC-SECRET');
  const lines = raw.trim().split('\n').map((l) => JSON.parse(l) as unknown);
  expect(lines).toEqual([
    { at: '2025-03-01T08:00:00.000Z', destination: { kind: 'group_webhook', webhookKey: expect.stringMatching(/^[0-9a-f]{12}$/) }, body: { msgtype: 'text', text: { content: '公告' } } },
    { at: '2025-03-01T08:00:00.000Z', destination: { kind: 'response_url', url: 'qyapi.weixin.qq.com/cgi-bin/aibot/response' }, body: { msgtype: 'markdown', markdown: { content: '好的' } } },
  ]);
});

it('counts deliveries by status', async () => {
  const counts = await repo.countByStatus();
  expect(counts.failed).toBeGreaterThanOrEqual(1);
  expect(counts.sent).toBeGreaterThanOrEqual(30);
  expect(counts.pending).toBe(0);
});
