/**
 * One reminder round (node-cron runs it every minute, on one instance): for each mailbox,
 * the reminders due now are recorded — the Reminder row's unique (ticket, kind, condition)
 * is what makes each fire once — and queued for Slack in the same transaction; then the
 * daily digest, once per local day (its queue entry's unique key says so).
 */
import { isUniqueViolation } from '../../db/errors.js';
import type { TLocale, TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import { isBusinessDay, localDate, localParts } from '../../domain/business-time.js';
import { dueReminders, isPastResponseTarget, type DueReminder } from '../../domain/reminder-rules.js';
import { statusCategory, type StatusDefinition, type Urgency } from '../../domain/ticket-fields.js';
import type { Logger } from '../../logging/logger.js';
import { POST_KINDS, type RenderablePost } from '../../posts/post-kinds.js';
import { queuePosts } from '../../posts/queue-post.js';
import { ticketStatuses } from '../tickets/ticket-statuses.js';

export interface ReminderDeps {
  db: Db;
  mailboxes: readonly TMailboxConfig[];
  logger: Logger;
  wakePoster(): void;
}

/** A digest comes at its time or within this long after it (a bot started at 15:00 sends none). */
const DIGEST_WINDOW_MINUTES = 120;

/** What a queued reminder carries: enough to word it when it is posted. */
export interface ReminderPayload {
  reminder: DueReminder;
  locale: TLocale;
  reviewerIds: readonly string[];
  /** The response target that was missed, for overdue tickets. */
  targetMinutes?: number;
}

/** The day's figures of one mailbox, counted when the digest is queued. */
export interface DigestFigures {
  locale: TLocale;
  mailboxName: string;
  open: number;
  unclaimed: number;
  review: number;
  overdue: number;
  received: number;
  oldestUnclaimed: { number: number; subject: string }[];
}

export async function runReminders(deps: ReminderDeps, now = new Date()): Promise<number> {
  let queued = 0;
  for (const config of deps.mailboxes) {
    const mailbox = await deps.db.mailbox.findUnique({ where: { key: config.key } });
    if (!mailbox) continue;
    const statuses = await ticketStatuses(deps.db, mailbox.id);
    queued += await remindMailbox(deps, config, mailbox, statuses, now);
    queued += await queueDigest(deps, config, mailbox, statuses, now);
  }
  if (queued) deps.wakePoster();
  return queued;
}

async function remindMailbox(
  deps: ReminderDeps,
  config: TMailboxConfig,
  mailbox: { id: number; locale: string },
  statuses: readonly StatusDefinition[],
  now: Date,
): Promise<number> {
  const tickets = await deps.db.ticket.findMany({
    where: {
      mailboxId: mailbox.id,
      junk: false,
      slackTs: { not: null },
      OR: [{ closedAt: null }, { snoozedUntil: { lte: now } }],
    },
    select: {
      id: true,
      urgency: true,
      status: true,
      assigneeId: true,
      createdAt: true,
      reopenedAt: true,
      firstResponseAt: true,
      snoozedUntil: true,
      snoozedBy: true,
      slackChannelId: true,
    },
  });
  const drafts = await deps.db.draft.findMany({
    where: { state: 'in_review', submittedAt: { not: null }, ticket: { mailboxId: mailbox.id } },
    select: { id: true, ticketId: true, authorId: true, revision: true, submittedAt: true, kind: true },
  });
  const due = dueReminders(
    now,
    config.businessHours,
    config.reminders,
    tickets.map((ticket) => ({ ...ticket, open: statusCategory(statuses, ticket.status) !== 'closed' })),
    drafts.map((draft) => ({ ...draft, submittedAt: draft.submittedAt! })),
  );
  const channelOf = new Map(tickets.map((ticket) => [ticket.id, ticket.slackChannelId ?? config.channelId]));
  let queued = 0;
  for (const reminder of due) {
    const payload: ReminderPayload = {
      reminder,
      locale: mailbox.locale as TLocale,
      reviewerIds: config.reviewers,
      ...(reminder.kind === 'overdue'
        ? { targetMinutes: config.reminders.responseTargetMinutes[reminder.urgency as Urgency] }
        : {}),
    };
    if (
      await recordReminder(deps.db, mailbox.id, channelOf.get(reminder.ticketId) ?? config.channelId, reminder, payload)
    )
      queued += 1;
  }
  return queued;
}

/** Records and queues one reminder; false when this condition was reminded of before. */
async function recordReminder(
  db: Db,
  mailboxId: number,
  channelId: string,
  reminder: DueReminder,
  payload: ReminderPayload,
): Promise<boolean> {
  try {
    await db.$transaction(async (tx) => {
      const row = await tx.reminder.create({
        data: { ticketId: reminder.ticketId, kind: reminder.kind, conditionKey: reminder.conditionKey },
      });
      await queuePosts(tx, [
        {
          mailboxId,
          ticketId: reminder.ticketId,
          channelId,
          kind: POST_KINDS.reminder,
          dedupeKey: `reminder:${row.id}`,
          payload,
        },
      ]);
      // The snooze is over: the ticket takes part in the other reminders again.
      if (reminder.kind === 'snooze')
        await tx.ticket.update({ where: { id: reminder.ticketId }, data: { snoozedUntil: null, snoozedBy: null } });
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

async function queueDigest(
  deps: ReminderDeps,
  config: TMailboxConfig,
  mailbox: { id: number; name: string; locale: string },
  statuses: readonly StatusDefinition[],
  now: Date,
): Promise<number> {
  const at = config.reminders.digestAt;
  if (at === 'off') return 0;
  const hours = config.businessHours;
  // Business days only (no weekend, holiday or closing day), from the digest time to two hours after it.
  const local = localParts(now, hours.timeZone);
  const [hh = 0, mm = 0] = at.split(':').map(Number);
  const sinceDigestTime = local.hour * 60 + local.minute - (hh * 60 + mm);
  if (!isBusinessDay(now, hours) || sinceDigestTime < 0 || sinceDigestTime >= DIGEST_WINDOW_MINUTES) return 0;
  const input = await digestFigures(deps.db, config, mailbox, statuses, now);
  try {
    await queuePosts(deps.db, [
      {
        mailboxId: mailbox.id,
        channelId: config.channelId,
        kind: POST_KINDS.digest,
        dedupeKey: `digest:${mailbox.id}:${localDate(now, hours.timeZone)}`,
        payload: input,
      },
    ]);
    return 1;
  } catch (error) {
    if (isUniqueViolation(error)) return 0;
    throw error;
  }
}

async function digestFigures(
  db: Db,
  config: TMailboxConfig,
  mailbox: { id: number; name: string; locale: string },
  statuses: readonly StatusDefinition[],
  now: Date,
): Promise<DigestFigures> {
  const openKeys = statuses.filter((status) => status.category !== 'closed').map((status) => status.key);
  const live = { mailboxId: mailbox.id, junk: false, status: { in: openKeys } };
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60_000);
  const [open, unclaimed, review, received, oldest, unanswered] = await Promise.all([
    db.ticket.count({ where: live }),
    db.ticket.count({ where: { ...live, assigneeId: null } }),
    db.draft.count({ where: { state: 'in_review', ticket: { mailboxId: mailbox.id } } }),
    db.ticket.count({ where: { mailboxId: mailbox.id, junk: false, createdAt: { gte: dayAgo } } }),
    db.ticket.findMany({
      where: { ...live, assigneeId: null },
      orderBy: { createdAt: 'asc' },
      take: 5,
      select: { number: true, subject: true },
    }),
    // Unanswered, or answered before a reopening: the rule decides (as for reminders and the Home tab).
    db.ticket.findMany({
      where: { ...live, OR: [{ firstResponseAt: null }, { reopenedAt: { not: null } }] },
      select: { urgency: true, createdAt: true, reopenedAt: true, firstResponseAt: true, snoozedUntil: true },
    }),
  ]);
  const overdue = unanswered.filter((ticket) =>
    isPastResponseTarget(ticket, now, config.businessHours, config.reminders.responseTargetMinutes),
  ).length;
  return {
    locale: mailbox.locale as TLocale,
    mailboxName: mailbox.name,
    open,
    unclaimed,
    review,
    overdue,
    received,
    oldestUnclaimed: oldest,
  };
}

/** A queued reminder or digest as it is to be posted, or why it no longer is. */
export type ReminderPost =
  | { kind: 'digest'; figures: DigestFigures }
  /** In the ticket's thread (`threadTs`), also shown in the channel. */
  | { kind: 'reminder'; payload: ReminderPayload; threadTs: string }
  | { kind: 'drop'; reason: string };

/** Reads a queued reminder or digest at its turn (slack/poster/render-reminder-post.ts words it). */
export async function loadReminderPost(
  db: Db,
  post: Pick<RenderablePost, 'kind' | 'ticketId' | 'payload'>,
): Promise<ReminderPost> {
  if (post.kind === POST_KINDS.digest) return { kind: 'digest', figures: JSON.parse(post.payload) as DigestFigures };
  const payload = JSON.parse(post.payload) as ReminderPayload;
  const ticket =
    post.ticketId === null
      ? null
      : await db.ticket.findUnique({ where: { id: post.ticketId }, select: { slackTs: true } });
  if (!ticket?.slackTs) return { kind: 'drop', reason: 'ticket no longer posted' };
  return { kind: 'reminder', payload, threadTs: ticket.slackTs };
}
