import { eventually, startHarness, type Harness } from '../support/harness';
import { startPrivateFerretDb, startPrivateRedis, type PrivateServer } from '../support/private-services';
import { inboundIdFor } from '../../src/channels/wecom/ids';

const GROUP = 'wrkSFfCgAAyhmdFAKE0315a';

describe('when Redis goes down', () => {
  let redis: PrivateServer;
  let h: Harness;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    // The sweep is what recovers jobs that Redis lost (this Redis keeps no data across a restart).
    h = await startHarness({ label: 'redisdown', workers: true, env: { REDIS_URL: redis.url }, workerOptions: { recoverEveryMs: 500, recoverAfterMs: 1000 } });
  });
  afterAll(async () => {
    await h.close();
    await redis.stop();
  });

  it('refuses callbacks with 503 while it is down and loses none of them once it is back', async () => {
    const before = h.sim.aibotText({ msgid: 'outage-before', chatid: GROUP, userid: 'r1', text: '南门路灯不亮' });
    expect((await h.sim.post(before)).status).toBe(200);

    await redis.stop();
    const during = [1, 2, 3].map((i) => h.sim.aibotText({ msgid: `outage-during-${i}`, chatid: GROUP, userid: `r${i}`, text: `${i}栋楼道堆满杂物` }));
    for (const req of during) {
      const started = Date.now();
      const res = await h.sim.post(req);
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(4000);
    }
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(h.logs.find('request refused').some((l) => l.status === 503)).toBe(true);

    await redis.start();
    // WeCom retries what we refused; each retry is now accepted and handled once.
    for (const req of during) {
      const res = await eventually(async () => {
        const r = await h.sim.post(req);
        return r.status === 200 ? r : undefined;
      }, 15_000, 'callback accepted after Redis came back');
      expect(res.status).toBe(200);
    }
    for (const msgid of ['outage-before', 'outage-during-1', 'outage-during-2', 'outage-during-3']) {
      const done = await eventually(async () => {
        const m = await h.services.inbound.get(inboundIdFor('wecom_aibot', msgid));
        return m?.status === 'done' ? m : undefined;
      }, 15_000, `${msgid} processed`);
      expect(done.replyText).toMatch(/已登记|已有人反映/);
    }
    expect(await h.services.conn.collection('inbound_messages').countDocuments({ rawId: /^outage-/ })).toBe(4);
    // The first message's job and stream died with Redis: its answer went to the group's push webhook.
    const first = await h.services.inbound.get(inboundIdFor('wecom_aibot', 'outage-before'));
    await eventually(() => h.fake.callsTo('webhook/send').some((c) => JSON.stringify(c.body).includes(first?.replyText ?? 'missing')), 10_000, 'webhook reply');
  });

  it('re-queues a message that was stored but whose job never reached Redis', async () => {
    const msg = {
      id: inboundIdFor('wecom_aibot', 'orphan-1'),
      channel: 'wecom_aibot' as const,
      rawId: 'orphan-1',
      kind: 'text' as const,
      compoundCode: null,
      chatId: GROUP,
      chatType: 'group' as const,
      senderId: 'r9',
      text: '垃圾房门口堆了好多垃圾',
      quote: null,
      action: null,
      sentAt: new Date(Date.now() - 120_000),
      receivedAt: new Date(Date.now() - 120_000),
    };
    await h.services.inbound.record(msg);
    // No job was queued for it: only the worker's periodic sweep can find it.
    expect(await h.services.intakeQueue.getJob(`intake-${msg.id}`)).toBeUndefined();
    const done = await eventually(async () => {
      const m = await h.services.inbound.get(msg.id);
      return m?.status === 'done' ? m : undefined;
    });
    expect(done.handledBy).toMatch(/^triage\./);
  });
});

describe('when the store goes down', () => {
  let store: PrivateServer & { dispose(): void };
  let h: Harness;

  beforeAll(async () => {
    store = await startPrivateFerretDb();
    h = await startHarness({ label: 'storedown', workers: true, env: { MONGODB_URL: store.url } });
  });
  afterAll(async () => {
    await h.close();
    await store.stop();
    store.dispose();
  });

  it('refuses callbacks with 503 and accepts the retry once it is back', async () => {
    await store.stop();
    const req = h.sim.aibotText({ msgid: 'store-down-1', chatid: GROUP, userid: 'r1', text: '8栋电梯困人了' });
    const res = await h.sim.post(req);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toEqual({ error: 'store_unavailable' });
    await store.start();
    await eventually(async () => (await h.sim.post(req)).status === 200, 20_000, 'store back');
    const done = await eventually(async () => {
      const m = await h.services.inbound.get(inboundIdFor('wecom_aibot', 'store-down-1'));
      return m?.status === 'done' ? m : undefined;
    }, 15_000);
    expect(done.text).toBe('8栋电梯困人了');
  });
});
