import { digestFigures } from '../../src/domain/digest-figures';
import { monthPeriod, previousMonth, previousWeek } from '../../src/domain/digest-periods';
import { shanghaiDate } from '../../src/domain/shanghai-time';
import { openTicket, type Ticket } from '../../src/domain/ticket';
import { applyAction } from '../../src/domain/ticket-transitions';
import { CSV_HEADER, csvRow, monthlyMarkdown, weeklyBranchMarkdown } from '../../src/pipeline/digest/render-digest';

const staff = { kind: 'staff' as const, userId: 'zhang.shuji', role: 'secretary' };

function ticket(n: number, opts: { category?: Ticket['category']; tier?: Ticket['tier']; building?: string | null; at: Date; due?: Date | null }): Ticket {
  return openTicket(
    {
      compoundCode: 'YX0315',
      street: '宜城街道',
      category: opts.category ?? 'facility_repair',
      tier: opts.tier ?? 'property',
      urgency: 'normal',
      building: opts.building ?? '3栋',
      summary: `问题${n}`,
      description: `问题${n}`,
      assignees: ['zhou.wuye'],
      watchers: [],
      unitName: '物业',
      reporter: { userId: `r${n}`, messageId: `m${n}`, at: opts.at },
      sourceInboundId: `m${n}`,
      dueAt: opts.due ?? null,
      gaps: [],
      classifier: { source: 'local', model: null, promptVersion: null, fallbackReason: null, tokens: null },
    },
    { id: `t${n}`, number: n },
    opts.at,
  );
}

describe('report periods (Asia/Shanghai)', () => {
  it('takes the week before, Monday to Monday', () => {
    const w = previousWeek(shanghaiDate(2026, 11, 30, 9)); // a Monday
    expect(w).toMatchObject({ from: shanghaiDate(2026, 11, 23), to: shanghaiDate(2026, 11, 30), key: '2026-11-23', text: '11月23日–11月29日' });
    expect(previousWeek(shanghaiDate(2026, 12, 2, 9)).key).toBe('2026-11-23');
  });

  it('takes the month before, across the year end', () => {
    expect(previousMonth(shanghaiDate(2027, 1, 1, 9, 30))).toMatchObject({ from: shanghaiDate(2026, 12, 1), to: shanghaiDate(2027, 1, 1), key: '2026-12' });
    expect(monthPeriod('2026-10')).toMatchObject({ from: shanghaiDate(2026, 10, 1), to: shanghaiDate(2026, 11, 1), text: '2026年10月' });
    expect(() => monthPeriod('2026-13')).toThrow(RangeError);
  });
});

describe('digest figures', () => {
  const oct = monthPeriod('2026-10');
  const now = shanghaiDate(2026, 11, 1, 9, 30);

  it('counts raised, resolved in the compound, escalations, overdue, median time and repeats', () => {
    const a = ticket(1, { at: shanghaiDate(2026, 10, 3, 10), due: shanghaiDate(2026, 10, 5, 10) });
    const aResolved = applyAction(applyAction(a, { type: 'accept' }, staff, shanghaiDate(2026, 10, 3, 11)).ticket, { type: 'resolve', note: '修好了' }, staff, shanghaiDate(2026, 10, 4, 10)).ticket;
    const b = ticket(2, { category: 'noise', tier: 'branch', at: shanghaiDate(2026, 10, 10, 20), due: shanghaiDate(2026, 10, 12, 20) });
    const bEscalated = applyAction(b, { type: 'escalate', toTier: 'enforcement', assignees: ['zheng.zhifa'], unitName: '执法站', reportInDueAt: shanghaiDate(2026, 10, 13, 12) }, staff, shanghaiDate(2026, 10, 11, 9)).ticket;
    const bResolved = applyAction(applyAction(bEscalated, { type: 'report_in' }, staff, shanghaiDate(2026, 10, 11, 10)).ticket, { type: 'resolve', note: '已劝导' }, staff, shanghaiDate(2026, 10, 14, 20)).ticket;
    const c = applyAction(ticket(3, { at: shanghaiDate(2026, 10, 20, 8), due: shanghaiDate(2026, 10, 22, 8) }), { type: 'add_report', reporter: { userId: 'r9', messageId: 'm9', at: shanghaiDate(2026, 10, 21, 8) } }, { kind: 'resident', userId: 'r9', role: null }, shanghaiDate(2026, 10, 21, 8)).ticket;
    const september = ticket(4, { at: shanghaiDate(2026, 9, 20, 8) });

    const f = digestFigures([aResolved, bResolved, c, september], oct, now, { asked: 2, fixed: 1, notFixed: 1, unsure: 0 });
    expect(f).toMatchObject({
      raised: 3,
      reports: 4,
      resolved: 2,
      solvedInCompound: 1,
      escalations: 1,
      openNow: 2,
      overdueNow: 1,
      resolvedLate: 1,
      medianHoursToResolve: (24 + 96) / 2,
      byCategory: { facility_repair: 2, noise: 1 },
      byTier: { property: 2, enforcement: 1 },
      repeatsByBuilding: [{ building: '3栋', reports: 4 }],
    });

    const md = monthlyMarkdown('优湖美地', oct.text, f, { signups: 42 });
    expect(md).toContain('小区内解决率 **50%**');
    expect(md).toContain('办结用时（中位数）：2.5 天');
    expect(md).toContain('满意率 50%');
    expect(md).toContain('睦邻服务日：报名 42 人次');
    expect(weeklyBranchMarkdown('优湖美地', '10月19日–10月25日', f)).toContain('<font color="warning">已超时 1 件</font>');

    const row = csvRow('2026-10', '宜城街道', 'YX0315', '优湖美地', f, 42).split(',');
    expect(row).toHaveLength(CSV_HEADER.length);
    expect(row.slice(0, 9)).toEqual(['2026-10', '宜城街道', 'YX0315', '优湖美地', '3', '4', '2', '1', '0.500']);
  });
});
