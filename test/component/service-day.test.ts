import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serviceDayIds } from '../../src/domain/service-day-ids';
import { shanghaiDate } from '../../src/domain/shanghai-time';
import type { InboundMessage } from '../../src/domain/inbound-message';
import { buildServiceDay } from '../../src/queues/service-day-runtime';
import { connectStore } from '../../src/store/connection';
import { ServiceSignupRepo } from '../../src/store/service-day-signup-repo';
import { startFakeOpenAi, systemContent, taggedContent } from '../fakes/fake-openai';
import { MONGODB_URL } from '../support/env';
import { eventually } from '../support/harness';
import { ServiceDayDriver, testCompound } from '../support/service-day-driver';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const GROUP_0315 = 'wrkSFfCgAAyhmdFAKE0315a';
const OCT = '2025-10';

// The sample registry (YX0315-YX0317) plus: a customer group with a chat id, an internal
// group without a push webhook, and ten ordinary compounds so a fan-out has chunks.
const EXTRA = [
  testCompound('YX0318', { name: '景湖人家', groupKind: 'customer', chatId: 'wrOgQhDgAAfakeCust0318', pushWebhookKey: null, groupOwner: 'ma.shequ', secretary: 'ma.shuji' }),
  testCompound('YX0319', { name: '广汇花苑', pushWebhookKey: null }),
  ...Array.from({ length: 10 }, (_, i) => testCompound(`YX04${String(i + 1).padStart(2, '0')}`)),
];

