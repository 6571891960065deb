/**
 * Days a team does not work besides its weekly days off: a country's public holidays and
 * the company's own closing days. Business time (business-time.ts) skips them, so a
 * reminder does not fire on New Year's Day or in Golden Week, and "remind me next business
 * day" lands after them.
 */
import holidayJp from '@holiday-jp/holiday_jp';

/** Public holidays counted: Japan's (from @holiday-jp/holiday_jp, kept up to date by its maintainers), or none. */
export const HOLIDAY_CALENDARS = ['jp', 'none'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

/**
 * One closing-day entry: a date (`2027-08-13`), a yearly day (`12-31`), or a range of
 * either (`2027-08-13..2027-08-16`, `12-29..01-03`; a yearly range may run over New Year).
 */
export const CLOSED_DAY_PATTERN = /^(\d{4}-)?\d{2}-\d{2}(\.\.(\d{4}-)?\d{2}-\d{2})?$/;

export interface DaysOff {
  holidays: HolidayCalendar;
  closedDays: readonly string[];
}

/** Whether a closing-day entry covers the local date `YYYY-MM-DD`. */
function covers(entry: string, date: string): boolean {
  const [from, to] = entry.split('..') as [string, string | undefined];
  const end = to ?? from;
  // A yearly entry compares month and day; a dated one the whole date.
  const day = from.length === 5 ? date.slice(5) : date;
  // A yearly range whose end comes before its start runs over New Year.
  return from <= end ? from <= day && day <= end : day >= from || day <= end;
}

/** Whether the local date `YYYY-MM-DD` is a public holiday of the calendar or a closing day. */
export function isDayOff(date: string, daysOff: DaysOff): boolean {
  if (daysOff.holidays === 'jp' && date in holidayJp.holidays) return true;
  return daysOff.closedDays.some((entry) => covers(entry, date));
}
