/**
 * Merging a ticket into another, and undoing it within a day. When threading fails (the
 * customer wrote a new mail instead of replying), a person merges the new ticket (the
 * source) into the earlier one (the target, chosen by its number in the same mailbox): the
 * source's mails, internal comments and drafts move to the target, so later mail answering
 * any of them threads there (threading goes by the mails' Message-IDs, and the mails
 * moved); the source stays as a closed pointer that takes no clicks. Both threads say so,
 * both ticket messages are updated, and the source's audit record keeps exactly what
 * moved, so an undo moves back those rows and nothing that came to the target since.
 *
 * Only members of both tickets' channels may. Every write is conditional on the tickets
 * still being as they were looked at (two people merging one ticket at once: one merge).
 */
import type { Db, Ticket } from '../../db/client.js';
import { isDatabaseUnavailable } from '../../db/errors.js';
import type { Refusal } from '../../domain/refusal.js';
import { TICKET_ACTIONS, type AuditDetail } from '../../domain/ticket-change.js';
import { statusCategory, type StatusDefinition } from '../../domain/ticket-fields.js';
import {
  mergeRefusal,
  undoAllowed,
  ZMergeRecord,
  type MergeRecord,
  type StateBefore,
} from '../../domain/ticket-merge.js';
import { errorMessage, TicketChangedError } from '../../errors.js';
import type { TicketActionDeps } from './change-ticket.js';
import { resetLastMailTime } from './last-mail-time.js';
import { queueTicketPosts } from './queue-ticket-posts.js';
import { accessRefusal, mergedIntoNumber, mergedRefusal, ticketChannel } from './ticket-access.js';
import { ticketStatuses } from './ticket-statuses.js';

type TicketWithChannel = Ticket & { mailbox: { channelId: string } };

const WITH_CHANNEL = { mailbox: { select: { channelId: true } } } as const;

/** A ticket the merge modal offers as the target. */
export interface MergeCandidate {
  id: number;
  number: number;
  subject: string;
  status: string;
}

export type MergeOpening =
  | { kind: 'refused'; refusal: Refusal }
  | {
      kind: 'choose';
      ticketId: number;
      number: number;
      subject: string;
      /** The customer's other tickets in the mailbox, open ones first, then the latest closed. */
      candidates: MergeCandidate[];
      statuses: readonly StatusDefinition[];
    };

export type MergeAnswer =
  | { kind: 'merged'; targetNumber: number; mails: number }
  | { kind: 'refused'; refusal: Refusal };

export type UndoAnswer =
  | { kind: 'undone'; sourceNumber: number; mails: number }
  | { kind: 'refused'; refusal: Refusal };

/** Candidates a modal's menu can list (Slack's static_select takes 100). */
const CANDIDATES = 100;
/** Rounds of look-then-write when a ticket changed in between. */
const ATTEMPTS = 2;

function refused(refusal: Refusal): { kind: 'refused'; refusal: Refusal } {
  return { kind: 'refused', refusal };
}

async function loadTicket(db: Db, id: number): Promise<TicketWithChannel | null> {
  return db.ticket.findUnique({ where: { id }, include: WITH_CHANNEL });
}

/** The refusal for a person outside either ticket's channel, or null (one check when they share it). */
async function accessToBoth(
  deps: TicketActionDeps,
  actorId: string,
  one: TicketWithChannel,
  other: TicketWithChannel,
): Promise<Refusal | null> {
  const channels = [...new Set([ticketChannel(one), ticketChannel(other)])];
  for (const channelId of channels) {
    const denied = await accessRefusal(deps, channelId, actorId);
    if (denied) return denied;
  }
  return null;
}

/**
 * A write conflict between two transactions (PostgreSQL's deadlock or serialization
 * failure when two people merge two tickets into each other at once) is "try again", not
 * a failure; the database being away is said the same way, and logged.
 */
function busyOrThrow(deps: TicketActionDeps, error: unknown, ticketId: number): { kind: 'refused'; refusal: Refusal } {
  if (!isDatabaseUnavailable(error)) throw error;
  deps.logger.warn({ code: 'ticket_merge_busy', ticketId, err: errorMessage(error) }, 'merge not written; try again');
  return refused({ kind: 'busy' });
}

