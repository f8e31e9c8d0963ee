import { dueAt, DEFAULT_SLA_POLICY } from '../../src/domain/sla';
import { shanghaiDate, toShanghaiParts } from '../../src/domain/shanghai-time';
import { openTicket, SYSTEM_ACTOR, type Ticket, type TicketActor } from '../../src/domain/ticket';
import { applyAction, type TicketAction } from '../../src/domain/ticket-transitions';
import type { Urgency } from '../../src/domain/labels';
import { createWorkCalendar } from '../../src/domain/work-calendar';
import { effectiveDue, outOfQuietHours, planTimers, type ClockPolicy } from '../../src/pipeline/clock/timer-plan';

const calendar = createWorkCalendar();
const policy: ClockPolicy = { sla: DEFAULT_SLA_POLICY, calendar, fixCheckDelayMs: 24 * 3600_000, autoCloseDelayMs: 72 * 3600_000 };
const STAFF: TicketActor = { kind: 'staff', userId: 'zhang.shuji', role: 'secretary' };

function ticket(at: Date, urgency: Urgency = 'normal'): Ticket {
  return openTicket(
    {
      compoundCode: 'YX0315',
      street: '宜城街道',
      category: 'noise',
      tier: 'branch',
      urgency,
      building: '5栋',
      summary: '5栋·噪音扰民',
      description: '5栋半夜装修',
      assignees: ['zhang.shuji'],
      watchers: [],
      unitName: '优湖美地党支部',
      reporter: { userId: 'li.ayi', messageId: 'm1', at },
      sourceInboundId: `m-${at.getTime()}`,
      dueAt: dueAt(at, { category: 'noise', urgency, tier: 'branch' }, DEFAULT_SLA_POLICY, calendar),
      gaps: [],
      classifier: { source: 'local', model: null, promptVersion: null, fallbackReason: null, tokens: null },
    },
    { id: 'T1', number: 1 },
    at,
  );
}

const act = (t: Ticket, action: TicketAction, at: Date, actor = STAFF) => applyAction(t, action, actor, at).ticket;
const plan = (t: Ticket) => planTimers(t, policy).map((x) => ({ kind: x.kind, at: x.at.toISOString(), catchUp: x.catchUp }));
const iso = (y: number, mo: number, d: number, h: number, mi = 0) => shanghaiDate(y, mo, d, h, mi).toISOString();

