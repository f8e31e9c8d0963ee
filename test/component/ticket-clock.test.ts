import { inboundIdFor } from '../../src/channels/wecom/ids';
import { shanghaiDate } from '../../src/domain/shanghai-time';
import type { Ticket } from '../../src/domain/ticket';
import { createInboundRouter } from '../../src/pipeline/inbound-router';
import { buildStaff, buildStaffReader } from '../../src/roles/staff';
import { buildTicketClock, startTicketClock, type TicketClockKit, type TicketClockRole } from '../../src/roles/ticket-clock';
import { buildTriage } from '../../src/roles/triage';
import type { Services } from '../../src/roles/services';
import { TicketRepo } from '../../src/store/ticket-repo';
import { eventually, startHarness, type Harness } from '../support/harness';
import { clockJobsOf, dropClockState, fireTimer, promoteEarly, timerId } from '../support/clock-driver';

const GROUP = 'wrkSFfCgAAyhmdFAKE0315a';
let seq = 0;
const nextMsgId = () => String(8_100_000_000_000_000_000n + BigInt(++seq));

describe('ticket timers on BullMQ: reminders, whistles, snoozes and "is it really fixed?"', () => {
  let h: Harness;
  let svc: Services;
  let kit: TicketClockKit;
  let role: TicketClockRole;
  let clock = shanghaiDate(2025, 9, 30, 16);
  const now = () => clock;
  const at = (y: number, mo: number, d: number, hh: number, mi = 0) => (clock = shanghaiDate(y, mo, d, hh, mi));

  beforeAll(async () => {
    h = await startHarness({ label: 'ticketclock', now });
    // Tickets stamped with the test's clock, like everything else here.
    svc = { ...h.services, tickets: new TicketRepo(h.services.conn, { now }) };
    kit = await buildTicketClock(svc, h.config, h.log, now);
    const triage = buildTriage(svc, h.config, h.log, now, kit.clock);
    role = startTicketClock(svc, h.config, kit, triage, h.log, now);
    const fix = role.fixCheck;
    await h.startWorkers({ handler: createInboundRouter({ triage: triage.handler, staff: buildStaff(svc, triage, buildStaffReader(h.config, h.log)), residents: [fix], staffFirst: [fix], cards: [fix] }) });
  });
  afterAll(async () => {
    await kit.queue.obliterate({ force: true }).catch(() => undefined);
    await dropClockState(svc.redis, h.config.QUEUE_PREFIX);
    await role.close();
    await h.close();
  });

  const ticket = async (id: string) => (await svc.tickets.get(id)) as Ticket;

  async function handled(inboundId: string) {
    return eventually(async () => {
      const m = await svc.inbound.get(inboundId);
      return m?.status === 'done' ? m : undefined;
    }, 15_000, `message ${inboundId} handled`);
  }

  async function report(msgid: string, userid: string, text: string): Promise<Ticket> {
    expect((await h.sim.post(h.sim.aibotText({ msgid, chatid: GROUP, userid, text }))).status).toBe(200);
    await handled(inboundIdFor('wecom_aibot', msgid));
    return (await svc.tickets.bySource(inboundIdFor('wecom_aibot', msgid))) as Ticket;
  }

  async function inGroup(userid: string, text: string) {
    const msgid = `tc-${nextMsgId()}`;
    expect((await h.sim.post(h.sim.aibotText({ msgid, chatid: GROUP, userid, text }))).status).toBe(200);
    return handled(inboundIdFor('wecom_aibot', msgid));
  }

  async function oneToOne(from: string, content: string) {
    const msgId = nextMsgId();
    expect((await h.sim.post(h.sim.appText({ msgId, from, content }))).status).toBe(200);
    return handled(inboundIdFor('wecom_app', msgId));
  }

  const sendsTo = (user: string) => h.fake.callsTo('message/send').filter((c) => (c.body as { touser?: string }).touser?.split('|').includes(user));
  const said = (user: string, ...parts: string[]) => eventually(() => sendsTo(user).find((c) => parts.every((p) => JSON.stringify(c.body).includes(p))), 10_000, `${user} hears ${parts.join(' … ')}`);
  const cardTo = (user: string, taskId: string) =>
    eventually(() => sendsTo(user).find((c) => (c.body as { template_card?: { task_id: string } }).template_card?.task_id === taskId), 10_000, `card ${taskId} to ${user}`);
  const groupHears = (part: string) => eventually(() => h.fake.callsTo('webhook/send').find((c) => JSON.stringify(c.body).includes(part)), 10_000, `group hears ${part}`);
  const fire = (id: string) => fireTimer(kit.queue, id);
  const pending = async (t: Ticket) => (await clockJobsOf(kit.queue, t.id, ['delayed', 'wait'])).sort();

  describe('a branch ticket opened on Sep 30, 2025 at 16:00, just before National Day', () => {
    let t: Ticket;
    const remindA = () => timerId('remind', t, shanghaiDate(2025, 10, 6, 8));
    const remindB = () => timerId('remind', t, shanghaiDate(2025, 10, 11, 15));
    const due = () => timerId('due', t, shanghaiDate(2025, 10, 11, 16));

    it('is due on the make-up Saturday Oct 11 16:00, with reminders by day only, scheduled once however often it is synced', async () => {
      t = await report('tc-noise-1', 'li.ayi', '5栋有人每天半夜装修电钻声吵得睡不着');
      expect(t).toMatchObject({ tier: 'branch', urgency: 'normal', assignees: ['zhang.shuji'] });
      expect(t.dueAt).toEqual(shanghaiDate(2025, 10, 11, 16));
      expect(await pending(t)).toEqual([remindA(), remindB(), due()].sort());
      // Delays are counted from the injected clock.
      const job = await kit.queue.getJob(due());
      expect(job?.opts.delay).toBe(shanghaiDate(2025, 10, 11, 16).getTime() - shanghaiDate(2025, 9, 30, 16).getTime());

      const before = await kit.queue.getJobCounts('delayed', 'wait');
      await kit.clock.sync(t);
      await kit.clock.sync(await ticket(t.id));
      expect(await kit.queue.getJobCounts('delayed', 'wait')).toEqual(before);
      expect(await pending(t)).toEqual([remindA(), remindB(), due()].sort());
    });

    it('reminds the secretary before the due time, and a reminder that runs late at night waits for the morning', async () => {
      at(2025, 10, 6, 23);
      expect(await promoteEarly(kit.queue, remindA())).toBe('delayed');
      // Reminders are keyed by their job: nothing was queued for sending.
      expect(await svc.deliveries.get(`${remindA()}-1`)).toBeNull();
      at(2025, 10, 7, 8);
      expect(await fire(remindA())).toBe('reminded');
      expect(await svc.deliveries.get(`${remindA()}-1`)).not.toBeNull();

      at(2025, 10, 11, 15);
      expect(await fire(remindB())).toBe('reminded');
      await said('zhang.shuji', '【办理提醒】', `#${t.ref}`, '10月11日 16:00');
    });

    it('blows the whistle at the due time: the enforcement station must report in, the group and the secretary are told', async () => {
      at(2025, 10, 11, 16);
      expect(await fire(due())).toBe('escalated');
      const up = await ticket(t.id);
      expect(up).toMatchObject({ status: 'escalated', tier: 'enforcement', assignees: ['zheng.zhifa'], unitName: '宜城街道联合执法站' });
      expect(up.reportInDueAt).toEqual(shanghaiDate(2025, 10, 13, 12));
      expect(up.history.at(-1)).toMatchObject({ action: 'escalate', actor: { kind: 'system', userId: 'system:sla' } });
      await said('zheng.zhifa', `#${t.number} 报到`, '10月13日 12:00');
      await cardTo('zheng.zhifa', `tk_${t.id}_v${up.version}`);
      await groupHears(`#${t.ref} 已上报宜城街道联合执法站`);
      await said('zhang.shuji', `#${t.ref} 超过办理时限（10月11日 16:00）`, '现由宜城街道联合执法站处理');
      expect(await pending(up)).toEqual([timerId('report_in', up, shanghaiDate(2025, 10, 13, 12))]);
    });

    it('never escalates twice for one due time: the same job run again only finishes what was saved', async () => {
      const deliveries = async () => Object.values(await svc.deliveries.countByStatus()).reduce((a, b) => a + b, 0);
      const before = await deliveries();
      const version = (await ticket(t.id)).version;
      await kit.queue.remove(due());
      await kit.queue.add('due', { ticketId: t.id, at: shanghaiDate(2025, 10, 11, 16).getTime() }, { jobId: due(), delay: 60_000 });
      expect(await fire(due())).toBe('repeated');
      expect((await ticket(t.id)).version).toBe(version);
      expect(await deliveries()).toBe(before);
    });

    it('goes up again to the street office when the station does not report in, and stops at the top', async () => {
      at(2025, 10, 13, 12);
      expect(await fire(timerId('report_in', t, shanghaiDate(2025, 10, 13, 12)))).toBe('escalated');
      const street = await ticket(t.id);
      expect(street).toMatchObject({ status: 'escalated', tier: 'street', assignees: ['feng.jiedao'] });
      expect(street.reportInDueAt).toEqual(shanghaiDate(2025, 10, 14, 12));
      await said('feng.jiedao', `#${t.number} 报到`);
      await said('zheng.zhifa', `#${t.ref} 宜城街道联合执法站未在报到时限（10月13日 12:00）前报到`);

      at(2025, 10, 14, 12);
      expect(await fire(timerId('report_in', t, shanghaiDate(2025, 10, 14, 12)))).toBe('top_notified');
      await said('feng.jiedao', '【报到超时】', `#${t.ref}`);
      await said('zhang.shuji', '【报到超时】', `#${t.ref}`);
      expect((await ticket(t.id)).version).toBe(street.version);
      expect(await pending(street)).toEqual([]);
    });
  });

  describe('nights, changes and snoozes', () => {
    let dance: Ticket;

    it('moves a reminder that would fall at night to 08:00, and escalates an urgent ticket at midnight with everyone told', async () => {
      at(2025, 11, 3, 16);
      dance = await report('tc-dance-1', 'wang.xiansheng', '7栋楼下广场舞音响太吵了，晚上十点还在跳');
      expect(dance.dueAt).toEqual(shanghaiDate(2025, 11, 6, 16));
      // Half-way is Nov 5 04:00.
      expect(await pending(dance)).toEqual(
        [timerId('remind', dance, shanghaiDate(2025, 11, 5, 8)), timerId('remind', dance, shanghaiDate(2025, 11, 6, 15)), timerId('due', dance, shanghaiDate(2025, 11, 6, 16))].sort(),
      );

      at(2025, 11, 3, 20);
      const fight = await report('tc-fight-1', 'sun.ayi', '10栋楼下有人吵架快打起来了');
      expect(fight).toMatchObject({ urgency: 'high', tier: 'branch' });
      expect(await pending(fight)).toEqual([timerId('due', fight, shanghaiDate(2025, 11, 4, 0))]);
      at(2025, 11, 4, 0);
      expect(await fire(timerId('due', fight, shanghaiDate(2025, 11, 4, 0)))).toBe('escalated');
      await groupHears(`#${fight.ref} 已上报宜城街道联合执法站`);
      await said('zheng.zhifa', `#${fight.number} 报到`);
    });

    it('cancels the reminders and due escalation of a ticket resolved early, and a leftover one does nothing', async () => {
      at(2025, 11, 4, 10);
      const lamp = await report('tc-lamp-1', 'zhao.ayi', '8栋楼下的路灯坏了一个礼拜了');
      const old = (await kit.queue.getJobs(['delayed'])).filter((j) => j.data.ticketId === lamp.id).map((j) => ({ id: String(j.id), name: j.name, data: j.data }));
      expect(old.map((j) => j.name).sort()).toEqual(['due', 'remind', 'remind']);
      at(2025, 11, 4, 11);
      expect((await oneToOne('zhang.shuji', `#${lamp.number} 结单 已更换路灯`)).handledBy).toBe('staff.resolve');
      const resolved = await ticket(lamp.id);
      expect(await pending(resolved)).toEqual([timerId('auto_close', resolved), timerId('fix_check', resolved)].sort());

      // As if removing them had failed: the jobs run, re-read the ticket, and do nothing.
      at(2025, 11, 6, 10);
      for (const j of old) {
        expect(await kit.queue.getJob(j.id)).toBeUndefined();
        await kit.queue.add(j.name, j.data, { jobId: j.id, delay: 60_000 });
        expect(await fire(j.id)).toBe('stale');
        expect(await svc.deliveries.get(`${j.id}-1`)).toBeNull();
      }
      expect((await ticket(lamp.id)).version).toBe(resolved.version);
    });

    it('moves the wake-up with a snooze past the due time, and the wake-up prompts the owner again', async () => {
      at(2025, 11, 4, 11, 30);
      expect((await oneToOne('zhang.shuji', `#${dance.number} 推迟到11月10日 等社区协调`)).handledBy).toBe('staff.snooze');
      const snoozed = await ticket(dance.id);
      expect(snoozed.snoozedUntil).toEqual(shanghaiDate(2025, 11, 10, 9));
      expect(await pending(snoozed)).toEqual(
        [
          timerId('wake', snoozed, shanghaiDate(2025, 11, 10, 9)),
          timerId('remind', snoozed, shanghaiDate(2025, 11, 11, 13)),
          timerId('remind', snoozed, shanghaiDate(2025, 11, 12, 16)),
          timerId('due', snoozed, shanghaiDate(2025, 11, 12, 17)),
        ].sort(),
      );

      at(2025, 11, 10, 9);
      expect(await fire(timerId('wake', snoozed, shanghaiDate(2025, 11, 10, 9)))).toBe('woken');
      await said('zhang.shuji', '【推迟到期】', `#${dance.ref}`, '11月12日 17:00');
      await cardTo('zhang.shuji', `tk_${dance.id}_v${snoozed.version}`);
    });
  });

  describe('is it really fixed?', () => {
    let light: Ticket;

    it('asks the reporter a day after resolving, with a card and in words; 没解决 reopens it with their words and prompts the owner', async () => {
      at(2025, 11, 17, 10);
      light = await report('tc-light-1', 'zhao.ayi', '4栋楼道的声控灯坏了');
      expect(light).toMatchObject({ tier: 'property', assignees: ['zhou.wuye', 'wu.wuye'] });
      at(2025, 11, 17, 10, 30);
      expect((await oneToOne('zhou.wuye', `#${light.number} 结单 已更换灯泡`)).handledBy).toBe('staff.resolve');
      const resolved = await ticket(light.id);

      at(2025, 11, 18, 10, 30);
      expect(await fire(timerId('fix_check', resolved))).toBe('asked');
      const card = await cardTo('zhao.ayi', `fx_${light.id}_v${resolved.version}`);
      const buttons = (card.body as { template_card: { button_list: Array<{ text: string; key: string }> } }).template_card.button_list;
      expect(buttons.map((b) => b.text)).toEqual(['解决了', '没解决', '不清楚']);
      await said('zhao.ayi', '已更换灯泡', '回复“解决了”“没解决”或“不清楚”');
      expect(sendsTo('zhou.wuye').some((c) => JSON.stringify(c.body).includes(`fx_${light.id}`))).toBe(false);

      at(2025, 11, 18, 12);
      const answer = await inGroup('zhao.ayi', '没解决，灯还是不亮');
      expect(answer.handledBy).toBe('fixcheck.not_fixed');
      expect(answer.replyText).toContain('已重新打开');
      const reopened = await ticket(light.id);
      expect(reopened.status).toBe('reopened');
      expect(reopened.history.at(-1)).toMatchObject({ action: 'reopen', note: '居民反馈没解决：灯还是不亮', actor: { kind: 'system', userId: 'system:fix-check' } });
      await said('zhou.wuye', '【重新打开】', '灯还是不亮');
      // A fresh due time from now; the auto-close is gone.
      expect(reopened.dueAt).toEqual(shanghaiDate(2025, 11, 20, 12));
      expect(await pending(reopened)).toContain(timerId('due', reopened, shanghaiDate(2025, 11, 20, 12)));
      expect(await pending(reopened)).not.toContain(timerId('auto_close', resolved));
    });

    it('takes 不清楚 in a 1:1 chat (the owner is asked to check), then a 解决了 click closes it', async () => {
      at(2025, 11, 24, 10);
      const bins = await report('tc-bins-1', 'qian.shushu', '9栋门口的垃圾桶满了好几天没人清');
      at(2025, 11, 24, 10, 30);
      expect((await oneToOne('zhou.wuye', `#${bins.number} 结单 已清运`)).handledBy).toBe('staff.resolve');
      const resolved = await ticket(bins.id);
      at(2025, 11, 25, 10, 30);
      expect(await fire(timerId('fix_check', resolved))).toBe('asked');
      const taskId = `fx_${bins.id}_v${resolved.version}`;
      await cardTo('qian.shushu', taskId);

      at(2025, 11, 25, 11);
      const unsure = await oneToOne('qian.shushu', '不清楚');
      expect(unsure.handledBy).toBe('fixcheck.unsure');
      await said('zhou.wuye', `#${bins.ref} 回访时居民表示不清楚`);
      expect((await ticket(bins.id)).status).toBe('resolved');

      at(2025, 11, 25, 12);
      const click = h.sim.appCardClick({ from: 'qian.shushu', taskId, eventKey: 'fixed', createTime: 1764043200, responseCode: 'RC-fixed-1' });
      for (let i = 0; i < 2; i++) expect((await h.sim.post(click)).status).toBe(200);
      const clicked = await handled(inboundIdFor('wecom_app', `qian.shushu|1764043200|${taskId}|fixed`));
      expect(clicked.handledBy).toBe('fixcheck.fixed');
      const closed = await ticket(bins.id);
      expect(closed.status).toBe('closed');
      expect(closed.history.filter((e) => e.action === 'close')).toHaveLength(1);
      expect(closed.history.at(-1)).toMatchObject({ action: 'close', note: '居民确认已解决' });
      await eventually(() => h.fake.callsTo('update_template_card').find((c) => JSON.stringify(c.body).includes('已反馈：解决了')));
      expect(await pending(closed)).toEqual([]);
    });

    it('closes a ticket nobody answered for after the wait; a job promoted early waits for its time', async () => {
      at(2025, 12, 1, 10);
      const dog = await report('tc-dog-1', 'sun.ayi', '11栋有人养的狗天天半夜叫');
      const reminder = (await kit.queue.getJobs(['delayed'])).find((j) => j.data.ticketId === dog.id && j.name === 'remind');
      at(2025, 12, 1, 10, 30);
      expect((await oneToOne('zhang.shuji', `#${dog.number} 结单 已约谈狗主人`)).handledBy).toBe('staff.resolve');
      const resolved = await ticket(dog.id);
      at(2025, 12, 2, 10, 30);
      expect(await fire(timerId('fix_check', resolved))).toBe('asked');

      at(2025, 12, 3, 10);
      expect(await promoteEarly(kit.queue, timerId('auto_close', resolved))).toBe('delayed');
      expect((await ticket(dog.id)).status).toBe('resolved');

      at(2025, 12, 5, 10, 30);
      expect(await fire(timerId('auto_close', resolved))).toBe('closed');
      const closed = await ticket(dog.id);
      expect(closed.history.at(-1)).toMatchObject({ action: 'close', note: '居民未回复，自动办结', actor: { userId: 'system:fix-check' } });

      // A reminder for the ticket closed meanwhile (as if its removal had failed) does nothing.
      if (!reminder?.id) throw new Error('the dog ticket had no reminder');
      await kit.queue.add('remind', reminder.data, { jobId: reminder.id, delay: 60_000 });
      expect(await fire(reminder.id)).toBe('stale');
      expect((await ticket(dog.id)).version).toBe(closed.version);

      // The question is over: a late answer is not taken as one.
      at(2025, 12, 5, 11);
      expect((await inGroup('sun.ayi', '没解决')).handledBy).not.toMatch(/^fixcheck\./);
      expect((await ticket(dog.id)).status).toBe('closed');
    });
  });

  it('keeps one question per reporter and resolution, however often it is asked', async () => {
    const q = { ticketId: 'T-repeat', version: 4, compoundCode: 'YX0315', userIds: ['li.ayi', 'li.ayi'] };
    const first = await kit.fixChecks.ask({ ...q, at: shanghaiDate(2025, 12, 6, 10) });
    const again = await kit.fixChecks.ask({ ...q, at: shanghaiDate(2025, 12, 6, 11) });
    expect(first).toHaveLength(1);
    expect(again).toEqual(first);
    expect(again[0]?.askedAt).toEqual(shanghaiDate(2025, 12, 6, 10));
  });

  it('survives a restart: a fresh worker set picks up the delayed jobs left in Redis', async () => {
    await role.close();
    at(2025, 12, 8, 10);
    kit = await buildTicketClock(svc, h.config, h.log, now);
    const triage = buildTriage(svc, h.config, h.log, now, kit.clock);
    role = startTicketClock(svc, h.config, kit, triage, h.log, now);

    const light = (await svc.tickets.list({ compoundCode: 'YX0315', status: 'reopened', limit: 5 }))[0] as Ticket;
    // Due on Nov 20 while no worker ran: late, not lost.
    expect(await fire(timerId('due', light, shanghaiDate(2025, 11, 20, 12)))).toBe('escalated');
    expect(await ticket(light.id)).toMatchObject({ status: 'escalated', tier: 'branch', assignees: ['zhang.shuji'] });
    await said('zhang.shuji', `#${light.number} 报到`);
  });
});