/** The merge modal for a ticket: the customer's other tickets to choose from, or why not. */
export async function openMerge(
  deps: TicketActionDeps,
  input: { actorId: string; ticketId: number },
): Promise<MergeOpening> {
  const { db } = deps;
  const source = await loadTicket(db, input.ticketId);
  if (!source) return refused({ kind: 'ticket_gone' });
  const denied = (await accessRefusal(deps, ticketChannel(source), input.actorId)) ?? (await mergedRefusal(db, source));
  if (denied) return refused(denied);
  const statuses = await ticketStatuses(db, source.mailboxId);
  const others =
    source.customerId === null
      ? []
      : await db.ticket.findMany({
          where: {
            mailboxId: source.mailboxId,
            customerId: source.customerId,
            mergedIntoId: null,
            junk: false,
            id: { not: source.id },
          },
          orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
          take: CANDIDATES,
          select: { id: true, number: true, subject: true, status: true },
        });
  const open = (candidate: MergeCandidate) => statusCategory(statuses, candidate.status) !== 'closed';
  return {
    kind: 'choose',
    ticketId: source.id,
    number: source.number,
    subject: source.subject,
    candidates: [...others.filter(open), ...others.filter((candidate) => !open(candidate))],
    statuses,
  };
}

/** Merges ticket `sourceId` into the ticket numbered `targetNumber` of the same mailbox. */
export async function mergeTickets(
  deps: TicketActionDeps,
  input: { actorId: string; sourceId: number; targetNumber: number | null },
): Promise<MergeAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await mergeOnce(deps, input);
    } catch (error) {
      // Someone changed one of the tickets between the look and the write: look again,
      // which says what it is now (merged by them, say).
      if (!(error instanceof TicketChangedError)) return busyOrThrow(deps, error, input.sourceId);
      if (attempt >= ATTEMPTS) return refused({ kind: 'busy' });
    }
  }
}

async function mergeOnce(
  deps: TicketActionDeps,
  input: { actorId: string; sourceId: number; targetNumber: number | null },
): Promise<MergeAnswer> {
  const { db } = deps;
  const source = await loadTicket(db, input.sourceId);
  if (!source) return refused({ kind: 'ticket_gone' });
  const denied = (await accessRefusal(deps, ticketChannel(source), input.actorId)) ?? (await mergedRefusal(db, source));
  if (denied) return refused(denied);
  if (input.targetNumber === null) return refused({ kind: 'merge_target_missing' });
  const target = await db.ticket.findUnique({
    where: { mailboxId_number: { mailboxId: source.mailboxId, number: input.targetNumber } },
    include: WITH_CHANNEL,
  });
  if (!target) return refused({ kind: 'merge_target_unknown', number: input.targetNumber });
  const problem =
    mergeRefusal(source, target, await mergedIntoNumber(db, target)) ??
    (await accessToBoth(deps, input.actorId, source, target));
  if (problem) return refused(problem);
  const record = await writeMerge(deps, input.actorId, source, target);
  deps.wakePoster();
  deps.logger.info(
    {
      code: TICKET_ACTIONS.merged,
      ticketId: source.id,
      targetId: target.id,
      actorId: input.actorId,
      mails: record.mails,
      comments: record.commentIds.length,
      drafts: record.draftIds.length,
    },
    'ticket merged',
  );
  return { kind: 'merged', targetNumber: target.number, mails: record.mails };
}

function stateOf(ticket: Pick<Ticket, 'status' | 'closedAt'>): StateBefore {
  return { status: ticket.status, closedAt: ticket.closedAt?.toISOString() ?? null };
}

/**
 * The merge, in one transaction: the source becomes a closed pointer (a closed source
 * stays as it was), the target takes its last mail time and, when it was closed and the
 * source was not, opens again (the source's mail may wait for an answer); the source's
 * mails, comments and drafts move; both get an audit record, a trace and an updated
 * ticket message.
 */
