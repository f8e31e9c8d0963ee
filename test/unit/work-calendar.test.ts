import y2025 from 'chinese-days/dist/years/2025.json';
import y2026 from 'chinese-days/dist/years/2026.json';
import {
  addShanghaiDays,
  parseDayKey,
  shanghaiDate,
  shanghaiDayKey,
  startOfShanghaiDay,
  toShanghaiParts,
} from '../../src/domain/shanghai-time';
import { addWorkingDays, addWorkingTime, createWorkCalendar } from '../../src/domain/work-calendar';

const cal = createWorkCalendar();

describe('shanghai time', () => {
  it('reads wall-clock parts at UTC+8 whatever the host timezone', () => {
    expect(toShanghaiParts(new Date('2025-12-31T16:30:00Z'))).toEqual({
      year: 2026, month: 1, day: 1, hour: 0, minute: 30, weekday: 4,
    });
  });

  it('builds instants, day keys and day starts', () => {
    expect(shanghaiDate(2025, 10, 1, 9, 15).toISOString()).toBe('2025-10-01T01:15:00.000Z');
    expect(shanghaiDayKey(new Date('2025-09-30T16:00:00Z'))).toBe('2025-10-01');
    expect(startOfShanghaiDay(new Date('2025-10-01T10:00:00Z')).toISOString()).toBe('2025-09-30T16:00:00.000Z');
    expect(shanghaiDayKey(addShanghaiDays(shanghaiDate(2025, 12, 31, 23), 1))).toBe('2026-01-01');
  });

  it('rejects impossible day keys', () => {
    expect(parseDayKey('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(() => parseDayKey('2025-02-29')).toThrow(RangeError);
    expect(() => parseDayKey('2025-9-1')).toThrow(RangeError);
  });
});

describe('work calendar from chinese-days', () => {
  it('knows the 2025 National Day break and its make-up days', () => {
    for (let d = 1; d <= 8; d++) expect(cal.isWorkday(`2025-10-0${d}`)).toBe(false);
    expect(cal.describe('2025-10-01')).toEqual({ workday: false, holidayName: '国庆节', makeUpWorkday: false });
    expect(cal.describe('2025-10-06')).toEqual({ workday: false, holidayName: '中秋', makeUpWorkday: false });
    // Sep 28 2025 is a Sunday, Oct 11 a Saturday; both are worked.
    expect(cal.describe('2025-09-28')).toEqual({ workday: true, holidayName: '国庆节', makeUpWorkday: true });
    expect(cal.describe('2025-10-11')).toEqual({ workday: true, holidayName: '国庆节', makeUpWorkday: true });
    expect(cal.describe('2025-10-09')).toEqual({ workday: true, holidayName: null, makeUpWorkday: false });
  });

  it('knows 2026: Mid-autumn Sep 25-27, National Day Oct 1-7, make-up Sep 20 and Oct 10', () => {
    expect(cal.isWorkday('2026-09-25')).toBe(false);
    expect(cal.isWorkday('2026-10-07')).toBe(false);
    expect(cal.isWorkday('2026-10-08')).toBe(true);
    expect(cal.describe('2026-09-20').makeUpWorkday).toBe(true);
    expect(cal.describe('2026-10-10').makeUpWorkday).toBe(true);
  });

  it('honours every holiday and make-up day in the package\'s 2025 and 2026 files', () => {
    // Compared with the bundled data, not the package's functions: those read dates in the
    // host's zone and disagree with their own data on hosts west of UTC.
    for (const year of [y2025, y2026] as Array<{ holidays: Record<string, string>; workdays: Record<string, string> }>) {
      for (const day of Object.keys(year.holidays)) expect([day, cal.isWorkday(day)]).toEqual([day, false]);
      for (const day of Object.keys(year.workdays)) expect([day, cal.describe(day).makeUpWorkday]).toEqual([day, true]);
    }
  });

  it('treats plain weekends as days off', () => {
    expect(cal.isWorkday('2025-10-18')).toBe(false);
    expect(cal.isWorkday('2025-10-19')).toBe(false);
    expect(cal.isWorkday('2025-10-20')).toBe(true);
  });

  it('lets operator overrides beat the package', () => {
    const c = createWorkCalendar({
      overrides: [
        { date: '2025-10-11', workday: false, name: '调整' },
        { date: '2025-10-08', workday: true },
      ],
    });
    expect(c.describe('2025-10-11')).toEqual({ workday: false, holidayName: '调整', makeUpWorkday: false });
    expect(c.describe('2025-10-08')).toEqual({ workday: true, holidayName: null, makeUpWorkday: false });
    expect(addWorkingDays(shanghaiDate(2025, 9, 30, 16), 2, c)).toEqual(shanghaiDate(2025, 10, 9, 16));
  });

  it('rejects malformed or duplicated overrides', () => {
    expect(() => createWorkCalendar({ overrides: [{ date: '2025-13-01', workday: true }] })).toThrow(RangeError);
    expect(() =>
      createWorkCalendar({ overrides: [{ date: '2027-01-01', workday: false }, { date: '2027-01-01', workday: true }] }),
    ).toThrow(/twice/);
  });

  it('falls back to Monday-Friday outside the package data and says so', () => {
    const { from, to } = cal.coverage();
    expect(from).toBe('2004-01-01');
    expect(to >= '2026-12-31').toBe(true);
    expect(cal.covers('2099-10-01')).toBe(false);
    expect(cal.covers('2025-10-01')).toBe(true);
    expect(cal.describe('2099-10-01')).toEqual({ workday: true, holidayName: null, makeUpWorkday: false }); // Thursday
    expect(cal.isWorkday('2099-10-03')).toBe(false); // Saturday
  });

  it('extends coverage over a year loaded from overrides', () => {
    const c = createWorkCalendar({ overrides: [{ date: '2099-10-01', workday: false, name: '国庆节' }] });
    expect(c.isWorkday('2099-10-01')).toBe(false);
    expect(c.coverage().to).toBe(cal.coverage().to);
    const next = Number(cal.coverage().to.slice(0, 4)) + 1;
    const loaded = createWorkCalendar({ overrides: [{ date: `${next}-01-01`, workday: false, name: '元旦' }] });
    expect(loaded.coverage().to).toBe(`${next}-12-31`);
  });
});

describe('addWorkingDays', () => {
  it('lands after the National Day break: Sep 30 2025 16:00 + 2 = Fri Oct 10 16:00', () => {
    expect(addWorkingDays(shanghaiDate(2025, 9, 30, 16), 2, cal)).toEqual(shanghaiDate(2025, 10, 10, 16));
  });

  it('counts the make-up Saturday: Sep 30 2025 16:00 + 3 = Sat Oct 11 16:00', () => {
    expect(addWorkingDays(shanghaiDate(2025, 9, 30, 16), 3, cal)).toEqual(shanghaiDate(2025, 10, 11, 16));
  });

  it('counts the make-up Sunday before the break: Fri Sep 26 2025 + 1 = Sun Sep 28', () => {
    expect(addWorkingDays(shanghaiDate(2025, 9, 26, 10, 30), 1, cal)).toEqual(shanghaiDate(2025, 9, 28, 10, 30));
  });

  it('crosses the 2026 Mid-autumn and National Day breaks', () => {
    expect(addWorkingDays(shanghaiDate(2026, 9, 24, 10), 1, cal)).toEqual(shanghaiDate(2026, 9, 28, 10));
    expect(addWorkingDays(shanghaiDate(2026, 9, 30, 16), 3, cal)).toEqual(shanghaiDate(2026, 10, 10, 16));
  });

  it('starts a weekend ticket at the next opening', () => {
    expect(addWorkingDays(shanghaiDate(2025, 10, 18, 15), 2, cal)).toEqual(shanghaiDate(2025, 10, 22, 9));
    expect(addWorkingDays(shanghaiDate(2025, 10, 18, 15), 0, cal)).toEqual(shanghaiDate(2025, 10, 20, 9));
  });

  it('rejects negative or fractional days', () => {
    expect(() => addWorkingDays(shanghaiDate(2025, 10, 20), -1, cal)).toThrow(RangeError);
    expect(() => addWorkingDays(shanghaiDate(2025, 10, 20), 1.5, cal)).toThrow(RangeError);
  });
});

describe('addWorkingTime', () => {
  it('spends the last hour of Sep 30 2025 then resumes on Oct 9', () => {
    expect(addWorkingTime(shanghaiDate(2025, 9, 30, 16), 4, cal)).toEqual(shanghaiDate(2025, 10, 9, 12));
  });

  it('skips a weekend', () => {
    expect(addWorkingTime(shanghaiDate(2025, 10, 17, 16), 2, cal)).toEqual(shanghaiDate(2025, 10, 20, 10));
  });

  it('uses the Shanghai day, not the UTC day', () => {
    // 2025-10-08T17:00Z is Oct 9 01:00 in Shanghai (a working day); in UTC it is still the holiday.
    expect(addWorkingTime(new Date('2025-10-08T17:00:00Z'), 1, cal).toISOString()).toBe('2025-10-09T02:00:00.000Z');
  });

  it('stays at closing time when the hours run out exactly', () => {
    expect(addWorkingTime(shanghaiDate(2025, 10, 20, 9), 8, cal)).toEqual(shanghaiDate(2025, 10, 20, 17));
  });

  it('honours configured business hours', () => {
    const opts = { workdayStartHour: 8.5, workdayEndHour: 18 };
    expect(addWorkingTime(shanghaiDate(2025, 10, 17, 17), 2, cal, opts)).toEqual(shanghaiDate(2025, 10, 20, 9, 30));
    expect(() => addWorkingTime(shanghaiDate(2025, 10, 17), 1, cal, { workdayStartHour: 18, workdayEndHour: 9 })).toThrow(
      RangeError,
    );
  });

  it('gives up on a calendar with no working days', () => {
    const never = { ...cal, isWorkday: () => false };
    expect(() => addWorkingTime(shanghaiDate(2025, 10, 17), 1, never)).toThrow(/no working day/);
  });
});
