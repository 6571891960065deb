/**
 * What a person's click does to a ticket, decided without touching anything: the fields to
 * write, the values they must still have when written (so two people clicking at the same
 * moment cannot both win), and the audit record. Or why nothing changes.
 */
import { applyTagEdit, MAX_TAGS, readTags, tagsJson } from './tags.js';
import { statusCategory, URGENCIES, type StatusDefinition } from './ticket-fields.js';

export type TicketChange =
  | { kind: 'claim' }
  | { kind: 'unclaim' }
  | { kind: 'assign'; assigneeId: string }
  | { kind: 'status'; status: string }
  | { kind: 'urgency'; urgency: string }
  | { kind: 'junk' }
  /** "Remind me later": `until` is worked out from the choice and the mailbox's business hours. */
  | { kind: 'snooze'; choice: SnoozeChoice; until?: Date }
  /** Tags taken off and put on (domain/tags.ts tagEdit): applied to the tags the ticket has then. */
  | { kind: 'tags'; add: string[]; remove: string[] };

export const SNOOZE_CHOICES = ['1h', '3h', 'next'] as const;
export type SnoozeChoice = (typeof SNOOZE_CHOICES)[number];

export type TicketChangeKind = TicketChange['kind'];

export interface TicketState {
  snoozedUntil?: Date | null;
  snoozedBy?: string | null;
  status: string;
  urgency: string;
  assigneeId: string | null;
  claimedAt: Date | null;
  junk: boolean;
  closedAt: Date | null;
  /** Ticket.tags: a JSON array of strings. */
  tags?: string;
}

/** Audit actions, also the keys of the trace line written in the thread. */
export const TICKET_ACTIONS = {
  claimed: 'ticket.claimed',
  unclaimed: 'ticket.unclaimed',
  assigned: 'ticket.assigned',
  status: 'ticket.status_changed',
  urgency: 'ticket.urgency_changed',
  junk: 'ticket.junked',
  unjunk: 'ticket.unjunked',
  snoozed: 'ticket.snoozed',
  tags: 'ticket.tags_changed',
  /** By the system: the customer wrote again to a closed ticket. */
  reopened: 'ticket.reopened',
  draftSubmitted: 'draft.submitted',
  draftApproved: 'draft.approved',
  changesRequested: 'draft.changes_requested',
  /** A draft thrown away by its author or a reviewer (never sent); a new mail's ticket is closed with it. */
  draftDiscarded: 'draft.discarded',
  replySent: 'reply.sent',
  /** A person opened the ticket by writing a new mail to the customer (`/mail new`). */
  createdForMail: 'ticket.created_for_mail',
  /** A forward of one of the ticket's mails went out (the ticket's status is left as it was). */
  forwardSent: 'forward.sent',
  replyFailed: 'reply.failed',
  replyUncertain: 'reply.uncertain',
  /** On the source: merged into another ticket (its detail is a MergeRecord, domain/ticket-merge.ts). */
  merged: 'ticket.merged',
  /** On the target: another ticket merged in. */
  mergedIn: 'ticket.merged_in',
  /** On both: a merge undone. */
  mergeUndone: 'ticket.merge_undone',
  /** On the ticket a mail left: the mail split out into a new ticket. */
  split: 'ticket.split',
  /** On the new ticket: made of a mail split out of another. */
  splitFrom: 'ticket.split_from',
} as const;
export type TicketAction = (typeof TICKET_ACTIONS)[keyof typeof TICKET_ACTIONS];

export interface AuditDetail {
  from?: string | null;
  to?: string | null;
  /** A status set along with the change (claiming an open ticket). */
  status?: string;
  /** Replies: whose draft, what the reviewer or the mail server said. */
  authorId?: string;
  /** A discarded draft: what it was (reply, forward, new mail), and whether its ticket was closed with it. */
  draftKind?: string;
  closed?: boolean;
  comment?: string;
  reason?: string;
  /**
   * Merge and split: the ticket mail left and the one it went to, by id and number, and how
   * many mails moved; on the target's records, the source's `ticket.merged` record (what
   * an undo reverses); for a split, whose mail it was.
   */
  sourceId?: number;
  sourceNumber?: number;
  targetId?: number;
  targetNumber?: number;
  mails?: number;
  mergeAuditId?: number;
  sender?: string | null;
  /** Tags: those put on and taken off. */
  added?: string[];
  removed?: string[];
}

export type ChangePlan =
  | {
      kind: 'apply';
      /** The values the ticket must still have: the update is conditional on them. */
      expect: Partial<Pick<TicketState, 'assigneeId' | 'status' | 'urgency' | 'junk' | 'tags'>>;
      data: Partial<TicketState>;
      action: TicketAction;
      detail: AuditDetail;
    }
  | { kind: 'refuse'; reason: 'claimed_by_other'; assigneeId: string; since: Date | null }
  | { kind: 'refuse'; reason: 'not_assignee'; assigneeId: string }
  | { kind: 'refuse'; reason: 'unknown_status' | 'unknown_urgency' | 'already_yours' }
  | { kind: 'refuse'; reason: 'too_many_tags'; max: number }
  | { kind: 'unchanged' };