async function writeMerge(
  deps: TicketActionDeps,
  actorId: string,
  source: TicketWithChannel,
  target: TicketWithChannel,
): Promise<MergeRecord> {
  const now = deps.now?.() ?? new Date();
  const statuses = await ticketStatuses(deps.db, source.mailboxId);
  const closed = (status: string) => statusCategory(statuses, status) === 'closed';
  const sourceClosed = closed(source.status);
  const reopenTarget = closed(target.status) && !sourceClosed;
  return deps.db.$transaction(async (tx) => {
    // The source's row first: a mail being committed into it waits for this transaction,
    // then finds it merged and goes to the target (commit-script.ts).
    const pointer = await tx.ticket.updateMany({
      where: { id: source.id, mergedIntoId: null, status: source.status },
      data: {
        mergedIntoId: target.id,
        mergedAt: now,
        ...(sourceClosed ? {} : { status: 'done', closedAt: now }),
        snoozedUntil: null,
        snoozedBy: null,
      },
    });
    if (pointer.count === 0) throw new TicketChangedError(source.id);
    const kept = await tx.ticket.updateMany({
      where: { id: target.id, mergedIntoId: null, status: target.status },
      data: {
        lastMessageAt: new Date(Math.max(source.lastMessageAt.getTime(), target.lastMessageAt.getTime())),
        ...(reopenTarget ? { status: 'open', closedAt: null, reopenedAt: now } : {}),
      },
    });
    if (kept.count === 0) throw new TicketChangedError(target.id);
    const from = { where: { ticketId: source.id }, select: { id: true }, orderBy: { id: 'asc' as const } };
    const messageIds = (await tx.message.findMany(from)).map((row) => row.id);
    const commentIds = (await tx.comment.findMany(from)).map((row) => row.id);
    const draftIds = (await tx.draft.findMany(from)).map((row) => row.id);
    const to = { where: { ticketId: source.id }, data: { ticketId: target.id } };
    await tx.message.updateMany(to);
    await tx.comment.updateMany(to);
    await tx.draft.updateMany(to);
    const record: MergeRecord = {
      sourceId: source.id,
      sourceNumber: source.number,
      targetId: target.id,
      targetNumber: target.number,
      mails: messageIds.length,
      messageIds,
      commentIds,
      draftIds,
      sourceBefore: stateOf(source),
      ...(reopenTarget ? { targetBefore: stateOf(target) } : {}),
    };
    const merged = await tx.auditLog.create({
      data: {
        mailboxId: source.mailboxId,
        ticketId: source.id,
        actorId,
        action: TICKET_ACTIONS.merged,
        detail: JSON.stringify(record),
        createdAt: now,
      },
    });
    const note: AuditDetail = {
      sourceId: source.id,
      sourceNumber: source.number,
      targetId: target.id,
      targetNumber: target.number,
      mails: messageIds.length,
      mergeAuditId: merged.id,
    };
    const mergedIn = await tx.auditLog.create({
      data: {
        mailboxId: target.mailboxId,
        ticketId: target.id,
        actorId,
        action: TICKET_ACTIONS.mergedIn,
        detail: JSON.stringify(note),
        createdAt: now,
      },
    });
    // The source's message says where it went and loses its controls; the pointer in its
    // thread links the target. The target's message shows the mails it has now.
    await queueTicketPosts(tx, source, merged.id);
    await queueTicketPosts(tx, target, mergedIn.id);
    return record;
  });
}

/**
 * Undoes the merge of ticket `sourceId` recorded by audit record `mergeAuditId` (what the
 * Undo button carries): within a day, while it is the ticket's current merge and its
 * target has not been merged on since.
 */
export async function undoMerge(
  deps: TicketActionDeps,
  input: { actorId: string; sourceId: number; mergeAuditId: number },
): Promise<UndoAnswer> {
  try {
    return await undoOnce(deps, input);
  } catch (error) {
    if (error instanceof TicketChangedError) return refused({ kind: 'merge_not_current' });
    return busyOrThrow(deps, error, input.sourceId);
  }
}

