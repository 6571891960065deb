/**
 * Time as a support team counts it: only within the mailbox's business hours, in its time
 * zone. A mail that arrives on Friday evening is not "unclaimed for 60 hours" on Monday
 * morning, and nobody is nudged at 3 a.m. Public holidays and closing days (days-off.ts)
 * are days off too.
 */
import { isDayOff, type DaysOff } from './days-off.js';

export interface BusinessHours extends Partial<DaysOff> {
  timeZone: string;
  /** ISO weekdays: Monday 1 … Sunday 7. */
  days: readonly number[];
  /** "HH:MM", local time. */
  start: string;
  end: string;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock date and time of an instant in a time zone. */
export function localParts(date: Date, timeZone: string): LocalParts {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday!] ?? 1,
  };
}

/** The instant at which the wall clock in `timeZone` shows this date and time. */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): Date {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  // Two rounds settle the offset, also across a daylight-saving change.
  for (let round = 0; round < 2; round += 1) {
    const shown = localParts(new Date(guess), timeZone);
    guess += wanted - Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute);
  }
  return new Date(guess);
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** The business window of the local day that `date` falls on, or null on a day off. */
function windowOfDay(date: Date, hours: BusinessHours): { from: Date; to: Date } | null {
  const local = localParts(date, hours.timeZone);
  if (!hours.days.includes(local.weekday)) return null;
  if (hours.holidays || hours.closedDays?.length) {
    if (isDayOff(dateKey(local), { holidays: hours.holidays ?? 'none', closedDays: hours.closedDays ?? [] }))
      return null;
  }
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  return {
    from: zonedInstant(local.year, local.month, local.day, Math.floor(start / 60), start % 60, hours.timeZone),
    to: zonedInstant(local.year, local.month, local.day, Math.floor(end / 60), end % 60, hours.timeZone),
  };
}

/** Days looked at, at most: a ticket older than this counts as this old. */
const MAX_DAYS = 120;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Business minutes between two instants. With `upTo`, counting stops once that many are
 * reached (the result is then at least `upTo`): a caller comparing with a limit need not
 * walk a months-old ticket's every day.
 */
export function businessMinutesBetween(from: Date, to: Date, hours: BusinessHours, upTo = Infinity): number {
  if (to <= from) return 0;
  let total = 0;
  // Walk local days by their noon, which no daylight-saving change moves to another day.
  const first = localParts(from, hours.timeZone);
  let noon = zonedInstant(first.year, first.month, first.day, 12, 0, hours.timeZone);
  for (let day = 0; day < MAX_DAYS && total < upTo && noon.getTime() - DAY_MS / 2 < to.getTime(); day += 1) {
    const window = windowOfDay(noon, hours);
    if (window) {
      const start = Math.max(window.from.getTime(), from.getTime());
      const end = Math.min(window.to.getTime(), to.getTime());
      if (end > start) total += (end - start) / 60_000;
    }
    const next = localParts(new Date(noon.getTime() + DAY_MS), hours.timeZone);
    noon = zonedInstant(next.year, next.month, next.day, 12, 0, hours.timeZone);
  }
  return Math.floor(total);
}

/** Whether the local day of `date` is worked at all: a working weekday, no holiday, no closing day. */
export function isBusinessDay(date: Date, hours: BusinessHours): boolean {
  return windowOfDay(date, hours) !== null;
}

export function isBusinessTime(date: Date, hours: BusinessHours): boolean {
  const window = windowOfDay(date, hours);
  return !!window && date >= window.from && date < window.to;
}

/** The local calendar date, "YYYY-MM-DD" (a digest's key). */
export function localDate(date: Date, timeZone: string): string {
  return dateKey(localParts(date, timeZone));
}

function dateKey(local: LocalParts): string {
  return `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
}

/** The start of the next business window after `date` (for "remind me next business day"). */
export function nextBusinessStart(date: Date, hours: BusinessHours): Date {
  let probe = new Date(date.getTime() + DAY_MS);
  for (let day = 0; day < 14; day += 1) {
    const window = windowOfDay(probe, hours);
    if (window) return window.from;
    probe = new Date(probe.getTime() + DAY_MS);
  }
  return new Date(date.getTime() + DAY_MS);
}
