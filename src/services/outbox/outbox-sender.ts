/**
 * Sends what the outbox holds, each reply at most once.
 *
 * - An entry is claimed (conditionally, so two instances never both take it) and marked
 *   `sending` just before the SMTP transaction, and `sent` in the transaction that also
 *   moves the ticket on. The bytes sent are the stored ones, Message-ID included.
 * - A failure before the server took the message (connection, login, a 4xx) is retried
 *   with backoff; a 5xx refusal is reported in the thread with the server's words.
 * - An entry found `sending` whose sender is gone (a crash between the server's 250 and
 *   our commit, say) may or may not have gone out: it becomes `uncertain`, is reported in
 *   the thread, and is never sent again automatically.
 * - After sending, a copy is appended to the mailbox's Sent folder, retried until it is.
 */
import { WakeableSleep } from '../../util/wakeable-sleep.js';
import type { TMailboxConfig } from '../../config/config-schema.js';
import { rawMailStoreOf, type Db, type OutboxMail } from '../../db/client.js';
import { backoffDelay } from '../../domain/backoff.js';
import type { SmtpFailure } from '../../domain/smtp-failure.js';
import { sendRawMail, type SmtpError } from '../../mail/send-raw-mail.js';
import { answerable } from '../replies/open-reply.js';
import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import { statusCategory } from '../../domain/ticket-fields.js';
import type { Logger } from '../../logging/logger.js';
import { appendToSent } from '../../mail/append-to-sent.js';
import { enqueueReply } from './enqueue-reply.js';
import { readWhole } from '../../util/raw-source.js';
import { queueDraftStatePosts, queueDraftUpdate, queueSentPost } from '../replies/draft-posts.js';
import { queueTicketPosts } from '../tickets/queue-ticket-posts.js';
import { ticketStatuses } from '../tickets/ticket-statuses.js';
import { errorMessage } from '../../errors.js';

export interface OutboxDeps {
  db: Db;
  logger: Logger;
  mailboxes: readonly TMailboxConfig[];
  instanceId: string;
  wakePoster(): void;
}

/** Longer than any SMTP transaction may take (the transport times out well before). */
const CLAIM_MS = 5 * 60_000;
const IDLE_POLL_MS = 2_000;
/** How often, and after how long, unqueued reply bytes are removed (#discardStaleStaged). */
const STAGED_SWEEP_MS = 10 * 60_000;
const STAGED_MAX_AGE_MS = 60 * 60_000;
/** Tries at recording a reply the server took (a second apart, then two, …). */
const RECORD_SENT_ATTEMPTS = 5;
/** Temporary failures are retried for about a day, then reported as failed. */
const MAX_ATTEMPTS = 30;

/** An entry is read with the draft it sends and the ticket and mailbox that draft answers. */
const WITH_DRAFT = {
  draft: {
    select: {
      id: true,
      revision: true,
      ticketId: true,
      answersId: true,
      kind: true,
      ticket: { include: { mailbox: { select: { key: true } } } },
    },
  },
} as const;

/** A reply that needs a person: how it is recorded and logged. */
const CONCLUSIONS = {
  /** Refused, or out of retries: reported in the thread with the server's words; a new reply is written. */
  failed: { action: TICKET_ACTIONS.replyFailed, code: 'reply_failed' },
  /** It may have gone out: reported, and never sent again automatically. */
  uncertain: { action: TICKET_ACTIONS.replyUncertain, code: 'reply_uncertain' },
} as const;

type Entry = OutboxMail & {
  draft: {
    id: number;
    revision: number;
    ticketId: number;
    answersId: number | null;
    kind: string;
    ticket: {
      id: number;
      mailboxId: number;
      slackChannelId: string | null;
      slackTs: string | null;
      mailbox: { key: string };
    };
  } | null;
};

export class OutboxSender {
  readonly #sleeper = new WakeableSleep();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #nextStagedSweep = 0;

  constructor(private readonly deps: OutboxDeps) {}

  /** With `releaseClaims` (one instance, as on SQLite) every `sending` entry is a dead process's. */
  async start({ releaseClaims = false } = {}): Promise<void> {
    await this.#settleAbandoned(releaseClaims);
    this.#loop = this.#run();
  }