describe('宜七来·睦邻服务日, October 2025 (the 7th falls in the National Day holiday)', () => {
  let d: ServiceDayDriver;
  /** Compounds holding the 7th: all but YX0316 (moved by import) and YX0401 (moved by chat). */
  let onThe7th: string[];

  beforeAll(async () => {
    d = await ServiceDayDriver.start('serviceday', shanghaiDate(2025, 9, 30, 10), EXTRA);
    await d.startWorker({ catchUp: false });
  });
  afterAll(async () => {
    await d.close();
  });

  it('registers a plan by chat, confirms it back, asks when unclear, refuses non-branch staff and undoes on "取消"', async () => {
    const yizhen = await d.staffSays('zhang.shuji', '7号上午9点 南门广场 义诊 可报名30人');
    expect(yizhen).toMatchObject({ handledBy: 'service_day.registered', replyText: '已登记：10月7日 09:00 南门广场 义诊（限30人）。回复“取消”可撤销。' });
    await eventually(() => d.sentTo('zhang.shuji').find((b) => b.includes('已登记：10月7日 09:00 南门广场 义诊（限30人）')));

    const reading = await d.staffSays('zhang.shuji', '9点半 党群驿站 读书会 不限人数 带身份证');
    expect(reading.replyText).toBe('已登记：10月7日 09:30 党群驿站 读书会（请带身份证）。回复“取消”可撤销。');

    const unclear = await d.staffSays('zhang.shuji', '7号 南门广场 太极 限20人');
    expect(unclear).toMatchObject({ handledBy: 'service_day.ask' });
    expect(unclear.replyText).toContain('开始时间');

    d.at(shanghaiDate(2025, 9, 30, 10, 5));
    const film = await d.staffSays('zhang.shuji', '7号下午3点 党群驿站 电影放映');
    expect(film.handledBy).toBe('service_day.registered');
    d.at(shanghaiDate(2025, 9, 30, 10, 6));
    const undo = await d.staffSays('zhang.shuji', '取消');
    expect(undo).toMatchObject({ handledBy: 'service_day.undone', replyText: '已撤销：10月7日 15:00 党群驿站 电影放映。' });

    const leader = await d.staffSays('zhao.loudong', '7号上午10点 3栋楼下 义剪 限10人');
    expect(leader).toMatchObject({ handledBy: 'service_day.refused', replyText: '只有小区党支部书记或支委可以登记服务日安排。' });

    // A ticket reply with a time is not a plan: the staff loop gets it.
    const ticketish = await d.staffSays('zhang.shuji', '收到，明天上午9点去看看');
    expect(ticketish.handledBy).toMatch(/^staff\./);

    // The customer group's secretary, in the same words.
    expect((await d.staffSays('ma.shuji', '7号上午10点 小区门口 公益集市 可报名50人')).handledBy).toBe('service_day.registered');

    const plan = await d.sd.stores.plans.get('YX0315', OCT);
    expect(plan?.activities.map((a) => [a.title, a.startsAt.toISOString(), a.capacity, a.bring, a.readBy])).toEqual([
      ['义诊', shanghaiDate(2025, 10, 7, 9).toISOString(), 30, null, 'grammar'],
      ['读书会', shanghaiDate(2025, 10, 7, 9, 30).toISOString(), null, '身份证', 'grammar'],
    ]);
  });

  it('imports plans an operator prepared with the script: a moved day, idempotent, bad plans reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plans-'));
    const file = join(dir, 'plans.yaml');
    await writeFile(
      file,
      [
        'month: 2025-10',
        'plans:',
        '  - compound: YX0316',
        '    movedTo: 2025-10-08',
        '    activities:',
        '      - { time: "14:00", place: 党群驿站, title: 书香暖冬读书会, capacity: 20, bring: 身份证 }',
        '  - compound: YX9999',
        '    activities:',
        '      - { time: "09:00", place: 广场, title: 义诊 }',
      ].join('\n'),
    );
    const url = new URL(MONGODB_URL);
    url.pathname = `/${d.h.name}`;
    const script = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/import-service-plans.ts', ...args], { cwd: ROOT, env: { ...process.env, MONGODB_URL: url.toString() } });
    const first = await script([file]).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('month 2025-10: added 1, unchanged 0, moved 1, rejected 1');
    expect(first.stdout).toContain('plan 2 (YX9999): compound YX9999 is not registered');
    const again = await script([file]).catch((err: { stdout: string }) => err);
    expect(again.stdout).toContain('added 0, unchanged 1, moved 0, rejected 1');
    await rm(dir, { recursive: true, force: true });

    const plan = await d.sd.stores.plans.get('YX0316', OCT);
    expect(plan).toMatchObject({ movedTo: '2025-10-08', activities: [{ title: '书香暖冬读书会', capacity: 20, bring: '身份证', source: 'import' }] });
    expect(plan?.activities[0]?.startsAt).toEqual(shanghaiDate(2025, 10, 8, 14));
  });

  it('reminds, on the 1st, each secretary without a plan once, however often the sweep runs', async () => {
    d.at(shanghaiDate(2025, 10, 1, 9));
    await d.sd.jobs.addSweep('plan-reminder');
    await d.sd.jobs.addSweep('plan-reminder');
    await d.settle();
    const unplanned = ['yang.shuji', 'sec.yx0319', ...Array.from({ length: 10 }, (_, i) => `sec.yx04${String(i + 1).padStart(2, '0')}`)];
    for (const s of unplanned) expect(d.sentTo(s).filter((b) => b.includes('还没有登记活动安排'))).toHaveLength(1);
    expect(d.sentTo('yang.shuji')[0]).toContain('10月7日（星期二）（国庆节假期，活动照常）');
    expect(d.sentTo('zhang.shuji').filter((b) => b.includes('还没有登记活动安排'))).toHaveLength(0);
    expect(d.sentTo('liu.shuji').filter((b) => b.includes('还没有登记活动安排'))).toHaveLength(0);
    expect(d.sentTo('ma.shuji').filter((b) => b.includes('还没有登记活动安排'))).toHaveLength(0);
  });

  it('moves a day by chat and leaves residents outside the window to triage', async () => {
    d.at(shanghaiDate(2025, 10, 2, 10));
    const moved = await d.staffSays('sec.yx0401', '本月服务日改到8号');
    expect(moved).toMatchObject({ handledBy: 'service_day.moved', replyText: '已登记：本月服务日改到10月8日（星期三），通知和提醒会按新日期发出。回复“取消”可撤销。' });
    expect((await d.sd.stores.plans.get('YX0401', OCT))?.movedTo).toBe('2025-10-08');

    const early = await d.residentSays(GROUP_0315, 'li.ayi', '报名 2人');
    expect(early.handledBy).toMatch(/^triage\./);
  });

  it('announces on the eve to every compound exactly once, though the fan-out restarts halfway and runs twice', async () => {
    d.at(shanghaiDate(2025, 10, 6, 19));
    await d.stopWorkers();
    let stopped: () => void = () => undefined;
    const halfway = new Promise<void>((resolve) => (stopped = resolve));
    let chunks = 0;
    const killed = await d.sd.startWorker({
      catchUp: false,
      fanOutChunk: 3,
      lockDuration: 1000,
      stalledInterval: 500,
      afterChunk: async () => {
        if (chunks++ > 0) return;
        // This worker dies after its first chunk: no clean shutdown, its lock simply expires.
        void killed.close(true);
        stopped();
        await new Promise<never>(() => undefined);
      },
    });
    const all = (await d.h.services.compounds.list({ active: true })).map((c) => c.code);
    onThe7th = all.filter((c) => c !== 'YX0316' && c !== 'YX0401');
    expect(onThe7th).toHaveLength(13);
    const eveIds = onThe7th.map((c) => serviceDayIds.announce(c, OCT, 'eve'));

    await d.sd.jobs.addSweep('eve');
    await halfway;
    const queued = (await d.sd.queue.getJobs(['waiting', 'active', 'prioritized'])).filter((j) => j.name === 'announce').map((j) => j.id);
    expect(new Set([...queued, ...(await d.sd.stores.runs.existing(eveIds))]).size).toBeLessThanOrEqual(3);
    // The redeploy: a fresh worker catches up at start and takes over the stalled sweep.
    await d.startWorker();
    await eventually(async () => (await d.sd.stores.runs.existing(eveIds)).size === eveIds.length, 30_000, 'every eve announcement recorded');

    await d.sd.jobs.addSweep('eve');
    await d.sd.jobs.addSweep('eve');
    await d.settle(30_000);

    for (const c of await d.h.services.compounds.list({ active: true })) {
      if (!c.pushWebhookKey) continue;
      expect(d.webhookPosts(c.pushWebhookKey).filter((b) => b.includes('睦邻服务日'))).toHaveLength(c.code === 'YX0316' || c.code === 'YX0401' ? 0 : 1);
    }
    const yx0315 = d.webhookPosts('00000315-fake-4000-8000-000000000001')[0] ?? '';
    expect(yx0315).toContain('明天 10月7日（星期二）');
    expect(yx0315).toContain('适逢国庆节假期，活动照常举行');
    expect(yx0315).toContain('09:00 南门广场 义诊（限30人）');
    expect(d.webhookPosts('00000403-fake-4000-8000-000000000403')[0]).toContain('支部正在安排本月的服务活动');

    // Groups the bot cannot post to: the customer group without a chat id, the internal one without a webhook.
    expect(d.sentTo('cao.shequ').filter((b) => b.includes('请转发到小区群'))).toHaveLength(1);
    expect(d.sentTo('sec.yx0319').filter((b) => b.includes('请转发到小区群'))).toHaveLength(1);
  }, 90_000);

  it('turns a customer group announcement into a group-send task for its owner and reminds the owner on schedule', async () => {
    const [task, ...more] = d.groupTasks('ma.shequ');
    expect(more).toHaveLength(0);
    expect(task?.chat_id_list).toEqual(['wrOgQhDgAAfakeCust0318']);
    expect(task?.text.content).toContain('【宜七来·睦邻服务日】景湖人家');
    expect(task?.text.content).toContain('请回复群主或联系楼栋长报名');

    d.at(shanghaiDate(2025, 10, 6, 19, 45));
    await d.sd.jobs.addSweep('owner-reminders');
    await d.settle();
    expect(d.sentTo('ma.shequ').filter((b) => b.includes('客户群群发'))).toHaveLength(1);
    d.at(shanghaiDate(2025, 10, 6, 21));
    await d.sd.jobs.addSweep('owner-reminders');
    await d.sd.jobs.addSweep('owner-reminders');
    await d.settle();
    expect(d.sentTo('ma.shequ').filter((b) => b.includes('客户群群发'))).toHaveLength(2);
    expect(await d.sd.stores.runs.get(serviceDayIds.ownerReminder('YX0318', OCT, 'eve', 2))).toMatchObject({ outcome: 'sent', owner: 'ma.shequ' });
  });

  it('signs residents up against capacity, also when they write at once, and answers questions from the plan', async () => {
    d.at(shanghaiDate(2025, 10, 6, 19, 30));
    const first = await d.residentSays(GROUP_0315, 'li.ayi', '报名 2人');
    expect(first).toMatchObject({ handledBy: 'service_day.signup', replyText: '已为您报名：09:00 义诊，2人，还剩28个名额。如需取消，请说“取消报名”。' });
    expect((await d.residentSays(GROUP_0315, 'li.ayi', '报名 3人')).handledBy).toBe('service_day.signup_already');

    // 16 families of two ask for the 28 places left in the same moment: 14 get them.
    const rush = await Promise.all(Array.from({ length: 16 }, (_, i) => d.residentSays(GROUP_0315, `jumin${i}`, '我家2口参加')));
    expect(rush.filter((m) => m.handledBy === 'service_day.signup')).toHaveLength(14);
    const refused = rush.filter((m) => m.handledBy === 'service_day.signup_full');
    expect(refused).toHaveLength(2);
    // A refusal in the rush may see a place another family holds for a moment.
    for (const r of refused) expect(r.replyText).toMatch(/^抱歉，义诊(名额已满|只剩1个名额)/);
    const plan = await d.sd.stores.plans.get('YX0315', OCT);
    const yizhen = plan?.activities.find((a) => a.title === '义诊');
    const signups = await d.sd.stores.signups.forActivities([yizhen?.id ?? '']);
    expect(signups.reduce((n, s) => n + s.count, 0)).toBe(30);
    expect((await d.sd.stores.signups.seatsTaken([yizhen?.id ?? ''])).get(yizhen?.id ?? '')).toBe(30);

    expect(await d.residentSays(GROUP_0315, 'wang.xiansheng', '几点开始？')).toMatchObject({ handledBy: 'service_day.question', replyText: '10月7日（星期二）：义诊 09:00 开始；读书会 09:30 开始。' });
    expect((await d.residentSays(GROUP_0315, 'wang.xiansheng', '在哪里？')).replyText).toContain('义诊在南门广场；读书会在党群驿站');
    expect((await d.residentSays(GROUP_0315, 'wang.xiansheng', '还有名额吗？')).replyText).toBe('义诊名额已满。');
    // A problem in the same hours still becomes a ticket.
    expect((await d.residentSays(GROUP_0315, 'wang.xiansheng', '5栋电梯坏了，什么时候能修好？')).handledBy).toMatch(/^triage\./);

    const full = await d.residentSays(GROUP_0315, 'wang.xiansheng', '报名 1人');
    expect(full).toMatchObject({ handledBy: 'service_day.signup_full', replyText: '抱歉，义诊名额已满（共30人）。欢迎到现场看看，或留意下次服务日的活动。' });

    const cancel = await d.residentSays(GROUP_0315, 'jumin0', '取消报名');
    expect(cancel).toMatchObject({ handledBy: 'service_day.signup_cancel', replyText: '已取消您的报名（义诊 2人）。' });
    expect((await d.residentSays(GROUP_0315, 'late.comer', '报名 2人')).handledBy).toBe('service_day.signup');
  }, 60_000);

  it('never overbooks when two workers take sign-ups for the same places, and counts a repeated message once', async () => {
    const other = await connectStore(MONGODB_URL, { dbName: d.h.name });
    try {
      await twoWorkersRace([d.sd.stores.signups, new ServiceSignupRepo(other)]);
    } finally {
      await other.close();
    }
  });

  async function twoWorkersRace(repos: ServiceSignupRepo[]): Promise<void> {
    const at = d.clock;
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => repos[i % 2]?.signUp({ activityId: 'race-activity', capacity: 10, userId: `u${i}`, count: 1, messageId: `m${i}`, at })),
    );
    expect(outcomes.filter((o) => o?.kind === 'confirmed')).toHaveLength(10);
    expect(outcomes.filter((o) => o?.kind === 'full')).toHaveLength(30);
    expect((await d.sd.stores.signups.seatsTaken(['race-activity'])).get('race-activity')).toBe(10);

    const twice = await Promise.all([0, 1].map((i) => repos[i]?.signUp({ activityId: 'repeat-activity', capacity: 5, userId: 'u1', count: 3, messageId: 'same', at })));
    expect(twice.map((o) => o?.kind)).toEqual(['confirmed', 'confirmed']);
    expect((await d.sd.stores.signups.seatsTaken(['repeat-activity'])).get('repeat-activity')).toBe(3);
  }

  it('announces on the morning once more, and stops reminding an owner who says the task is sent', async () => {
    d.at(shanghaiDate(2025, 10, 7, 8));
    await d.sd.jobs.addSweep('day');
    await d.sd.jobs.addSweep('day');
    await d.settle(30_000);
    const posts = d.webhookPosts('00000315-fake-4000-8000-000000000001');
    expect(posts).toHaveLength(2);
    expect(posts[1]).toContain('今天 10月7日（星期二）');
    expect(d.groupTasks('ma.shequ')).toHaveLength(2);

    d.at(shanghaiDate(2025, 10, 7, 8, 10));
    expect(await d.staffSays('ma.shequ', '已群发')).toMatchObject({ handledBy: 'service_day.owner_confirmed' });
    d.at(shanghaiDate(2025, 10, 7, 9, 45));
    await d.sd.jobs.addSweep('owner-reminders');
    await d.settle();
    expect(d.sentTo('ma.shequ').filter((b) => b.includes('服务日当天通知'))).toHaveLength(0);
  });

  it('asks each secretary for a one-line summary in the evening and files the answer for the monthly report', async () => {
    d.at(shanghaiDate(2025, 10, 7, 20));
    await d.sd.jobs.addSweep('summary');
    await d.settle();
    const ask = d.sentTo('zhang.shuji').filter((b) => b.includes('请用一句话总结'));
    expect(ask).toHaveLength(1);
    expect(ask[0]).toContain('报名情况：义诊 30/30人');
    for (const c of onThe7th) expect(await d.sd.stores.runs.get(serviceDayIds.summaryRequest(c, OCT))).not.toBeNull();

    d.at(shanghaiDate(2025, 10, 7, 21));
    const answer = await d.staffSays('zhang.shuji', '总结：义诊来了52位居民，量血压80人次，读书会20人');
    expect(answer).toMatchObject({ handledBy: 'service_day.summary' });
    expect(answer.replyText).toContain('已记下优湖美地10月7日（星期二）服务日的小结');

    const [yx0315] = await d.sd.serviceDayFigures(OCT, { compoundCodes: ['YX0315'] });
    expect(yx0315).toMatchObject({
      compoundCode: 'YX0315',
      serviceDay: '2025-10-07',
      moved: false,
      signups: 30,
      capacity: 30,
      summary: '义诊来了52位居民,量血压80人次,读书会20人',
      announced: { eve: 'webhook', day: 'webhook' },
    });
    expect(yx0315?.activities.map((a) => [a.title, a.signedUp])).toEqual([
      ['义诊', 30],
      ['读书会', 0],
    ]);
  });

  it('catches up after an outage with what still makes sense: the moved compounds follow their own day', async () => {
    await d.stopWorkers();
    // Down through the evening of the 7th, when the eve of the 8th was due; back at 07:00.
    d.at(shanghaiDate(2025, 10, 8, 7));
    await d.startWorker();
    await d.settle(30_000);
    const eve = d.webhookPosts('00000316-fake-4000-8000-000000000002');
    expect(eve).toHaveLength(1);
    expect(eve[0]).toContain('明天 10月8日（星期三）');
    expect(eve[0]).toContain('14:00 党群驿站 书香暖冬读书会（限20人，请带身份证）');
    expect(d.webhookPosts('00000401-fake-4000-8000-000000000401')).toHaveLength(1);
    // Nothing of the 7th went out again.
    expect(d.webhookPosts('00000315-fake-4000-8000-000000000001')).toHaveLength(2);

    // Down again over the morning; back at 13:00. YX0316's reading starts at 14:00, so its
    // morning notice still helps; YX0401 has no activity and its notice expired at noon.
    await d.stopWorkers();
    d.at(shanghaiDate(2025, 10, 8, 13));
    await d.startWorker();
    await d.settle(30_000);
    expect(d.webhookPosts('00000316-fake-4000-8000-000000000002')).toHaveLength(2);
    expect(d.webhookPosts('00000401-fake-4000-8000-000000000401')).toHaveLength(1);
    expect(await d.sd.stores.runs.get(serviceDayIds.announce('YX0401', OCT, 'day'))).toMatchObject({ outcome: 'skipped', note: 'expired' });
    expect(d.h.logs.find('service-day announcement too late to send; recorded as expired').length).toBeGreaterThan(0);

    const figures = await d.sd.serviceDayFigures(OCT);
    expect(figures.find((f) => f.compoundCode === 'YX0316')).toMatchObject({ serviceDay: '2025-10-08', moved: true, announced: { eve: 'webhook', day: 'webhook' }, capacity: 20 });
    expect(figures.find((f) => f.compoundCode === 'YX0318')).toMatchObject({ announced: { eve: 'task', day: 'task' }, planReminded: false, capacity: 50 });
    expect(figures.find((f) => f.compoundCode === 'YX0317')).toMatchObject({ announced: { eve: 'manual', day: 'manual' }, planReminded: true, activities: [] });
    expect(figures.map((f) => f.compoundCode)).toEqual((await d.h.services.compounds.list({ active: true })).map((c) => c.code));
  }, 90_000);

  it('reads plans with the LLM under the strict schema when one is configured, and falls back to the grammar', async () => {
    const llm = await startFakeOpenAi();
    const sd = await buildServiceDay(d.h.services, { ...d.h.config, OPENAI_BASE_URL: llm.baseUrl, OPENAI_MODEL: 'fake-model' }, d.h.log, { now: () => d.clock });
    try {
      d.at(shanghaiDate(2025, 10, 9, 10));
      const say = (id: string, text: string) => {
        const msg: InboundMessage = {
          id,
          channel: 'wecom_app',
          rawId: id,
          kind: 'text',
          compoundCode: null,
          chatId: null,
          chatType: 'single',
          senderId: 'liu.shuji',
          text,
          quote: null,
          action: null,
          sentAt: d.clock,
          receivedAt: d.clock,
        };
        return sd.staffPlan(msg, { log: d.h.log, now: () => d.clock, compound: null, chatRole: 'direct' });
      };
      const slot = { month: 11, day: 7, time: '14:00', place: '党群驿站', title: '读书会', bring: null, capacity: 20 };
      llm.enqueue({ labels: { kind: 'activities', activities: [slot] } });
      expect(await say('llm-1', '11月7日下午两点在党群驿站搞读书会，限报二十人')).toEqual({
        reply: '已登记：11月7日 14:00 党群驿站 读书会（限20人）。回复“取消”可撤销。',
        handledBy: 'service_day.registered',
      });
      const req = llm.requests[0];
      expect(req?.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'mulin_service_plan', strict: true } });
      expect(req && systemContent(req)).toContain('提示词版本：service-plan.v1');
      expect(req && taggedContent(req, 'plan')).toBe('11月7日下午两点在党群驿站搞读书会，限报二十人');

      // A capacity the secretary never wrote is not believed; an outage costs nothing but the model.
      llm.enqueue({ labels: { kind: 'activities', activities: [{ ...slot, time: '09:00', place: '南门广场', title: '义诊', capacity: 50 }] } }, { status: 500 }, { status: 500 });
      expect((await say('llm-2', '11月7日上午9点 南门广场 义诊 限30人'))?.reply).toBe('已登记：11月7日 09:00 南门广场 义诊（限30人）。回复“取消”可撤销。');
      expect((await say('llm-3', '11月7日下午4点 党群驿站 亲子手工 限10人'))?.handledBy).toBe('service_day.registered');
      const nov = await sd.stores.plans.get('YX0316', '2025-11');
      expect(nov?.activities.map((a) => [a.title, a.capacity, a.readBy])).toEqual([
        ['义诊', 30, 'grammar'],
        ['读书会', 20, 'service-plan.v1'],
        ['亲子手工', 10, 'grammar'],
      ]);
      expect(d.h.logs.find('service plan read by the grammar: llm unusable').map((l) => l.reason)).toEqual(expect.arrayContaining(['unsupported_numbers', 'http_5xx']));
    } finally {
      await sd.close();
      await llm.close();
    }
  });

  it('upserts its schedulers with stable ids: every start and every worker keeps one of each', async () => {
    const schedulers = await d.sd.queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
      ['sd-day', '0 8 * * *', 'Asia/Shanghai'],
      ['sd-eve', '0 19 * * *', 'Asia/Shanghai'],
      ['sd-owner-reminders', '*/10 * * * *', 'Asia/Shanghai'],
      ['sd-plan-reminder', '0 9 * * *', 'Asia/Shanghai'],
      ['sd-summary', '0 20 * * *', 'Asia/Shanghai'],
    ]);
  });
});
