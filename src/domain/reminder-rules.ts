/**
 * Which reminders are due now, decided from a snapshot of tickets and drafts: the seeds'
 * 対応漏れ guard. Each reminder has a condition key; the same key is never sent twice, so a
 * reminder fires once per condition (a ticket that is reopened, or changes urgency, is a
 * new condition), not at every tick. Time counts only business hours, and nothing but a
 * person's own snooze is sent outside them.
 */
import { businessMinutesBetween, isBusinessTime, type BusinessHours } from './business-time.js';
import type { Urgency } from './ticket-fields.js';

export interface ReminderLimits {
  unclaimedMinutes: Record<Urgency, number>;
  reviewWaitMinutes: number;
  responseTargetMinutes: Record<Urgency, number>;
}

export interface ReminderTicket {
  id: number;
  urgency: string;
  /** Not closed by its status category. */
  open: boolean;
  assigneeId: string | null;
  createdAt: Date;
  reopenedAt: Date | null;
  firstResponseAt: Date | null;
  snoozedUntil: Date | null;
  snoozedBy: string | null;
}

export interface ReminderDraft {
  id: number;
  ticketId: number;
  authorId: string;
  revision: number;
  submittedAt: Date;
  /** Draft.kind: the reminder names a forward or a new mail as one. */
  kind?: string;
}

export type DueReminder =
  | { kind: 'unclaimed'; ticketId: number; conditionKey: string; minutes: number; urgency: string }
  | {
      kind: 'review_wait';
      ticketId: number;
      conditionKey: string;
      minutes: number;
      draftId: number;
      authorId: string;
      draftKind?: string;
    }
  | {
      kind: 'overdue';
      ticketId: number;
      conditionKey: string;
      minutes: number;
      urgency: string;
      assigneeId: string | null;
    }
  | { kind: 'snooze'; ticketId: number; conditionKey: string; userId: string };

function limitFor(limits: Record<Urgency, number>, urgency: string): number {
  return limits[urgency as Urgency] ?? limits.normal;
}

/** What the response target is decided on. */
export type ResponseWaitTicket = Pick<
  ReminderTicket,
  'urgency' | 'createdAt' | 'reopenedAt' | 'firstResponseAt' | 'snoozedUntil'
>;

/** Whether someone asked to hear of the ticket only later: until then it is not nagged about, nor counted late. */
export function isSnoozed(ticket: Pick<ReminderTicket, 'snoozedUntil'>, now: Date): boolean {
  return ticket.snoozedUntil !== null && ticket.snoozedUntil > now;
}

/** When the customer's current wait began: the ticket's reopening, if after its creation. */
export function waitingSince(ticket: Pick<ReminderTicket, 'createdAt' | 'reopenedAt'>): Date {
  return ticket.reopenedAt && ticket.reopenedAt > ticket.createdAt ? ticket.reopenedAt : ticket.createdAt;
}

/**
 * Whether a ticket is past its response target: no reply since it was opened (or
 * reopened) for at least its urgency's target; `waited` is the business minutes since
 * waitingSince(). A first reply is what the customer waits for.
 */
export function pastResponseTarget(
  ticket: ResponseWaitTicket,
  waited: number,
  targets: Record<Urgency, number>,
): boolean {
  const unanswered =
    !ticket.firstResponseAt || (ticket.reopenedAt !== null && ticket.firstResponseAt < ticket.reopenedAt);
  return unanswered && waited >= limitFor(targets, ticket.urgency);
}

/**
 * pastResponseTarget(), counting the business minutes waited until `now` (the Home tab's
 * overdue list, the digest); a snoozed ticket is not late until its snooze ends, as the
 * reminders see it.
 */
export function isPastResponseTarget(
  ticket: ResponseWaitTicket,
  now: Date,
  hours: BusinessHours,
  targets: Record<Urgency, number>,
): boolean {
  if (isSnoozed(ticket, now)) return false;
  const target = limitFor(targets, ticket.urgency);
  const since = waitingSince(ticket);
  // Business minutes never outnumber the clock's: a shorter wait needs no counting.
  if (now.getTime() - since.getTime() < target * 60_000) return false;
  return pastResponseTarget(ticket, businessMinutesBetween(since, now, hours, target), targets);
}

export function dueReminders(
  now: Date,
  hours: BusinessHours,
  limits: ReminderLimits,
  tickets: readonly ReminderTicket[],
  drafts: readonly ReminderDraft[],
): DueReminder[] {
  const due: DueReminder[] = [];
  for (const ticket of tickets) {
    // A snooze ends at the time the person chose, business hours or not.
    if (ticket.snoozedUntil && ticket.snoozedUntil <= now && ticket.snoozedBy) {
      due.push({
        kind: 'snooze',
        ticketId: ticket.id,
        conditionKey: `snooze:${ticket.snoozedUntil.toISOString()}`,
        userId: ticket.snoozedBy,
      });
    }
  }
  if (!isBusinessTime(now, hours)) return due;
  for (const ticket of tickets) {
    if (!ticket.open || isSnoozed(ticket, now)) continue;
    const since = waitingSince(ticket);
    // Business minutes never outnumber the clock's: a wait shorter than both limits on the
    // clock needs no counting (this runs every minute for every open ticket).
    const shortest = Math.min(
      limitFor(limits.unclaimedMinutes, ticket.urgency),
      limitFor(limits.responseTargetMinutes, ticket.urgency),
    );
    if (now.getTime() - since.getTime() < shortest * 60_000) continue;
    const waited = businessMinutesBetween(since, now, hours);
    if (!ticket.assigneeId && waited >= limitFor(limits.unclaimedMinutes, ticket.urgency)) {
      due.push({
        kind: 'unclaimed',
        ticketId: ticket.id,
        conditionKey: `unclaimed:${ticket.urgency}:${since.toISOString()}`,
        minutes: waited,
        urgency: ticket.urgency,
      });
    }
    if (pastResponseTarget(ticket, waited, limits.responseTargetMinutes)) {
      due.push({
        kind: 'overdue',
        ticketId: ticket.id,
        conditionKey: `overdue:${ticket.urgency}:${since.toISOString()}`,
        minutes: waited,
        urgency: ticket.urgency,
        assigneeId: ticket.assigneeId,
      });
    }
  }
  for (const draft of drafts) {
    const waited = businessMinutesBetween(draft.submittedAt, now, hours);
    if (waited >= limits.reviewWaitMinutes) {
      due.push({
        kind: 'review_wait',
        ticketId: draft.ticketId,
        conditionKey: `review:${draft.id}:r${draft.revision}`,
        minutes: waited,
        draftId: draft.id,
        authorId: draft.authorId,
        ...(draft.kind ? { draftKind: draft.kind } : {}),
      });
    }
  }
  return due;
}
