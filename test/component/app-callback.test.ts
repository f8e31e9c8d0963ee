import { eventually, startHarness, type Harness } from '../support/harness';
import { inboundIdFor } from '../../src/channels/wecom/ids';

describe('self-built app callbacks (XML, receiveid = CorpID)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ label: 'app', workers: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers URL verification', async () => {
    const res = await h.sim.get(h.sim.urlVerification('app', '1288432023552776189'));
    expect(res).toEqual({ status: 200, text: '1288432023552776189' });
  });

  it('acknowledges a staff member\'s 1:1 text at once and answers through message/send on the fake WeCom API', async () => {
    const req = h.sim.appText({ msgId: '4561255354251345929', from: 'zhang.shuji', content: '你好，今天有新工单吗' });
    const res = await h.sim.post(req);
    expect(res).toEqual({ status: 200, text: '' });
    const id = inboundIdFor('wecom_app', '4561255354251345929');
    expect(await h.services.inbound.get(id)).toMatchObject({ channel: 'wecom_app', senderId: 'zhang.shuji', chatType: 'single', text: '你好，今天有新工单吗' });

    const sends = await eventually(() => {
      const c = h.fake.callsTo('message/send');
      return c.length > 0 ? c : undefined;
    });
    expect(sends).toHaveLength(1);
    expect(sends[0]?.body).toMatchObject({ touser: 'zhang.shuji', msgtype: 'text', agentid: 1000002, text: { content: '您目前没有待办工单。' } });
    expect(h.fake.tokenIssues).toBe(1);
  });

  it('records a card click once, however often WeCom delivers it', async () => {
    const click = h.sim.appCardClick({ from: 'zhang.shuji', taskId: 'tk_YX0315_0042_1', eventKey: 'accept', createTime: 1764400000, responseCode: 'RCabc' });
    for (let i = 0; i < 3; i++) expect((await h.sim.post(click)).status).toBe(200);
    const rawId = 'zhang.shuji|1764400000|tk_YX0315_0042_1|accept';
    const id = inboundIdFor('wecom_app', rawId);
    const stored = await eventually(async () => {
      const m = await h.services.inbound.get(id);
      return m?.status === 'done' ? m : undefined;
    });
    expect(stored).toMatchObject({ kind: 'card_action', action: { taskId: 'tk_YX0315_0042_1', eventKey: 'accept', responseCode: 'RCabc' } });
    expect(await h.services.conn.collection('inbound_messages').countDocuments({ rawId })).toBe(1);
  });

  it('refuses an app callback signed with the AI bot keys', async () => {
    const wrong = h.sim.aibotText({ userid: 'x', chatid: 'c', text: 'hi' });
    const res = await fetch(`${h.baseUrl}/wecom/app?${new URLSearchParams(wrong.query).toString()}`, {
      method: 'POST',
      body: `<xml><Encrypt><![CDATA[${(JSON.parse(wrong.body) as { encrypt: string }).encrypt}]]></Encrypt></xml>`,
    });
    expect(res.status).toBe(401);
  });
});
