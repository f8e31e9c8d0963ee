import { shanghaiDate, toShanghaiParts } from '../../src/domain/shanghai-time';
import {
  DEFAULT_SLA_POLICY,
  dueAt,
  NoSlaRuleError,
  reminderTimes,
  reportInDeadline,
  resolveSla,
  type SlaRule,
  type TicketLabels,
} from '../../src/domain/sla';
import { createWorkCalendar } from '../../src/domain/work-calendar';

const cal = createWorkCalendar();
const sep30at16 = shanghaiDate(2025, 9, 30, 16);
const labels = (category: string, urgency: TicketLabels['urgency'], tier: TicketLabels['tier']): TicketLabels => ({
  category,
  urgency,
  tier,
});

describe('resolveSla with the default policy', () => {
  it.each([
    [labels('emergency', 'critical', 'street'), 1, 'calendar'],
    [labels('facility_repair', 'high', 'property'), 4, 'calendar'],
    [labels('illegal_parking', 'normal', 'enforcement'), 16, 'working'],
    [labels('fire_hazard', 'normal', 'street'), 16, 'working'],
    [labels('garbage', 'normal', 'property'), 16, 'working'],
    [labels('noise', 'normal', 'branch'), 24, 'working'],
    [labels('pet', 'low', 'branch'), 40, 'working'],
    [labels('micro_wish', 'normal', 'branch'), 160, 'working'],
    [labels('micro_wish', 'low', 'branch'), 160, 'working'],
    [labels('service_request', 'normal', 'branch'), 80, 'working'],
    [labels('policy_inquiry', 'low', 'branch'), 40, 'working'],
    [labels('not_a_code_yet', 'normal', 'none'), 24, 'working'],
  ] as const)('%o -> %d %s hours', (l, hours, basis) => {
    expect(resolveSla(DEFAULT_SLA_POLICY, l)).toEqual({ hours, basis });
  });

  it('keeps urgent tickets urgent whatever their category', () => {
    expect(resolveSla(DEFAULT_SLA_POLICY, labels('micro_wish', 'high', 'branch'))).toEqual({ hours: 4, basis: 'calendar' });
  });
});

describe('resolveSla with a custom policy', () => {
  it('prefers a rule naming urgency and category over urgency alone', () => {
    const policy: SlaRule[] = [...DEFAULT_SLA_POLICY, { category: 'facility_repair', urgency: 'high', hours: 2, basis: 'calendar' }];
    expect(resolveSla(policy, labels('facility_repair', 'high', 'property'))).toEqual({ hours: 2, basis: 'calendar' });
  });

  it('does not let a category rule slow down a critical ticket', () => {
    const policy: SlaRule[] = [{ category: 'facility_repair', hours: 100, basis: 'working' }, ...DEFAULT_SLA_POLICY];
    expect(resolveSla(policy, labels('facility_repair', 'critical', 'property'))).toEqual({ hours: 1, basis: 'calendar' });
  });

  it('takes the first of two rules with the same shape', () => {
    const policy: SlaRule[] = [
      { tier: 'branch', hours: 7, basis: 'working' },
      { tier: 'branch', hours: 9, basis: 'working' },
    ];
    expect(resolveSla(policy, labels('noise', 'normal', 'branch'))).toEqual({ hours: 7, basis: 'working' });
  });

  it('throws a typed error when nothing matches', () => {
    const l = labels('noise', 'normal', 'branch');
    expect(() => resolveSla([{ tier: 'street', hours: 1, basis: 'working' }], l)).toThrow(NoSlaRuleError);
  });
});

describe('dueAt', () => {
  it('runs critical tickets on the clock, holidays and nights included', () => {
    expect(dueAt(shanghaiDate(2025, 10, 2, 2), labels('emergency', 'critical', 'street'), DEFAULT_SLA_POLICY, cal)).toEqual(
      shanghaiDate(2025, 10, 2, 3),
    );
  });

  it('crosses National Day 2025 for normal tickets', () => {
    const due = (l: TicketLabels): Date => dueAt(sep30at16, l, DEFAULT_SLA_POLICY, cal);
    expect(due(labels('illegal_parking', 'normal', 'enforcement'))).toEqual(shanghaiDate(2025, 10, 10, 16));
    // 3 working days: 1 h on Sep 30, Oct 9, Oct 10, 7 h on the make-up Saturday.
    expect(due(labels('noise', 'normal', 'branch'))).toEqual(shanghaiDate(2025, 10, 11, 16));
    // 5 working days: ... Oct 11 (Sat), skip Sun Oct 12, Oct 13, 7 h on Oct 14.
    expect(due(labels('pet', 'low', 'branch'))).toEqual(shanghaiDate(2025, 10, 14, 16));
  });
});

describe('reportInDeadline', () => {
  it('gives an enforcement station 4 working hours across a weekend', () => {
    expect(reportInDeadline(shanghaiDate(2025, 10, 17, 15), 'enforcement', cal)).toEqual(shanghaiDate(2025, 10, 20, 11));
  });

  it('gives a street office one working day across the holiday', () => {
    expect(reportInDeadline(shanghaiDate(2025, 9, 30, 10), 'street', cal)).toEqual(shanghaiDate(2025, 10, 9, 10));
  });
});

describe('reminderTimes', () => {
  it('reminds at half time and one hour before due', () => {
    expect(reminderTimes(shanghaiDate(2025, 10, 14, 10), shanghaiDate(2025, 10, 16, 10))).toEqual([
      shanghaiDate(2025, 10, 15, 10),
      shanghaiDate(2025, 10, 16, 9),
    ]);
  });

  it('moves a night reminder to 08:00', () => {
    expect(reminderTimes(shanghaiDate(2025, 10, 14, 16), shanghaiDate(2025, 10, 15, 12))).toEqual([
      shanghaiDate(2025, 10, 15, 8),
      shanghaiDate(2025, 10, 15, 11),
    ]);
  });

  it('merges reminders that shift to the same morning', () => {
    expect(reminderTimes(shanghaiDate(2025, 10, 14, 23), shanghaiDate(2025, 10, 15, 9))).toEqual([
      shanghaiDate(2025, 10, 15, 8),
    ]);
  });

  it('drops reminders that the night pushes past due', () => {
    expect(reminderTimes(shanghaiDate(2025, 10, 2, 2), shanghaiDate(2025, 10, 2, 3))).toEqual([]);
  });

  it('never reminds between 22:00 and 07:00 for any ticket created over a week', () => {
    const kinds = [
      labels('emergency', 'critical', 'street'),
      labels('facility_repair', 'high', 'property'),
      labels('illegal_parking', 'normal', 'enforcement'),
      labels('noise', 'normal', 'branch'),
      labels('micro_wish', 'low', 'branch'),
    ];
    let checked = 0;
    for (let t = shanghaiDate(2025, 9, 26).getTime(); t < shanghaiDate(2025, 10, 13).getTime(); t += 37 * 60_000) {
      for (const l of kinds) {
        const created = new Date(t);
        for (const r of reminderTimes(created, dueAt(created, l, DEFAULT_SLA_POLICY, cal))) {
          const { hour } = toShanghaiParts(r);
          expect(hour >= 7 && hour < 22 ? 'day' : `night ${r.toISOString()}`).toBe('day');
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('rejects a night that does not wrap midnight', () => {
    expect(() => reminderTimes(shanghaiDate(2025, 10, 14), shanghaiDate(2025, 10, 15), { nightStartHour: 1, nightEndHour: 6 })).toThrow(
      RangeError,
    );
  });
});
