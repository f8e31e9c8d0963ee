import type { Job } from 'bullmq';
import { jobId } from '../../src/queues/names';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/fake-openai';
import { eventually, startHarness, type Harness } from '../support/harness';
import {
  GROUP_YX0315,
  GROUP_YX0316,
  LlmScript,
  SLOW,
  WEBHOOK_KEY_YX0315,
  WEBHOOK_KEY_YX0316,
  converse,
  deliveriesSettled,
  dropHarnessKeys,
  labels,
  llmEnv,
  messageBlock,
  nonEmpty,
  promptsAbout,
  webhookPosts,
  type Sent,
} from '../support/triage-driver';

/*
 * One clarifying question, end to end: the bot asks in the group, the resident's short answer
 * completes the report, and without an answer the timer opens the ticket anyway with the gap
 * marked. CLARIFY_WAIT_MINUTES=1 and an injected clock: the test moves the clock past the wait
 * and promotes the delayed timer job instead of sleeping.
 */

// Each test waits on several round trips through the queues; the machine is shared.
jest.setTimeout(120_000);

const WAIT_MS = 60_000;

describe('triage: one clarifying question', () => {
  let fake: FakeOpenAi;
  let llm: LlmScript;
  let h: Harness;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    llm = new LlmScript(fake);
    h = await startHarness({ label: 'triageclarify', workers: true, now, env: llmEnv(fake, { CLARIFY_WAIT_MINUTES: '1' }) });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
    if (h) await dropHarnessKeys(h.name);
  });

  const pending = (id: string) => h.services.conn.collection('pending_clarifications').findOne({ _id: id as never });

  async function timerOf(sent: Sent): Promise<Job> {
    return eventually(async () => (await h.services.timersQueue.getJob(jobId('clarify', sent.id))) ?? undefined, SLOW, 'the clarification timer');
  }

  /** Moves the clock past the wait and runs the delayed timer now; resolves with what it returned. */
  async function fireTimer(sent: Sent): Promise<unknown> {
    offsetMs += WAIT_MS + 1_000;
    const job = await timerOf(sent);
    expect(await job.getState()).toBe('delayed');
    await job.promote();
    return eventually(
      async () => {
        // finishedOn and returnvalue are written together; the state may change between two reads.
        const j = await h.services.timersQueue.getJob(jobId('clarify', sent.id));
        return j?.finishedOn && !j.failedReason ? String(j.returnvalue) : undefined;
      },
      SLOW,
      'the clarification timer to run',
    );
  }

  it('asks one short question, and the resident’s answer "5栋" opens the ticket with the place and no gap', async () => {
    const text = '门口那个灯坏了好几天了';
    llm.when(text, {
      labels: labels({
        actionable: true,
        category: 'facility_repair',
        tier: 'property',
        urgency: 'normal',
        building: null,
        needs_clarification: true,
        summary: '门口的灯坏了好几天',
        clarifying_question: '请问是哪栋楼门口的灯？',
      }),
    });

    const asked = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.clar.a', text });
    expect(asked.answer).toBe('请问是哪栋楼门口的灯？');
    expect([...asked.answer].length).toBeLessThanOrEqual(30);
    expect(asked.stored.handledBy).toBe('triage.clarify');
    expect(await h.services.tickets.bySource(asked.sent.id)).toBeNull();
    expect(await pending(asked.sent.id)).toMatchObject({ status: 'open', chatId: GROUP_YX0315, senderId: 'resident.clar.a' });
    const timer = await timerOf(asked.sent);
    expect(timer.delay).toBeGreaterThan(WAIT_MS - 15_000);
    expect(timer.delay).toBeLessThanOrEqual(WAIT_MS);

    const answered = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.clar.a', text: '5栋' });

    const ticket = await h.services.tickets.bySource(asked.sent.id);
    expect(ticket).toMatchObject({
      compoundCode: 'YX0315',
      category: 'facility_repair',
      tier: 'property',
      building: '5栋',
      gaps: [],
      assignees: ['zhou.wuye', 'wu.wuye'],
      watchers: ['zhang.shuji', 'qian.loudong'],
      classifier: { source: 'llm', promptVersion: 'classify.v1' },
    });
    expect(ticket?.description).toContain(text);
    expect(ticket?.description).toContain('5栋');
    expect(answered.answer).toBe(`已登记 #${ticket?.ref}【设施报修】5栋门口的灯坏了好几天，已转优湖物业服务中心，预计 2 个工作日内处理。`);
    expect(answered.stored.handledBy).toBe('triage.clarified');
    expect(await h.services.tickets.bySource(answered.sent.id)).toBeNull();
    expect(new Set(ticket?.reporters.map((r) => r.userId))).toEqual(new Set(['resident.clar.a']));
    // The answer is not a new message to classify.
    expect(fake.requests.filter((r) => messageBlock(r) === '5栋')).toHaveLength(0);
    await eventually(() => nonEmpty(promptsAbout(h, 'zhou.wuye', ticket?.ref ?? 'missing')), SLOW, 'the property prompt');

    // The timer still fires later and finds the question answered: nothing more happens.
    expect(await fireTimer(asked.sent)).toBe('answered');
    await deliveriesSettled(h);
    expect(await h.services.conn.collection('tickets').countDocuments({ sourceInboundId: asked.sent.id })).toBe(1);
    expect(webhookPosts(h, WEBHOOK_KEY_YX0315)).toEqual([]);
  });

  it('without an answer, opens the ticket when the wait is over, with the place gap, and says so in the group', async () => {
    const text = '那个灯坏了好几天了，晚上黑乎乎的';
    llm.when(text, {
      labels: labels({
        actionable: true,
        category: 'facility_repair',
        tier: 'property',
        urgency: 'normal',
        building: null,
        needs_clarification: true,
        summary: '灯坏了好几天',
        clarifying_question: '请问是哪栋楼的灯？',
      }),
    });

    const asked = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.clar.b', text });
    expect(asked.answer).toBe('请问是哪栋楼的灯？');
    expect(await h.services.tickets.bySource(asked.sent.id)).toBeNull();

    expect(await fireTimer(asked.sent)).toBe('opened');

    const ticket = await h.services.tickets.bySource(asked.sent.id);
    expect(ticket).toMatchObject({
      compoundCode: 'YX0316',
      category: 'facility_repair',
      tier: 'branch',
      building: null,
      gaps: ['place'],
      assignees: ['liu.shuji'],
      reportCount: 1,
      description: text,
      classifier: { source: 'llm', promptVersion: 'classify.v1' },
    });
    expect(await pending(asked.sent.id)).toMatchObject({ status: 'timed_out' });
    const posts = await eventually(() => nonEmpty(webhookPosts(h, WEBHOOK_KEY_YX0316)), SLOW, 'the group notice');
    expect(posts).toEqual([`没等到补充信息，已先按现有情况登记：已登记 #${ticket?.ref}【设施报修】灯坏了好几天，已转南郊花园党支部，预计 3 个工作日内处理。`]);
    const prompts = await eventually(() => nonEmpty(promptsAbout(h, 'liu.shuji', ticket?.ref ?? 'missing').filter((p) => p.msgtype === 'text')), SLOW, 'the text prompt');
    expect(prompts[0]?.body).toContain('位置：居民未说明，请现场确认');
    expect(h.logs.find('ticket opened without the clarification')).toEqual([expect.objectContaining({ ticket: ticket?.ref, gap: 'place' })]);
  });

  it('when Redis lost the "question asked" hint, reads the answer as a new message and still opens the question’s ticket at the timeout, with the gap', async () => {
    const text = '楼下那个灯又不亮了';
    llm.when(text, {
      labels: labels({
        actionable: true,
        category: 'facility_repair',
        tier: 'property',
        urgency: 'normal',
        building: null,
        needs_clarification: true,
        summary: '楼下的灯不亮',
        clarifying_question: '请问是哪栋楼下的灯？',
      }),
    });
    const asked = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.clar.lost', text });
    expect(asked.stored.handledBy).toBe('triage.clarify');
    const hint = `${h.name}:asked:${GROUP_YX0315}:resident.clar.lost`;
    expect(await h.services.redis.pttl(hint)).toBeGreaterThan(WAIT_MS - 15_000);
    await h.services.redis.del(hint);

    const answered = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.clar.lost', text: '7栋' });
    expect(answered.stored.handledBy).not.toBe('triage.clarified');
    expect(await pending(asked.sent.id)).toMatchObject({ status: 'open', answeredBy: null });

    expect(await fireTimer(asked.sent)).toBe('opened');
    expect(await h.services.tickets.bySource(asked.sent.id)).toMatchObject({ category: 'facility_repair', building: null, gaps: ['place'] });
  });

  it('asks where (not what) when the LLM is down and the report names the thing but no building', async () => {
    const text = '晚上路过发现有个井盖松了';
    llm.when(text, { status: 500 });

    const asked = await converse(h, { chatid: GROUP_YX0315, userid: 'resident.clar.c', text });

    expect(asked.stored.handledBy).toBe('triage.clarify');
    expect(asked.answer).toBe('请问具体是几栋、哪个位置？');
    expect(await pending(asked.sent.id)).toMatchObject({ status: 'open', missing: 'place' });
  });

  it('marks the place gap on timeout when the model’s summary names a door but no building ("单元门的门禁坏了")', async () => {
    const text = '单元门的门禁坏了，刷卡没反应';
    llm.when(text, {
      labels: labels({
        actionable: true,
        category: 'facility_repair',
        tier: 'property',
        urgency: 'normal',
        building: null,
        needs_clarification: true,
        summary: '单元门门禁坏了刷卡无反应',
        clarifying_question: '请问是几栋的单元门？',
      }),
    });

    const asked = await converse(h, { chatid: GROUP_YX0316, userid: 'resident.clar.d', text });
    expect(asked.answer).toBe('请问是几栋的单元门？');

    expect(await fireTimer(asked.sent)).toBe('opened');

    const ticket = await h.services.tickets.bySource(asked.sent.id);
    expect(ticket).toMatchObject({ category: 'facility_repair', building: null });
    expect(ticket?.gaps).toEqual(['place']);
  });
});
