/**
 * The retention policy: per mailbox (retentionDays, RETENTION_DAYS), a mail's raw source and
 * its attachments' bytes are removed once the mail is older than that; its ticket, its text
 * and HTML, the headers read from it, its attachments' names and sizes, and every number
 * stay, so the thread, search and the statistics read as before. "View original" then says
 * the source was removed by the policy (original-mail.ts).
 *
 * Only what nothing still needs goes: a mail not yet made a ticket (`stored`) or that could
 * not be read (`failed`, its source the only copy of its content, for `npm run retry-mail`)
 * keeps its source, and so does a reply until it is sent and copied to the Sent folder.
 * Run nightly by schedule-retention.ts; what it removed is logged per mailbox.
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logging/logger.js';

const DAY_MS = 24 * 60 * 60_000;
/** Mails changed per transaction: a short write lock each, however large the backlog. */
const BATCH = 200;

export interface RetentionResult {
  mailbox: string;
  /** Mails whose raw source was removed. */
  mails: number;
  /** Bytes of raw source those held. */
  bytes: number;
  /** Attachments whose stored bytes were removed. */
  attachments: number;
  /** Sent replies whose outbox copy was removed. */
  outbox: number;
}

export interface RetentionDeps {
  db: Db;
  logger: Logger;
  mailboxes: readonly TMailboxConfig[];
}

/** The cut-off before which `mailbox`'s sources go, or null when it keeps everything. */
export function retentionCutoff(mailbox: Pick<TMailboxConfig, 'retentionDays'>, now: Date): Date | null {
  const days = mailbox.retentionDays ?? 0;
  return days > 0 ? new Date(now.getTime() - days * DAY_MS) : null;
}

async function applyToMailbox(db: Db, mailboxId: number, cutoff: Date, now: Date) {
  const totals = { mails: 0, bytes: 0, attachments: 0, outbox: 0 };
  const sentOut = { outbox: { is: { state: 'sent', copiedToSentAt: { not: null } } } };
  for (;;) {
    const due = await db.message.findMany({
      where: {
        mailboxId,
        rawRemovedAt: null,
        receivedAt: { lt: cutoff },
        OR: [
          { direction: 'in', parseState: 'parsed' },
          { direction: 'out', ...sentOut },
        ],
      },
      select: { id: true, size: true },
      orderBy: { id: 'asc' },
      take: BATCH,
    });
    if (due.length === 0) break;
    const ids = due.map((mail) => mail.id);
    const attachments = await db.$transaction(async (tx) => {
      await tx.messageRawPart.deleteMany({ where: { messageRowId: { in: ids } } });
      await tx.message.updateMany({ where: { id: { in: ids } }, data: { raw: new Uint8Array(0), rawRemovedAt: now } });
      return (
        await tx.attachment.updateMany({
          where: { messageId: { in: ids }, content: { not: null } },
          data: { content: null },
        })
      ).count;
    });
    totals.mails += due.length;
    totals.bytes += due.reduce((sum, mail) => sum + mail.size, 0);
    totals.attachments += attachments;
  }
  // A sent reply's own copy of its source (OutboxMail.raw), once it is copied to Sent.
  const outbox = await db.outboxMail.updateMany({
    where: {
      mailboxId,
      state: 'sent',
      copiedToSentAt: { not: null },
      sentAt: { lt: cutoff },
      NOT: { raw: { equals: new Uint8Array(0) } },
    },
    data: { raw: new Uint8Array(0) },
  });
  totals.outbox = outbox.count;
  return totals;
}

/** Applies every mailbox's policy as of `now`; what was removed, per mailbox with a policy. */
export async function applyRetention(deps: RetentionDeps, now: Date): Promise<RetentionResult[]> {
  const results: RetentionResult[] = [];
  for (const config of deps.mailboxes) {
    const cutoff = retentionCutoff(config, now);
    if (!cutoff) continue;
    const mailbox = await deps.db.mailbox.findUnique({ where: { key: config.key }, select: { id: true } });
    if (!mailbox) continue;
    const result = { mailbox: config.key, ...(await applyToMailbox(deps.db, mailbox.id, cutoff, now)) };
    deps.logger.info(
      { code: 'retention_applied', ...result, retentionDays: config.retentionDays, before: cutoff.toISOString() },
      result.mails || result.outbox
        ? 'retention: raw sources and attachments past the period removed'
        : 'retention: nothing past the period',
    );
    results.push(result);
  }
  return results;
}