describe('the timers a ticket needs', () => {
  it('counts 3 working days across National Day to the make-up Saturday, reminding by day only', () => {
    const t = ticket(shanghaiDate(2025, 9, 30, 16));
    expect(t.dueAt).toEqual(shanghaiDate(2025, 10, 11, 16));
    // Half-way falls on Oct 6 04:00 (night): moved to 08:00.
    expect(plan(t)).toEqual([
      { kind: 'remind', at: iso(2025, 10, 6, 8), catchUp: false },
      { kind: 'remind', at: iso(2025, 10, 11, 15), catchUp: false },
      { kind: 'due', at: iso(2025, 10, 11, 16), catchUp: true },
    ]);
    expect(planTimers(t, policy).map((x) => x.id)).toEqual([
      `tclock-remind-T1-${shanghaiDate(2025, 10, 6, 8).getTime()}`,
      `tclock-remind-T1-${shanghaiDate(2025, 10, 11, 15).getTime()}`,
      `tclock-due-T1-${shanghaiDate(2025, 10, 11, 16).getTime()}`,
    ]);
  });

  it('never reminds at night; an urgent evening ticket still escalates at midnight', () => {
    const t = ticket(shanghaiDate(2025, 11, 3, 20), 'high');
    expect(plan(t)).toEqual([{ kind: 'due', at: iso(2025, 11, 4, 0), catchUp: true }]);
    for (let h = 0; h < 24; h++) {
      for (const x of planTimers(ticket(shanghaiDate(2025, 11, 3, h), h % 2 ? 'normal' : 'low'), policy)) {
        const hour = toShanghaiParts(x.at).hour;
        if (x.kind === 'remind') expect(hour >= 7 && hour < 22).toBe(true);
      }
    }
  });

  it('a snooze that outlasts the due time gives a wake-up and a fresh SLA period from it', () => {
    const t = act(ticket(shanghaiDate(2025, 11, 3, 16)), { type: 'snooze', until: shanghaiDate(2025, 11, 10, 9) }, shanghaiDate(2025, 11, 4, 11));
    expect(plan(t)).toEqual([
      { kind: 'wake', at: iso(2025, 11, 10, 9), catchUp: true },
      { kind: 'remind', at: iso(2025, 11, 11, 13), catchUp: false },
      { kind: 'remind', at: iso(2025, 11, 12, 16), catchUp: false },
      { kind: 'due', at: iso(2025, 11, 12, 17), catchUp: true },
    ]);
  });

  it('a snooze that ends before the due time keeps the due time and drops the reminders it covers', () => {
    const t = act(ticket(shanghaiDate(2025, 11, 3, 16)), { type: 'snooze', until: shanghaiDate(2025, 11, 5, 9) }, shanghaiDate(2025, 11, 3, 17));
    expect(plan(t).map((x) => x.kind)).toEqual(['wake', 'remind', 'remind', 'due']);
    expect(plan(t).at(-1)?.at).toBe(iso(2025, 11, 6, 16));
    expect(plan(t).filter((x) => x.kind === 'remind').every((x) => x.at > iso(2025, 11, 5, 9))).toBe(true);
  });

  it('waits only for the report-in while escalated, then gives the unit a fresh period if the old due time has passed', () => {
    const open = ticket(shanghaiDate(2025, 11, 3, 16));
    const up = act(open, { type: 'escalate', toTier: 'enforcement', assignees: ['zheng.zhifa'], unitName: '执法站', reportInDueAt: shanghaiDate(2025, 11, 7, 13) }, shanghaiDate(2025, 11, 7, 9));
    expect(plan(up)).toEqual([{ kind: 'report_in', at: iso(2025, 11, 7, 13), catchUp: true }]);
    const reported = act(up, { type: 'report_in' }, shanghaiDate(2025, 11, 7, 10), { kind: 'staff', userId: 'zheng.zhifa', role: 'enforcement' });
    // The old due time (Nov 6 16:00) passed before the report-in (Fri 10:00): 2 working days from it.
    expect(effectiveDue(reported, policy)).toEqual(shanghaiDate(2025, 11, 11, 10));
    expect(plan(reported).at(-1)).toEqual({ kind: 'due', at: iso(2025, 11, 11, 10), catchUp: true });
  });

  it('asks "is it fixed?" a day after resolving, out of the night, and closes three days after asking', () => {
    const resolved = act(ticket(shanghaiDate(2025, 11, 3, 16)), { type: 'resolve', note: '已劝停' }, shanghaiDate(2025, 11, 3, 22, 30));
    expect(plan(resolved)).toEqual([
      { kind: 'fix_check', at: iso(2025, 11, 5, 8), catchUp: true },
      { kind: 'auto_close', at: iso(2025, 11, 8, 8), catchUp: true },
    ]);
    expect(planTimers(resolved, policy).map((x) => x.id)).toEqual(['tclock-fix-T1-v2', 'tclock-close-T1-v2']);
  });

  it('needs nothing once the ticket is closed, rejected or a duplicate', () => {
    const resolved = act(ticket(shanghaiDate(2025, 11, 3, 16)), { type: 'resolve', note: '已劝停' }, shanghaiDate(2025, 11, 3, 17));
    expect(plan(act(resolved, { type: 'close', reason: '居民确认已解决' }, shanghaiDate(2025, 11, 4, 17), { ...SYSTEM_ACTOR, userId: 'system:fix-check' }))).toEqual([]);
    expect(plan(act(ticket(shanghaiDate(2025, 11, 3, 16)), { type: 'reject', reason: '不属实' }, shanghaiDate(2025, 11, 3, 17)))).toEqual([]);
  });

  it('moves only night times to 08:00', () => {
    expect(outOfQuietHours(shanghaiDate(2025, 11, 3, 21, 59))).toEqual(shanghaiDate(2025, 11, 3, 21, 59));
    expect(outOfQuietHours(shanghaiDate(2025, 11, 3, 22))).toEqual(shanghaiDate(2025, 11, 4, 8));
    expect(outOfQuietHours(shanghaiDate(2025, 11, 4, 6, 59))).toEqual(shanghaiDate(2025, 11, 4, 8));
    expect(outOfQuietHours(shanghaiDate(2025, 11, 4, 7))).toEqual(shanghaiDate(2025, 11, 4, 7));
  });
});