/** The status a ticket leaves `open` for when someone takes it on (未対応 → 対応中). */
const STATUS_WHEN_CLAIMED = 'in_progress';

export function planTicketChange(
  ticket: TicketState,
  change: TicketChange,
  actorId: string,
  statuses: readonly StatusDefinition[],
  now: Date,
): ChangePlan {
  switch (change.kind) {
    case 'claim': {
      if (ticket.assigneeId === actorId) return { kind: 'refuse', reason: 'already_yours' };
      if (ticket.assigneeId)
        return { kind: 'refuse', reason: 'claimed_by_other', assigneeId: ticket.assigneeId, since: ticket.claimedAt };
      // Taking an untouched ticket means working on it; any other status is someone's choice.
      const moves = ticket.status === 'open' && statuses.some((status) => status.key === STATUS_WHEN_CLAIMED);
      return {
        kind: 'apply',
        expect: { assigneeId: null },
        data: { assigneeId: actorId, claimedAt: now, ...(moves ? { status: STATUS_WHEN_CLAIMED } : {}) },
        action: TICKET_ACTIONS.claimed,
        detail: moves ? { to: actorId, status: STATUS_WHEN_CLAIMED } : { to: actorId },
      };
    }
    case 'unclaim': {
      if (!ticket.assigneeId) return { kind: 'unchanged' };
      // Taking a ticket away from someone is a deliberate act: Assign, which names it.
      if (ticket.assigneeId !== actorId)
        return { kind: 'refuse', reason: 'not_assignee', assigneeId: ticket.assigneeId };
      return {
        kind: 'apply',
        expect: { assigneeId: actorId },
        data: { assigneeId: null, claimedAt: null },
        action: TICKET_ACTIONS.unclaimed,
        detail: { from: actorId },
      };
    }
    case 'assign': {
      if (ticket.assigneeId === change.assigneeId) return { kind: 'unchanged' };
      return {
        kind: 'apply',
        expect: { assigneeId: ticket.assigneeId },
        data: { assigneeId: change.assigneeId, claimedAt: now },
        action: TICKET_ACTIONS.assigned,
        detail: { from: ticket.assigneeId, to: change.assigneeId },
      };
    }
    case 'status': {
      if (!statuses.some((status) => status.key === change.status)) return { kind: 'refuse', reason: 'unknown_status' };
      if (ticket.status === change.status) return { kind: 'unchanged' };
      const closing = statusCategory(statuses, change.status) === 'closed';
      return {
        kind: 'apply',
        expect: { status: ticket.status },
        data: { status: change.status, closedAt: closing ? (ticket.closedAt ?? now) : null },
        action: TICKET_ACTIONS.status,
        detail: { from: ticket.status, to: change.status },
      };
    }
    case 'urgency': {
      if (!(URGENCIES as readonly string[]).includes(change.urgency))
        return { kind: 'refuse', reason: 'unknown_urgency' };
      if (ticket.urgency === change.urgency) return { kind: 'unchanged' };
      return {
        kind: 'apply',
        expect: { urgency: ticket.urgency },
        data: { urgency: change.urgency },
        action: TICKET_ACTIONS.urgency,
        detail: { from: ticket.urgency, to: change.urgency },
      };
    }
    case 'junk':
      return {
        kind: 'apply',
        expect: { junk: ticket.junk },
        data: { junk: !ticket.junk },
        action: ticket.junk ? TICKET_ACTIONS.unjunk : TICKET_ACTIONS.junk,
        detail: {},
      };
    case 'snooze': {
      const until = change.until ?? new Date(now.getTime() + 60 * 60_000);
      // The latest choice wins: a snooze is a person's own note to self.
      return {
        kind: 'apply',
        expect: {},
        data: { snoozedUntil: until, snoozedBy: actorId },
        action: TICKET_ACTIONS.snoozed,
        detail: { to: until.toISOString() },
      };
    }
    case 'tags': {
      const edited = applyTagEdit(readTags(ticket.tags), change);
      if (!edited) return { kind: 'unchanged' };
      // A ticket with more (from routing rules) may still lose some.
      if (edited.tags.length > MAX_TAGS && edited.added.length > 0)
        return { kind: 'refuse', reason: 'too_many_tags', max: MAX_TAGS };
      return {
        kind: 'apply',
        // The tags as read: someone else's edit in between makes this one look again.
        expect: ticket.tags === undefined ? {} : { tags: ticket.tags },
        data: { tags: tagsJson(edited.tags) },
        action: TICKET_ACTIONS.tags,
        detail: { added: edited.added, removed: edited.removed },
      };
    }
  }
}