async function undoOnce(
  deps: TicketActionDeps,
  input: { actorId: string; sourceId: number; mergeAuditId: number },
): Promise<UndoAnswer> {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const source = await loadTicket(db, input.sourceId);
  if (!source) return refused({ kind: 'ticket_gone' });
  const denied = await accessRefusal(deps, ticketChannel(source), input.actorId);
  if (denied) return refused(denied);
  const current = await db.auditLog.findFirst({
    where: { ticketId: source.id, action: TICKET_ACTIONS.merged },
    orderBy: { id: 'desc' },
  });
  const record = current ? ZMergeRecord.safeParse(JSON.parse(current.detail)).data : undefined;
  if (
    !current ||
    !record ||
    current.id !== input.mergeAuditId ||
    source.mergedAt === null ||
    source.mergedIntoId !== record.targetId
  )
    return refused({ kind: 'merge_not_current' });
  const target = await loadTicket(db, record.targetId);
  if (!target) return refused({ kind: 'ticket_gone' });
  const problem = await accessToBoth(deps, input.actorId, source, target);
  if (problem) return refused(problem);
  const intoNumber = await mergedIntoNumber(db, target);
  if (intoNumber !== null) return refused({ kind: 'merge_undo_blocked', targetNumber: target.number, intoNumber });
  if (!undoAllowed(source.mergedAt, now)) return refused({ kind: 'merge_undo_expired', mergedAt: source.mergedAt });
  const mails = await writeUndo(deps, input.actorId, {
    source,
    target,
    record,
    mergeAuditId: current.id,
    mergedAt: source.mergedAt,
    now,
  });
  deps.wakePoster();
  deps.logger.info(
    { code: TICKET_ACTIONS.mergeUndone, ticketId: source.id, targetId: target.id, actorId: input.actorId, mails },
    'merge undone',
  );
  return { kind: 'undone', sourceNumber: source.number, mails };
}

async function writeUndo(
  deps: TicketActionDeps,
  actorId: string,
  undo: {
    source: TicketWithChannel;
    target: TicketWithChannel;
    record: MergeRecord;
    mergeAuditId: number;
    mergedAt: Date;
    now: Date;
  },
): Promise<number> {
  const { source, target, record, mergedAt, now } = undo;
  const dateOf = (iso: string | null) => (iso === null ? null : new Date(iso));
  return deps.db.$transaction(async (tx) => {
    const restored = await tx.ticket.updateMany({
      where: { id: source.id, mergedIntoId: target.id, mergedAt },
      data: {
        mergedIntoId: null,
        mergedAt: null,
        status: record.sourceBefore.status,
        closedAt: dateOf(record.sourceBefore.closedAt),
      },
    });
    if (restored.count === 0) throw new TicketChangedError(source.id);
    // The target must not have been merged on meanwhile: its rows are where the undo looks.
    const held = await tx.ticket.updateMany({ where: { id: target.id, mergedIntoId: null }, data: { updatedAt: now } });
    if (held.count === 0) throw new TicketChangedError(target.id);
    // Exactly what the merge moved and is still in the target (a mail split out since stays where it went).
    const back = (ids: number[]) => ({
      where: { id: { in: ids }, ticketId: target.id },
      data: { ticketId: source.id },
    });
    const mails = (await tx.message.updateMany(back(record.messageIds))).count;
    await tx.comment.updateMany(back(record.commentIds));
    await tx.draft.updateMany(back(record.draftIds));
    await resetLastMailTime(tx, target.id);
    // A target the merge opened closes again, unless someone has changed its status since.
    if (record.targetBefore)
      await tx.ticket.updateMany({
        where: { id: target.id, status: 'open', reopenedAt: mergedAt },
        data: { status: record.targetBefore.status, closedAt: dateOf(record.targetBefore.closedAt) },
      });
    const detail: AuditDetail = {
      sourceId: source.id,
      sourceNumber: source.number,
      targetId: target.id,
      targetNumber: target.number,
      mails,
      mergeAuditId: undo.mergeAuditId,
    };
    for (const ticket of [source, target]) {
      const audit = await tx.auditLog.create({
        data: {
          mailboxId: ticket.mailboxId,
          ticketId: ticket.id,
          actorId,
          action: TICKET_ACTIONS.mergeUndone,
          detail: JSON.stringify(detail),
          createdAt: now,
        },
      });
      await queueTicketPosts(tx, ticket, audit.id);
    }
    return mails;
  });
}
