import { nextServiceDay, serviceDayFor, serviceDaySchedule } from '../../src/domain/service-day';
import { createWorkCalendar } from '../../src/domain/work-calendar';

describe('serviceDayFor', () => {
  it('keeps October 2025 on the 7th, inside the National Day holiday', () => {
    expect(serviceDayFor(2025, 10)).toBe('2025-10-07');
    expect(createWorkCalendar().isWorkday('2025-10-07')).toBe(false);
  });

  it('follows a branch that moved its day', () => {
    expect(serviceDayFor(2025, 10, { movedTo: '2025-10-09' })).toBe('2025-10-09');
    expect(serviceDayFor(2025, 10, {})).toBe('2025-10-07');
  });

  it('rejects a move out of the month or an impossible date', () => {
    expect(() => serviceDayFor(2025, 10, { movedTo: '2025-11-07' })).toThrow(RangeError);
    expect(() => serviceDayFor(2025, 2, { movedTo: '2025-02-30' })).toThrow(RangeError);
    expect(() => serviceDayFor(2025, 13)).toThrow(RangeError);
  });
});

describe('serviceDaySchedule', () => {
  it('schedules October 2025 in Shanghai time', () => {
    const s = serviceDaySchedule(2025, 10);
    expect(s.serviceDay).toBe('2025-10-07');
    expect(s.planReminderAt.toISOString()).toBe('2025-10-01T01:00:00.000Z'); // Oct 1 09:00
    expect(s.eveAnnouncementAt.toISOString()).toBe('2025-10-06T11:00:00.000Z'); // Oct 6 19:00
    expect(s.morningAnnouncementAt.toISOString()).toBe('2025-10-07T00:00:00.000Z'); // Oct 7 08:00
    expect(s.summaryRequestAt.toISOString()).toBe('2025-10-07T12:00:00.000Z'); // Oct 7 20:00
  });

  it('takes a remind day, a moved day and other hours', () => {
    const s = serviceDaySchedule(2025, 10, {
      remindDay: 3,
      plan: { movedTo: '2025-10-12' },
      hours: { planReminderHour: 10, eveAnnouncementHour: 18 },
    });
    expect(s.planReminderAt.toISOString()).toBe('2025-10-03T02:00:00.000Z');
    expect(s.eveAnnouncementAt.toISOString()).toBe('2025-10-11T10:00:00.000Z');
    expect(s.morningAnnouncementAt.toISOString()).toBe('2025-10-12T00:00:00.000Z');
  });

  it('rolls a day moved to January 1st back into December for the eve and plan reminder', () => {
    const s = serviceDaySchedule(2026, 1, { plan: { movedTo: '2026-01-01' } });
    expect(s.planReminderAt.toISOString()).toBe('2025-12-31T01:00:00.000Z'); // Dec 31 09:00
    expect(s.eveAnnouncementAt.toISOString()).toBe('2025-12-31T11:00:00.000Z'); // Dec 31 19:00
    expect(s.morningAnnouncementAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('rejects a remind day that not every month has', () => {
    expect(() => serviceDaySchedule(2025, 2, { remindDay: 30 })).toThrow(RangeError);
  });
});

describe('nextServiceDay', () => {
  it('rolls December into January of the next year', () => {
    expect(nextServiceDay(new Date('2025-12-20T02:00:00Z'))).toEqual({ year: 2026, month: 1, serviceDay: '2026-01-07' });
  });

  it('counts the service day itself as upcoming until it ends in Shanghai', () => {
    // Dec 7 23:30 in Shanghai.
    expect(nextServiceDay(new Date('2025-12-07T15:30:00Z')).serviceDay).toBe('2025-12-07');
    // Dec 8 00:30 in Shanghai, still Dec 7 in UTC.
    expect(nextServiceDay(new Date('2025-12-07T16:30:00Z')).serviceDay).toBe('2026-01-07');
  });

  it('asks for each month’s plan', () => {
    const planFor = (year: number, month: number) => (year === 2026 && month === 1 ? { movedTo: '2026-01-10' } : undefined);
    expect(nextServiceDay(new Date('2025-12-20T02:00:00Z'), planFor).serviceDay).toBe('2026-01-10');
  });
});
