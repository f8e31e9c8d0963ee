import { inboundIdFor, streamIdFor } from '../../src/channels/wecom/ids';
import { STREAM_HANDOFF_TEXT } from '../../src/channels/wecom/stream-store';
import { eventually, startHarness, type Harness } from '../support/harness';

const GROUP = 'wrkSFfCgAAyhmdFAKE0315a';

describe('when the answer comes after the stream window closes', () => {
  let h: Harness;
  let t = Date.now();
  const now = () => new Date(t);

  beforeAll(async () => {
    h = await startHarness({ label: 'streamwin', now });
  });
  afterAll(async () => {
    await h.close();
  });

  it('closes the stream with a note and sends the answer through response_url, once', async () => {
    const responseUrl = h.fake.responseUrl();
    const req = h.sim.aibotText({ msgid: 'slow-1', chatid: GROUP, userid: 'resident.sun', text: '地下车库积水很深', responseUrl });
    expect((await h.sim.post(req)).status).toBe(200);
    const streamId = streamIdFor(inboundIdFor('wecom_aibot', 'slow-1'));

    t += (h.config.STREAM_WINDOW_SECONDS + 5) * 1000; // the workers were busy; WeCom's six minutes are nearly up
    const refresh = await h.sim.post(h.sim.aibotStreamRefresh({ streamId, chatid: GROUP, userid: 'resident.sun' }));
    expect(h.sim.openAibotReply(refresh.text)).toEqual({ msgtype: 'stream', stream: { id: streamId, finish: true, content: STREAM_HANDOFF_TEXT } });

    await h.startWorkers();
    const calls = await eventually(() => {
      const c = h.fake.callsTo('aibot/response');
      return c.length > 0 ? c : undefined;
    }, 10_000, 'response_url call');
    const stored = await eventually(async () => {
      const m = await h.services.inbound.get(inboundIdFor('wecom_aibot', 'slow-1'));
      return m?.status === 'done' ? m : undefined;
    });
    expect(calls[0]?.body).toEqual({ msgtype: 'markdown', markdown: { content: stored.replyText } });

    await eventually(async () => (await h.services.inbound.get(inboundIdFor('wecom_aibot', 'slow-1')))?.status === 'done');
    expect(h.fake.callsTo('aibot/response')).toHaveLength(1);
  });
});
