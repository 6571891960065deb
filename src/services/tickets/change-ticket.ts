/**
 * A person changes a ticket from its Slack message: claim, unclaim, assign, status,
 * urgency, junk, snooze, tags. Only members of the ticket's channel may; the change is written only if
 * the ticket still looks as it did when the plan was made (two claims at once: one wins,
 * the other is told who has it), with its audit record and the Slack updates queued in
 * the same transaction. Answers whether it was done (the updated message then says it
 * all) or why not, for the person alone.
 */
import type { Db, Ticket } from '../../db/client.js';
import type { TMailboxConfig } from '../../config/config-schema.js';
import { nextBusinessStart } from '../../domain/business-time.js';
import { planTicketChange, type ChangePlan, type SnoozeChoice, type TicketChange } from '../../domain/ticket-change.js';
import type { Logger } from '../../logging/logger.js';
import type { ChannelMembers } from '../../slack-api/channel-members.js';
import type { UserLocales } from '../../slack-api/user-locales.js';
import type { Refusal } from '../../domain/refusal.js';
import { accessRefusal, mergedRefusal, ticketChannel } from './ticket-access.js';
import { queueTicketPosts } from './queue-ticket-posts.js';
import { ticketStatuses } from './ticket-statuses.js';

export interface TicketActionDeps {
  db: Db;
  members: ChannelMembers;
  userLocales: UserLocales;
  logger: Logger;
  /** Business hours per mailbox, for "remind me next business day". */
  mailboxes?: readonly TMailboxConfig[];
  /** Queued Slack updates are waiting: post them now. */
  wakePoster(): void;
  now?: () => Date;
}

export interface TicketActionInput {
  actorId: string;
  ticketId: number;
  change: TicketChange;
}

/** Rounds of plan-then-write when someone else changed the ticket in between. */
const ATTEMPTS = 3;

/** `done` also when the change was already so: nothing is left to tell. */
export type TicketChangeAnswer = { kind: 'done' } | { kind: 'refused'; refusal: Refusal };

/** A click that could not be read (an old or tampered payload) changes nothing. */
export async function changeTicket(
  deps: TicketActionDeps,
  input: TicketActionInput | { actorId: string; request: null },
): Promise<TicketChangeAnswer> {
  const refusal = 'change' in input ? await changeOrRefusal(deps, input) : ({ kind: 'choice_gone' } as const);
  return refusal ? { kind: 'refused', refusal } : { kind: 'done' };
}

/** When a snoozed ticket comes back: in an hour or three, or at the start of the next business day. */
function snoozeUntil(deps: TicketActionDeps, mailboxKey: string, choice: SnoozeChoice): Date {
  const now = deps.now?.() ?? new Date();
  if (choice === '1h') return new Date(now.getTime() + 60 * 60_000);
  if (choice === '3h') return new Date(now.getTime() + 3 * 60 * 60_000);
  const hours = deps.mailboxes?.find((mailbox) => mailbox.key === mailboxKey)?.businessHours;
  return hours ? nextBusinessStart(now, hours) : new Date(now.getTime() + 24 * 60 * 60_000);
}

async function changeOrRefusal(deps: TicketActionDeps, request: TicketActionInput): Promise<Refusal | null> {
  const { db } = deps;
  const load = () =>
    db.ticket.findUnique({
      where: { id: request.ticketId },
      include: { mailbox: { select: { channelId: true, key: true } } },
    });
  let ticket = await load();
  let input = request;
  if (!ticket) return { kind: 'ticket_gone' };
  const channelId = ticketChannel(ticket);
  const denied = await accessRefusal(deps, channelId, input.actorId);
  if (denied) return denied;
  if (input.change.kind === 'assign') {
    // Someone outside the channel could not even open the ticket they were given.
    const theirs = await accessRefusal(deps, channelId, input.change.assigneeId);
    if (theirs)
      return theirs.kind === 'not_member'
        ? { kind: 'assignee_not_member', assigneeId: input.change.assigneeId, channelId }
        : theirs;
  }
  const statuses = await ticketStatuses(db, ticket.mailboxId);
  if (input.change.kind === 'snooze')
    input = {
      ...input,
      change: { ...input.change, until: snoozeUntil(deps, ticket.mailbox.key, input.change.choice) },
    };
  for (let attempt = 0; attempt < ATTEMPTS && ticket; attempt += 1) {
    // A merged ticket is a pointer: its mails are worked on where they went.
    const merged = await mergedRefusal(db, ticket);
    if (merged) return merged;
    const plan = planTicketChange(ticket, input.change, input.actorId, statuses, deps.now?.() ?? new Date());
    if (plan.kind !== 'apply') return refusalOf(plan);
    if (await applyPlan(deps, ticket, input.actorId, plan)) {
      deps.wakePoster();
      return null;
    }
    // Someone else changed it first: look again and decide again.
    ticket = await load();
  }
  return ticket ? { kind: 'busy' } : { kind: 'ticket_gone' };
}

function refusalOf(plan: Exclude<ChangePlan, { kind: 'apply' }>): Refusal | null {
  if (plan.kind === 'unchanged') return null;
  switch (plan.reason) {
    case 'claimed_by_other':
      return { kind: 'claimed_by_other', assigneeId: plan.assigneeId, since: plan.since };
    case 'not_assignee':
      return { kind: 'not_assignee', assigneeId: plan.assigneeId };
    case 'already_yours':
      return { kind: 'already_yours' };
    case 'too_many_tags':
      return { kind: 'too_many_tags', max: plan.max };
    default:
      return { kind: 'choice_gone' };
  }
}

async function applyPlan(
  deps: TicketActionDeps,
  ticket: Ticket,
  actorId: string,
  plan: Extract<ChangePlan, { kind: 'apply' }>,
): Promise<boolean> {
  return deps.db.$transaction(async (tx) => {
    const { count } = await tx.ticket.updateMany({
      where: { id: ticket.id, mergedIntoId: null, ...plan.expect },
      data: plan.data,
    });
    if (count === 0) return false;
    const audit = await tx.auditLog.create({
      data: {
        mailboxId: ticket.mailboxId,
        ticketId: ticket.id,
        actorId,
        action: plan.action,
        detail: JSON.stringify(plan.detail),
      },
    });
    await queueTicketPosts(tx, ticket, audit.id);
    deps.logger.info({ code: plan.action, ticketId: ticket.id, actorId, ...plan.detail }, 'ticket changed');
    return true;
  });
}
