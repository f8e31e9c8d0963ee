import { eventually, startHarness, type Harness } from '../support/harness';
import { streamIdFor, inboundIdFor } from '../../src/channels/wecom/ids';

const GROUP = 'wrkSFfCgAAyhmdFAKE0315a';

interface StreamAnswer {
  msgtype: string;
  stream: { id: string; finish: boolean; content: string };
}

describe('AI bot callbacks through the real app, Redis and store', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ label: 'aibot', workers: true });
  });
  afterAll(async () => {
    await h.close();
  });

  async function pollStream(streamId: string, userid: string): Promise<StreamAnswer> {
    return eventually(async () => {
      const res = await h.sim.post(h.sim.aibotStreamRefresh({ streamId, chatid: GROUP, userid }));
      expect(res.status).toBe(200);
      const answer = h.sim.openAibotReply(res.text) as StreamAnswer;
      return answer.stream.finish ? answer : undefined;
    }, 10_000, 'stream to finish');
  }

  it('answers URL verification with the decrypted echostr', async () => {
    const res = await h.sim.get(h.sim.urlVerification('aibot', '1616140317555161061'));
    expect(res.status).toBe(200);
    expect(res.text).toBe('1616140317555161061');
  });

  it('acknowledges a group @-mention with a stream placeholder, stores it, and finishes the stream with the answer', async () => {
    const req = h.sim.aibotText({ msgid: 'msg-first-0001', chatid: GROUP, userid: 'resident.li', text: '3栋东侧消防通道有车违停' });
    const res = await h.sim.post(req);
    expect(res.status).toBe(200);
    const first = h.sim.openAibotReply(res.text) as StreamAnswer;
    const id = inboundIdFor('wecom_aibot', 'msg-first-0001');
    expect(first).toEqual({ msgtype: 'stream', stream: { id: streamIdFor(id), finish: expect.any(Boolean), content: expect.any(String) } });

    const stored = await h.services.inbound.get(id);
    expect(stored).toMatchObject({ channel: 'wecom_aibot', chatId: GROUP, senderId: 'resident.li', text: '3栋东侧消防通道有车违停', chatType: 'group' });

    const final = await pollStream(streamIdFor(id), 'resident.li');
    expect(final.stream.content).toMatch(/^已登记 #YX0315-\d{4}【违停】3栋东侧消防通道.*，已转宜城街道联合执法站，预计 .+处理。$/);
    const done = await eventually(async () => {
      const m = await h.services.inbound.get(id);
      return m?.status === 'done' ? m : undefined;
    });
    expect(done).toMatchObject({ compoundCode: 'YX0315', handledBy: 'triage.opened', replyText: final.stream.content });
    const ticket = await h.services.tickets.bySource(id);
    expect(ticket).toMatchObject({ category: 'illegal_parking', tier: 'enforcement', assignees: ['zheng.zhifa'], status: 'new', reportCount: 1 });
    // The enforcement station is told 1:1 through the app.
    const prompt = await eventually(() => h.fake.callsTo('message/send').find((c) => (c.body as { touser?: string }).touser === 'zheng.zhifa'));
    expect(JSON.stringify(prompt.body)).toContain(ticket?.ref ?? 'missing');
  });

  it('turns the same callback delivered three times into one message, one job and one reply', async () => {
    const req = h.sim.aibotText({ msgid: 'msg-dup-0002', chatid: GROUP, userid: 'resident.wang', text: '5号楼电梯又坏了' });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.sim.post(req);
      expect(res.status).toBe(200);
      answers.push(h.sim.openAibotReply(res.text) as StreamAnswer);
    }
    const id = inboundIdFor('wecom_aibot', 'msg-dup-0002');
    expect(new Set(answers.map((a) => a.stream.id))).toEqual(new Set([streamIdFor(id)]));
    await pollStream(streamIdFor(id), 'resident.wang');

    expect(await h.services.inbound.count({})).toBeGreaterThanOrEqual(1);
    const stored = await h.services.conn.collection('inbound_messages').countDocuments({ rawId: 'msg-dup-0002' });
    expect(stored).toBe(1);
    const jobs = await h.services.intakeQueue.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(jobs.filter((j) => j.data.inboundId === id)).toHaveLength(1);
    expect(h.logs.find('duplicate message callback').filter((l) => l.inboundId === id)).toHaveLength(2);
    // Remembered once, on arrival, as context for the sender's next messages.
    const history = await h.services.redis.lrange(`${h.name}:sender-history:${GROUP}:resident.wang`, 0, -1);
    expect(history.filter((e) => e.endsWith(`:${id}`))).toHaveLength(1);
    // The answer went into the stream only: nothing through response_url or webhooks.
    expect(h.fake.calls.filter((c) => c.path.includes('aibot/response') || c.path.includes('webhook/send'))).toHaveLength(0);
  });

  it('tells a group that is not registered that it cannot take reports yet', async () => {
    const req = h.sim.aibotText({ msgid: 'msg-unknown-0003', chatid: 'wrkUNREGISTERED', userid: 'someone', text: '路灯坏了' });
    const res = await h.sim.post(req);
    expect(res.status).toBe(200);
    const final = await pollStream(streamIdFor(inboundIdFor('wecom_aibot', 'msg-unknown-0003')), 'someone');
    expect(final.stream.content).toContain('还没有登记');
  });

  it('never repeats phone or plate numbers in the group, nor writes them to the logs', async () => {
    const req = h.sim.aibotText({ msgid: 'msg-pii-0004', chatid: GROUP, userid: 'resident.li', text: '8栋楼道里堆满了纸箱，苏B·12345的车主电话13800001234' });
    expect((await h.sim.post(req)).status).toBe(200);
    const final = await pollStream(streamIdFor(inboundIdFor('wecom_aibot', 'msg-pii-0004')), 'resident.li');
    expect(final.stream.content).toContain('已登记');
    expect(final.stream.content).not.toMatch(/13800001234|12345/);
    expect(JSON.stringify(h.logs.lines)).not.toMatch(/13800001234|苏B·12345/);
    expect(JSON.stringify(h.fake.calls)).not.toMatch(/13800001234/);
    // The stored message keeps what staff need.
    expect((await h.services.inbound.get(inboundIdFor('wecom_aibot', 'msg-pii-0004')))?.text).toContain('13800001234');
  });

  it('finishes an unknown stream so WeCom stops polling', async () => {
    const res = await h.sim.post(h.sim.aibotStreamRefresh({ streamId: 'st_nope', chatid: GROUP, userid: 'x' }));
    expect(h.sim.openAibotReply(res.text)).toEqual({ msgtype: 'stream', stream: { id: 'st_nope', finish: true, content: '' } });
  });

  it('welcomes a member opening the 1:1 chat', async () => {
    const res = await h.sim.post(
      h.sim.aibotCallback({ msgid: 'ev-enter-1', aibotid: 'AIBOT_DEMO', chattype: 'single', from: { userid: 'resident.zhao' }, create_time: Math.floor(Date.now() / 1000), msgtype: 'event', event: { eventtype: 'enter_chat' } }),
    );
    expect(res.status).toBe(200);
    expect(h.sim.openAibotReply(res.text)).toEqual({ msgtype: 'text', text: { content: expect.stringContaining('睦邻小助手') } });
  });
});
