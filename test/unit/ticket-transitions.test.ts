import { openTicket, OPEN_STATUSES, TICKET_STATUSES, type HandlerTier, type NewTicket, type Ticket, type TicketActor, type TicketStatus } from '../../src/domain/ticket';
import {
  allowedActions,
  applyAction,
  InvalidTransitionError,
  TRANSITIONS,
  WHISTLE_LADDER,
  type TicketAction,
  type TicketActionType,
} from '../../src/domain/ticket-transitions';

const T0 = new Date('2025-03-10T02:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const secretary: TicketActor = { kind: 'staff', userId: 'zhang.shuji', role: 'secretary' };
const system: TicketActor = { kind: 'system', userId: null, role: null };
const resident: TicketActor = { kind: 'resident', userId: 'res.a', role: null };

const NEW: NewTicket = {
  compoundCode: 'YX0315',
  street: '宜城街道',
  category: 'noise',
  tier: 'branch',
  urgency: 'normal',
  building: '6栋',
  summary: '6栋夜间装修噪音',
  description: '楼上凌晨一点还在装修 电钻声吵死了 6栋',
  assignees: ['zhang.shuji'],
  watchers: ['qian.loudong'],
  unitName: '优湖美地党支部',
  reporter: { userId: 'res.a', messageId: 'm1', at: T0 },
  sourceInboundId: 'm1',
  dueAt: at(3 * 24 * 60),
  gaps: [],
  classifier: { source: 'llm', model: 'qwen-plus', promptVersion: 'triage-v3', fallbackReason: null, tokens: 812 },
};

const fresh = (over: Partial<NewTicket> = {}, id = 't1'): Ticket => openTicket({ ...NEW, ...over }, { id, number: 42 }, T0);
const act = (t: Ticket, a: TicketAction, minutes = 10, actor = secretary, ctx = {}) => applyAction(t, a, actor, at(minutes), ctx).ticket;
const other = fresh({ sourceInboundId: 'm0' }, 't0');

/** A ticket in each status, reached through the machine itself. */
function inStatus(status: TicketStatus): Ticket {
  const t = fresh();
  switch (status) {
    case 'new':
      return t;
    case 'accepted':
      return act(t, { type: 'accept' });
    case 'in_progress':
      return act(t, { type: 'progress', note: '已上门劝说' });
    case 'resolved':
      return act(t, { type: 'resolve', note: '已协调停工' });
    case 'closed':
      return act(inStatus('resolved'), { type: 'close', reason: '居民确认' }, 20, system);
    case 'transferred':
      return act(t, { type: 'transfer', toTier: 'property', assignees: ['zhou.wuye'], unitName: '优湖物业服务中心' });
    case 'escalated':
      return act(t, { type: 'escalate', toTier: 'enforcement', assignees: ['zheng.zhifa'], unitName: '宜城街道联合执法站', reportInDueAt: at(240) });
    case 'rejected':
      return act(t, { type: 'reject', reason: '不属于本小区' });
    case 'reopened':
      return act(inStatus('resolved'), { type: 'reopen', note: '居民反馈还在装修' }, 30);
    case 'duplicate':
      return act(t, { type: 'mark_duplicate', of: other.id }, 10, secretary, { target: other });
  }
}

/** A valid instance of each action for this ticket. */
function validAction(type: TicketActionType, t: Ticket): TicketAction {
  switch (type) {
    case 'accept':
      return { type };
    case 'report_in':
      return { type, note: '执法队员已到场' };
    case 'progress':
      return { type, note: '已联系业主' };
    case 'resolve':
      return { type, note: '已停工并道歉' };
    case 'close':
      return { type, reason: '居民确认已解决' };
    case 'transfer': {
      const toTier: HandlerTier = t.tier === 'street' ? 'branch' : 'street';
      return { type, toTier, assignees: ['someone'], unitName: '某单位' };
    }
    case 'escalate':
      return { type, toTier: WHISTLE_LADDER[t.tier][0] as HandlerTier, assignees: ['up.one'], unitName: '上级单位', reportInDueAt: at(600) };
    case 'reject':
      return { type, reason: '重复投诉，已在另一工单处理' };
    case 'snooze':
      return { type, until: at(3 * 24 * 60) };
    case 'reopen':
      return { type, note: '问题又出现了' };
    case 'mark_duplicate':
      return { type, of: other.id };
    case 'add_report':
      return { type, reporter: { userId: 'res.z', messageId: 'm-new', at: at(50) } };
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

const ACTIONS = Object.keys(TRANSITIONS) as TicketActionType[];

describe('the transition table', () => {
  const allowed = ACTIONS.flatMap((type) => TRANSITIONS[type].from.map((from) => [type, from] as const));
  it.each(allowed)('%s from %s', (type, from) => {
    const t = deepFreeze(inStatus(from));
    const { ticket, event } = applyAction(t, validAction(type, t), secretary, at(60), { target: other });
    expect(ticket.status).toBe(TRANSITIONS[type].to ?? from);
    expect(ticket.version).toBe(t.version + 1);
    expect(ticket.history).toHaveLength(t.history.length + 1);
    expect(ticket.history.slice(0, -1)).toEqual(t.history);
    expect(ticket.history.at(-1)).toEqual(event);
    expect(ticket.updatedAt).toEqual(at(60));
    expect(event.action).toBe(type);
    const changed = ticket.status !== from;
    expect([event.from, event.to]).toEqual(changed ? [from, ticket.status] : [null, null]);
  });

  const forbidden = ACTIONS.flatMap((type) => TICKET_STATUSES.filter((s) => !TRANSITIONS[type].from.includes(s)).map((from) => [type, from] as const));
  it.each(forbidden)('no %s from %s', (type, from) => {
    const t = inStatus(from);
    let caught: unknown;
    try {
      applyAction(t, validAction(type, t), secretary, at(60), { target: other });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidTransitionError);
    expect(caught).toMatchObject({ from, action: type });
  });

  it('lists what each status allows', () => {
    expect(allowedActions('escalated').sort()).toEqual(['accept', 'add_report', 'escalate', 'mark_duplicate', 'report_in']);
    expect(allowedActions('resolved').sort()).toEqual(['close', 'reopen']);
    expect(allowedActions('closed')).toEqual(['reopen']);
    expect(OPEN_STATUSES.every((s) => allowedActions(s).includes('add_report'))).toBe(true);
  });
});

describe('history and versions', () => {
  it('never changes the ticket it is given and only appends', () => {
    const t = deepFreeze(fresh());
    const a = applyAction(t, { type: 'accept' }, secretary, at(5)).ticket;
    const b = applyAction(deepFreeze(a), { type: 'progress', note: '约了明早上门' }, secretary, at(6)).ticket;
    const c = applyAction(deepFreeze(b), { type: 'resolve', note: '业主已停工' }, secretary, at(7)).ticket;
    expect(t.status).toBe('new');
    expect(c.history.map((e) => e.action)).toEqual(['open', 'accept', 'progress', 'resolve']);
    expect(c.history.slice(0, 3)).toEqual(b.history);
    expect(c.version).toBe(4);
    expect(c.history).toHaveLength(c.version);
    expect(c.history[3]).toEqual({ at: at(7), actor: secretary, action: 'resolve', from: 'in_progress', to: 'resolved', note: '业主已停工' });
    expect(c).toMatchObject({ resolution: '业主已停工', resolvedAt: at(7) });
  });

  it('records who, what, when and why', () => {
    const t = act(fresh(), { type: 'reject', reason: ' 不属于物业范围 ' }, 15);
    expect(t.history.at(-1)).toEqual({ at: at(15), actor: secretary, action: 'reject', from: 'new', to: 'rejected', note: '不属于物业范围' });
    expect(t).toMatchObject({ resolution: '不属于物业范围', closedAt: at(15) });
  });

  it('opens with one system event at version 1', () => {
    const t = fresh({ openData: { modelTier: 'property' }, gaps: ['place'] });
    expect(t).toMatchObject({ status: 'new', version: 1, reportCount: 1, ref: 'YX0315-0042', gaps: ['place'] });
    expect(t.history).toEqual([{ at: T0, actor: system, action: 'open', from: null, to: 'new', note: null, data: { modelTier: 'property' } }]);
  });
});

describe('rules inside transitions', () => {
  it.each([
    ['progress', { type: 'progress', note: ' ' }],
    ['resolve', { type: 'resolve', note: '' }],
    ['reject', { type: 'reject', reason: '  ' }],
    ['reopen', { type: 'reopen', note: '' }],
  ] as const)('%s needs a note', (_name, action) => {
    const t = action.type === 'reopen' ? inStatus('resolved') : fresh();
    expect(() => applyAction(t, action, secretary, at(5))).toThrow(InvalidTransitionError);
  });

  it('close needs a reason and follows resolve only', () => {
    expect(() => act(inStatus('resolved'), { type: 'close', reason: '' })).toThrow(/reason/);
    expect(() => act(fresh(), { type: 'close', reason: '不用了' })).toThrow(InvalidTransitionError);
    expect(act(inStatus('resolved'), { type: 'close', reason: '三天无回复自动结单' }, 99, system)).toMatchObject({ status: 'closed', closedAt: at(99) });
  });

  it('residents can only count a report; staff need a userid', () => {
    expect(() => act(fresh(), { type: 'accept' }, 5, resident)).toThrow(/residents cannot/);
    expect(() => act(fresh(), { type: 'reject', reason: '我是书记 把工单关了' }, 5, resident)).toThrow(InvalidTransitionError);
    expect(() => act(fresh(), { type: 'accept' }, 5, { kind: 'staff', userId: null, role: null })).toThrow(/userId/);
    expect(act(fresh(), { type: 'add_report', reporter: { userId: 'res.b', messageId: 'm2', at: at(3) } }, 5, resident).reportCount).toBe(2);
  });

  it('counts a report without a status change, once per message', () => {
    const t = act(inStatus('accepted'), { type: 'add_report', reporter: { userId: 'res.b', messageId: 'm2', at: at(3) } }, 20, system);
    expect(t).toMatchObject({ status: 'accepted', reportCount: 2 });
    expect(t.history.at(-1)).toEqual({ at: at(20), actor: { kind: 'resident', userId: 'res.b', role: null }, action: 'add_report', from: null, to: null, note: null, data: { messageId: 'm2' } });
    expect(() => act(t, { type: 'add_report', reporter: { userId: 'res.b', messageId: 'm2', at: at(3) } })).toThrow(/already counted/);
  });

  it('transfers sideways to a named unit and keeps or restarts the due time', () => {
    const t = act(fresh(), { type: 'transfer', toTier: 'property', assignees: ['zhou.wuye'], unitName: '优湖物业服务中心', watchers: ['zhang.shuji'], note: '属于物业维修' });
    expect(t).toMatchObject({ status: 'transferred', tier: 'property', assignees: ['zhou.wuye'], watchers: ['zhang.shuji'], dueAt: NEW.dueAt });
    expect(t.history.at(-1)).toMatchObject({ note: '属于物业维修', data: { fromTier: 'branch', toTier: 'property', toUnit: '优湖物业服务中心' } });
    const restarted = act(fresh(), { type: 'transfer', toTier: 'property', assignees: ['zhou.wuye'], unitName: '物业', dueAt: at(999) });
    expect(restarted.dueAt).toEqual(at(999));
    expect(() => act(fresh(), { type: 'transfer', toTier: 'branch', assignees: ['zhang.shuji'], unitName: '支部' })).toThrow(/already with them/);
    expect(() => act(fresh(), { type: 'transfer', toTier: 'street', assignees: [], unitName: '街道' })).toThrow(/assignee/);
  });

  it('snoozes ordinary tickets to a future time, never urgent ones; a hand-over clears it', () => {
    const t = act(fresh(), { type: 'snooze', until: at(2000) });
    expect(t).toMatchObject({ status: 'new', snoozedUntil: at(2000), dueAt: NEW.dueAt });
    expect(() => act(fresh(), { type: 'snooze', until: at(1) }, 5)).toThrow(/future/);
    expect(() => act(fresh({ urgency: 'high' }), { type: 'snooze', until: at(2000) })).toThrow(/high-urgency/);
    expect(() => act(fresh({ urgency: 'critical' }), { type: 'snooze', until: at(2000) })).toThrow(/critical-urgency/);
    expect(act(t, { type: 'transfer', toTier: 'property', assignees: ['zhou.wuye'], unitName: '物业' }).snoozedUntil).toBeNull();
  });

  it('reopens a finished ticket and forgets its resolution, keeping it in history', () => {
    const t = act(inStatus('closed'), { type: 'reopen', note: '又开始装修了', dueAt: at(5000) }, 40);
    expect(t).toMatchObject({ status: 'reopened', resolution: null, resolvedAt: null, closedAt: null, dueAt: at(5000) });
    expect(t.history.at(-1)).toMatchObject({ from: 'closed', to: 'reopened', data: { previousResolution: '已协调停工' } });
    expect(act(t, { type: 'accept' }, 41).status).toBe('accepted');
  });

  it('marks a duplicate only of another open ticket of the same compound', () => {
    const t = act(fresh(), { type: 'mark_duplicate', of: other.id }, 10, secretary, { target: other });
    expect(t).toMatchObject({ status: 'duplicate', duplicateOf: 't0', closedAt: at(10) });
    expect(t.history.at(-1)?.data).toEqual({ of: 't0', ofRef: 'YX0315-0042' });
    expect(() => act(fresh(), { type: 'mark_duplicate', of: 't1' }, 10, secretary, { target: fresh() })).toThrow(/itself/);
    expect(() => act(fresh(), { type: 'mark_duplicate', of: 't0' })).toThrow(/ctx.target/);
    expect(() => act(fresh(), { type: 'mark_duplicate', of: 't0' }, 10, secretary, { target: { ...other, compoundCode: 'YX0316' } })).toThrow(/another compound/);
    expect(() => act(fresh(), { type: 'mark_duplicate', of: 't0' }, 10, secretary, { target: { ...other, status: 'closed' } })).toThrow(/is closed/);
    expect(act(t, { type: 'reopen', note: '不是同一件事' }).duplicateOf).toBeNull();
  });
});

describe('the whistle ladder', () => {
  const escalate = (t: Ticket, toTier: HandlerTier, minutes = 10) =>
    act(t, { type: 'escalate', toTier, assignees: [`${toTier}.contact`], unitName: `${toTier} unit`, reportInDueAt: at(minutes + 240), note: '支部协调不了' }, minutes);

  it.each([
    ['property', 'branch'],
    ['branch', 'enforcement'],
    ['branch', 'street'],
    ['enforcement', 'street'],
  ] as const)('%s may blow the whistle to %s', (from, to) => {
    const t = escalate(fresh({ tier: from }), to);
    expect(t).toMatchObject({ status: 'escalated', tier: to, assignees: [`${to}.contact`], unitName: `${to} unit`, reportInDueAt: at(250) });
    expect(t.history.at(-1)).toMatchObject({ action: 'escalate', note: '支部协调不了', data: { fromTier: from, toTier: to, reportInDueAt: at(250) } });
  });

  it.each([
    ['property', 'enforcement'],
    ['property', 'street'],
    ['branch', 'property'],
    ['enforcement', 'branch'],
    ['enforcement', 'property'],
    ['street', 'branch'],
    ['street', 'enforcement'],
  ] as const)('%s may not escalate to %s', (from, to) => {
    expect(() => escalate(fresh({ tier: from }), to)).toThrow(InvalidTransitionError);
  });

  it('stops at the street office', () => {
    expect(WHISTLE_LADDER.street).toEqual([]);
    expect(() => escalate(fresh({ tier: 'street' }), 'street')).toThrow(/top of the ladder/);
  });

  it('waits for the receiving unit to report in, and records whether it was on time', () => {
    const esc = escalate(fresh(), 'enforcement');
    for (const type of ['progress', 'resolve', 'reject', 'transfer', 'snooze'] as const) {
      expect(() => act(esc, validAction(type, esc), 20)).toThrow(InvalidTransitionError);
    }
    const onTime = act(esc, { type: 'report_in', note: '执法队员已到场' }, 100, { kind: 'staff', userId: 'zheng.zhifa', role: 'enforcement' });
    expect(onTime).toMatchObject({ status: 'accepted', tier: 'enforcement' });
    expect(onTime.history.at(-1)).toMatchObject({ action: 'report_in', from: 'escalated', to: 'accepted', data: { onTime: true } });
    const late = act(esc, { type: 'accept' }, 300);
    expect(late.history.at(-1)?.data).toEqual({ reportInDueAt: at(250), onTime: false });
  });

  it('escalates again from an unanswered whistle, only upwards', () => {
    const esc = escalate(fresh(), 'enforcement');
    expect(escalate(esc, 'street', 20)).toMatchObject({ status: 'escalated', tier: 'street' });
    expect(() => escalate(esc, 'branch', 20)).toThrow(InvalidTransitionError);
  });

  it('needs a report-in time in the future', () => {
    expect(() =>
      act(fresh(), { type: 'escalate', toTier: 'street', assignees: ['x'], unitName: '街道', reportInDueAt: at(5) }, 10),
    ).toThrow(/report-in time/);
  });
});
