import { describe, expect, it } from 'vitest';
import {
  businessMinutesBetween,
  isBusinessTime,
  nextBusinessStart,
  type BusinessHours,
} from '../../src/domain/business-time.js';
import { isDayOff } from '../../src/domain/days-off.js';

const TOKYO: BusinessHours = { timeZone: 'Asia/Tokyo', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
const JAPAN_CLOSED: BusinessHours = { ...TOKYO, holidays: 'jp', closedDays: ['12-29..01-03'] };

/** Tokyo wall-clock time as an instant. */
const tokyo = (iso: string) => new Date(`${iso}+09:00`);

describe('days off', () => {
  it("knows Japan's public holidays and a company's closing days, including a range over New Year", () => {
    const daysOff = { holidays: 'jp' as const, closedDays: ['12-29..01-03', '2027-08-13..2027-08-16', '06-01'] };
    expect(isDayOff('2027-05-03', daysOff)).toBe(true); // Constitution Memorial Day
    expect(isDayOff('2027-05-06', daysOff)).toBe(false);
    expect(isDayOff('2026-12-30', daysOff)).toBe(true);
    expect(isDayOff('2027-01-02', daysOff)).toBe(true);
    expect(isDayOff('2027-01-04', daysOff)).toBe(false);
    expect(isDayOff('2027-08-14', daysOff)).toBe(true);
    expect(isDayOff('2028-08-14', daysOff)).toBe(false);
    expect(isDayOff('2031-06-01', daysOff)).toBe(true);
    expect(isDayOff('2027-05-03', { holidays: 'none', closedDays: [] })).toBe(false);
  });

  it('a reminder clock does not run on New Year holidays or in Golden Week', () => {
    // Monday 28 Dec 2026 17:00 → Monday 4 Jan 2027 10:00: one hour on the 28th and one on the 4th.
    expect(businessMinutesBetween(tokyo('2026-12-28T17:00:00'), tokyo('2027-01-04T10:00:00'), JAPAN_CLOSED)).toBe(120);
    // Without the days off the same span holds four more working days (29th–31st, 1st).
    expect(businessMinutesBetween(tokyo('2026-12-28T17:00:00'), tokyo('2027-01-04T10:00:00'), TOKYO)).toBe(
      120 + 4 * 540,
    );
    expect(isBusinessTime(tokyo('2027-05-04T11:00:00'), JAPAN_CLOSED)).toBe(false); // Greenery Day, a Tuesday
    expect(isBusinessTime(tokyo('2027-05-07T11:00:00'), JAPAN_CLOSED)).toBe(true);
  });

  it('"next business day" lands after the holidays', () => {
    expect(nextBusinessStart(tokyo('2027-04-30T15:00:00'), JAPAN_CLOSED)).toEqual(tokyo('2027-05-06T09:00:00'));
    expect(nextBusinessStart(tokyo('2026-12-28T15:00:00'), JAPAN_CLOSED)).toEqual(tokyo('2027-01-04T09:00:00'));
  });
});