  wake(): void {
    this.#sleeper.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const now = new Date();
        const entry = await this.deps.db.outboxMail.findFirst({
          where: { nextAttemptAt: { lte: now }, OR: [{ state: 'queued' }, { state: 'sent', copiedToSentAt: null }] },
          orderBy: { id: 'asc' },
          include: WITH_DRAFT,
        });
        if (!entry) {
          await this.#settleAbandoned(false);
          await this.#discardStaleStaged();
          await this.#sleeper.sleep(IDLE_POLL_MS);
          continue;
        }
        if (entry.state === 'queued') await this.#send(entry);
        else await this.#copyToSent(entry);
      } catch (error) {
        this.deps.logger.error({ code: 'outbox_failed', err: errorMessage(error) }, 'outbox error');
        await this.#sleeper.sleep(5_000);
      }
    }
  }

  #mailbox(entry: Entry): TMailboxConfig | undefined {
    return this.deps.mailboxes.find((mailbox) => mailbox.key === entry.draft?.ticket.mailbox.key);
  }

  async #send(entry: Entry): Promise<void> {
    const mailbox = this.#mailbox(entry);
    if (!mailbox || !entry.draft) {
      await this.#conclude(entry, 'failed', 'the mailbox of this reply is no longer configured');
      return;
    }
    const { count } = await this.deps.db.outboxMail.updateMany({
      where: { id: entry.id, state: 'queued' },
      data: {
        state: 'sending',
        attempts: { increment: 1 },
        claimedBy: this.deps.instanceId,
        claimedUntil: new Date(Date.now() + CLAIM_MS),
      },
    });
    if (count === 0) return;
    const message = await this.deps.db.message.findUniqueOrThrow({
      where: { id: entry.messageRowId! },
      select: { toAddresses: true, ccAddresses: true },
    });
    const recipients = [
      ...(JSON.parse(message.toAddresses) as { address: string }[]),
      ...(JSON.parse(message.ccAddresses) as { address: string }[]),
    ].map((entry) => entry.address);
    const raw = await enqueueReply.openReplyRaw(this.deps.db, entry);
    const outcome = await sendRawMail(mailbox.smtp, { from: mailbox.address, to: recipients }, raw);
    enqueueReply.collectAfter(raw.size);
    if (!outcome.sent) return this.#recordFailure(entry, outcome.error, outcome.kind);
    if (outcome.refused.length)
      this.deps.logger.warn(
        { code: 'reply_partly_refused', outboxId: entry.id, refused: outcome.refused },
        'reply sent, but some recipients were refused',
      );
    await this.#recordSentSurely(entry, mailbox, outcome.response, outcome.refused);
  }

  /**
   * The mail went out: that must be recorded even if the database is briefly unwell, or
   * the entry would end as `uncertain` (and a person might send it again by hand).
   */
  async #recordSentSurely(entry: Entry, mailbox: TMailboxConfig, response: string, refused: string[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#recordSent(entry, mailbox, response, refused);
      } catch (error) {
        if (attempt >= RECORD_SENT_ATTEMPTS) throw error;
        this.deps.logger.warn(
          { code: 'reply_record_retry', outboxId: entry.id, err: errorMessage(error) },
          'reply sent; recording it failed, trying again',
        );
        await this.#sleeper.sleep(attempt * 1_000);
      }
    }
  }

  /** `refused`: recipients the server would not take; kept in lastError and shown with the sent reply. */
  async #recordSent(entry: Entry, mailbox: TMailboxConfig, response: string, refused: string[]): Promise<void> {
    const draft = entry.draft!;
    const ticket = draft.ticket;
    const sentAt = new Date();
    const statuses = await ticketStatuses(this.deps.db, ticket.mailboxId);
    // A mail from the customer that came after the one this reply answers is still
    // unanswered: the ticket keeps its status (and its reminders) instead of closing.
    const newer =
      draft.answersId === null
        ? []
        : await this.deps.db.message.findMany({
            where: { ticketId: ticket.id, direction: 'in', id: { gt: draft.answersId } },
            select: { flags: true },
          });
    // A forward answers nobody on the ticket: the ticket stays as it is.
    const forward = draft.kind === 'forward';
    const keepStatus = forward || newer.some((mail) => answerable(mail.flags));
    const after = mailbox.statusAfterReply;
    await this.deps.db.$transaction(async (tx) => {
      await tx.outboxMail.update({
        where: { id: entry.id },
        data: {
          state: 'sent',
          sentAt,
          smtpResponse: response.slice(0, 500),
          claimedBy: null,
          claimedUntil: null,
          lastError: refused.length ? refused.join('; ').slice(0, 1000) : null,
          nextAttemptAt: sentAt,
        },
      });
      await tx.draft.update({ where: { id: draft.id }, data: { state: 'sent' } });
      if (!forward)
        await tx.ticket.updateMany({
          where: { id: ticket.id, firstResponseAt: null },
          data: { firstResponseAt: sentAt },
        });
      const closing = statusCategory(statuses, after) === 'closed';
      if (!keepStatus)
        await tx.ticket.updateMany({
          where: { id: ticket.id, NOT: { status: after } },
          data: { status: after, closedAt: closing ? sentAt : null },
        });
      const audit = await tx.auditLog.create({
        data: {
          mailboxId: ticket.mailboxId,
          ticketId: ticket.id,
          actorId: 'system',
          action: forward ? TICKET_ACTIONS.forwardSent : TICKET_ACTIONS.replySent,
          detail: JSON.stringify({
            draftId: draft.id,
            messageId: entry.messageId,
            status: keepStatus ? null : after,
            newerMailUnanswered: keepStatus,
          }),
        },
      });
      await queueSentPost(tx, ticket, entry.id);
      await queueDraftUpdate(
        tx,
        ticket,
        { draftId: draft.id, revision: draft.revision, reviewers: '' },
        String(audit.id),
      );
      await queueTicketPosts(tx, ticket, audit.id, { trace: false });
    });
    this.deps.logger.info(
      { code: 'reply_sent', outboxId: entry.id, ticketId: ticket.id, messageId: entry.messageId },
      'reply sent',
    );
    this.deps.wakePoster();
  }

  async #recordFailure(entry: Entry, error: SmtpError, kind: SmtpFailure): Promise<void> {
    const reason = (error.response ?? error.message).slice(0, 500);
    this.deps.logger.warn(
      {
        code: 'reply_send_failed',
        outboxId: entry.id,
        kind,
        smtpCode: error.responseCode,
        command: error.command,
        err: reason,
      },
      'reply not sent',
    );
    if (kind === 'uncertain') return this.#conclude(entry, 'uncertain', reason);
    const attempts = entry.attempts + 1;
    if (kind === 'permanent' || attempts >= MAX_ATTEMPTS) return this.#conclude(entry, 'failed', reason);
    await this.deps.db.outboxMail.update({
      where: { id: entry.id },
      data: {
        state: 'queued',
        claimedBy: null,
        claimedUntil: null,
        lastError: reason,
        nextAttemptAt: new Date(Date.now() + backoffDelay(attempts, 5_000, 60 * 60_000)),
      },
    });
  }

  async #conclude(entry: Entry, state: keyof typeof CONCLUSIONS, reason: string): Promise<void> {
    const { action, code } = CONCLUSIONS[state];
    const draft = entry.draft;
    await this.deps.db.$transaction(async (tx) => {
      const { count } = await tx.outboxMail.updateMany({
        where: { id: entry.id, state: { in: ['queued', 'sending'] } },
        data: { state, claimedBy: null, claimedUntil: null, lastError: reason },
      });
      if (count === 0 || !draft) return;
      await tx.draft.update({ where: { id: draft.id }, data: { state } });
      const audit = await tx.auditLog.create({
        data: {
          mailboxId: draft.ticket.mailboxId,
          ticketId: draft.ticketId,
          actorId: 'system',
          action,
          detail: JSON.stringify({ draftId: draft.id, draftKind: draft.kind, messageId: entry.messageId, reason }),
        },
      });
      await queueDraftStatePosts(tx, draft.ticket, draft, audit.id);
    });
    this.deps.logger.error({ code, outboxId: entry.id, messageId: entry.messageId, reason }, 'reply needs a person');
    this.deps.wakePoster();
  }

  /** Entries left `sending` by a process that is gone: they may have been sent. */
  async #settleAbandoned(all: boolean): Promise<void> {
    const abandoned = await this.deps.db.outboxMail.findMany({
      where: { state: 'sending', ...(all ? {} : { claimedUntil: { lt: new Date() } }) },
      include: WITH_DRAFT,
    });
    for (const entry of abandoned)
      await this.#conclude(entry, 'uncertain', 'the sending process stopped before it learned the outcome');
  }

  /**
   * A reply's bytes are stored before the approval that queues them (enqueue-reply.ts); a
   * process that stopped in between left them unadopted. Looked for now and then, and only
   * once they are old enough that no approval can still be on its way.
   */
  async #discardStaleStaged(): Promise<void> {
    const now = Date.now();
    if (now < this.#nextStagedSweep) return;
    this.#nextStagedSweep = now + STAGED_SWEEP_MS;
    const removed = await rawMailStoreOf(this.deps.db).discardStaleStaged(new Date(now - STAGED_MAX_AGE_MS));
    if (removed)
      this.deps.logger.info({ code: 'staged_replies_removed', count: removed }, 'removed replies never queued');
  }

  async #copyToSent(entry: Entry): Promise<void> {
    const mailbox = this.#mailbox(entry);
    // No copy where the mailbox is gone, or where the provider keeps one itself (Gmail and
    // Microsoft 365 file what their SMTP sent): a second copy would show twice in Sent.
    if (!mailbox || mailbox.sentCopy === 'never') {
      await this.deps.db.outboxMail.update({ where: { id: entry.id }, data: { copiedToSentAt: new Date(0) } });
      return;
    }
    try {
      // IMAP's APPEND takes the mail whole (imapflow announces its size up front).
      const raw = await readWhole(await enqueueReply.openReplyRaw(this.deps.db, entry));
      enqueueReply.collectAfter(raw.byteLength);
      // A Buffer over the same bytes, not a copy.
      const folder = await appendToSent(
        mailbox.imap,
        Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
        entry.sentAt ?? new Date(),
      );
      await this.deps.db.outboxMail.update({ where: { id: entry.id }, data: { copiedToSentAt: new Date() } });
      this.deps.logger.info(
        { code: 'reply_copied_to_sent', outboxId: entry.id, folder },
        'copy kept in the Sent folder',
      );
    } catch (error) {
      const waited = Date.now() - (entry.sentAt ?? new Date()).getTime();
      await this.deps.db.outboxMail.update({
        where: { id: entry.id },
        data: { nextAttemptAt: new Date(Date.now() + Math.min(Math.max(waited, 10_000), 60 * 60_000)) },
      });
      this.deps.logger.warn(
        { code: 'sent_copy_failed', outboxId: entry.id, err: errorMessage(error) },
        'could not append the copy to the Sent folder; will retry',
      );
    }
  }
}
