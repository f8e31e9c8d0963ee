import { randomBytes } from 'node:crypto';
import { WeComSimulator } from '../../scripts/lib/wecom-simulator';
import { inboundIdFor, streamIdFor } from '../../src/channels/wecom/ids';
import { AIBOT_KEYS, APP_KEYS, eventually, startHarness, type Harness } from '../support/harness';
import { startBotProcess, type BotProcess } from '../support/processes';
import { MONGODB_URL, REDIS_URL } from '../support/env';

const GROUP = 'wrkSFfCgAAyhmdFAKE0315a';

describe('two web processes and two workers, like a scaled deployment', () => {
  let h: Harness;
  const procs: BotProcess[] = [];
  let sims: WeComSimulator[] = [];

  beforeAll(async () => {
    // The harness owns the database, queues, sample compounds and the fake WeCom API; the processes share them.
    h = await startHarness({ label: 'replicas' });
    const env = {
      MONGODB_URL: MONGODB_URL.replace(/\/[^/]*$/, `/${h.name}`),
      REDIS_URL,
      QUEUE_PREFIX: h.name,
      WECOM_API_BASE: h.fake.baseUrl,
      WECOM_CORP_ID: h.fake.corpId,
      WECOM_AIBOT_TOKEN: AIBOT_KEYS.token,
      WECOM_AIBOT_ENCODING_AES_KEY: AIBOT_KEYS.encodingAesKey,
      WECOM_APP_TOKEN: APP_KEYS.token,
      WECOM_APP_ENCODING_AES_KEY: APP_KEYS.encodingAesKey,
      WECOM_APP_AGENT_ID: '1000002',
      WECOM_APP_SECRET: h.fake.secret,
    };
    procs.push(...(await Promise.all([startBotProcess('web', env), startBotProcess('web', env), startBotProcess('worker', env), startBotProcess('worker', env)])));
    sims = procs.filter((p) => p.role === 'web').map((p) => new WeComSimulator({ baseUrl: p.baseUrl ?? '', aibot: AIBOT_KEYS, app: { ...APP_KEYS, corpId: h.fake.corpId } }));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.terminate()));
    await h.close();
  });

  it('turns one message delivered to both replicas, three times each, into one stored message, one job and one reply', async () => {
    const [a, b] = sims as [WeComSimulator, WeComSimulator];
    const req = a.aibotText({ msgid: 'replica-dup-1', chatid: GROUP, userid: 'resident.qian', text: '12幢2单元门禁坏了进不去' });
    const results = await Promise.all([a.post(req), b.post(req), a.post(req), b.post(req), a.post(req), b.post(req)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const id = inboundIdFor('wecom_aibot', 'replica-dup-1');

    // A refresh on either replica sees the same shared stream state.
    const finals = await Promise.all(
      [a, b].map((sim) =>
        eventually(async () => {
          const res = await sim.post(sim.aibotStreamRefresh({ streamId: streamIdFor(id), chatid: GROUP, userid: 'resident.qian' }));
          const ans = sim.openAibotReply(res.text) as { stream: { finish: boolean; content: string } };
          return ans.stream.finish ? ans.stream.content : undefined;
        }, 20_000, 'stream finished'),
      ),
    );
    expect(finals[0]).toBe(finals[1]);
    expect(finals[0]).toMatch(/^已登记 #YX0315-\d{4}【设施报修】/);

    expect(await h.services.conn.collection('inbound_messages').countDocuments({ rawId: 'replica-dup-1' })).toBe(1);
    const jobs = await h.services.intakeQueue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    expect(jobs.filter((j) => j.data.inboundId === id)).toHaveLength(1);
  });

  it('answers app messages once each, from whichever worker takes them', async () => {
    const [a, b] = sims as [WeComSimulator, WeComSimulator];
    const msgIds = Array.from({ length: 10 }, () => String(BigInt(`0x${randomBytes(7).toString('hex')}`)));
    await Promise.all(msgIds.flatMap((msgId, i) => [a, b].map((sim) => sim.post(sim.appText({ msgId, from: 'zhang.shuji', content: `第${i}条消息` })))));
    const replies = () => h.fake.callsTo('message/send').filter((c) => (c.body as { touser?: string; msgtype?: string }).touser === 'zhang.shuji' && (c.body as { msgtype?: string }).msgtype === 'text');
    const sends = await eventually(() => (replies().length >= 10 ? replies() : undefined), 20_000, 'ten app replies');
    await new Promise((r) => setTimeout(r, 500)); // a late duplicate send would show up here
    expect(replies()).toHaveLength(10);
    expect(sends.filter((c) => (c.response as { errcode?: number }).errcode === 0)).toHaveLength(10);
  });

  it('shuts down on SIGTERM without losing accepted messages', async () => {
    const [a] = sims as [WeComSimulator];
    const reqs = Array.from({ length: 30 }, (_, i) => a.aibotText({ msgid: `sigterm-${i}`, chatid: GROUP, userid: `r${i}`, text: `${i}号楼下水道堵了` }));
    const sent = reqs.map((r) => a.post(r));
    const workers = procs.filter((p) => p.role === 'worker');
    // Stop one worker while the burst is being processed; its jobs finish or go back to the queue.
    const codes = await Promise.all([workers[0]?.terminate(), ...(await Promise.all(sent)).map(async (r) => r.status)]);
    expect(codes[0]).toBe(0);
    const accepted = (await Promise.all(sent)).filter((r) => r.status === 200).length;
    expect(accepted).toBe(30);
    const inbound = h.services.conn.collection('inbound_messages');
    await eventually(async () => (await inbound.countDocuments({ rawId: /^sigterm-/, status: 'done' })) === 30, 30_000, 'all messages processed by the remaining worker');
    expect(await inbound.countDocuments({ rawId: /^sigterm-/ })).toBe(30);
    expect(workers[0]?.output()).toContain('shutting down');
  });
});
