/**
 * The leases that decide which instance does what (services/instances/lease-keeper.ts):
 * one instance posts to Slack, and each mailbox is synced and understood by one instance,
 * so a follow-up is always threaded after the mail before it. Another instance takes over
 * within seconds when the holder dies (on PostgreSQL, about a second after its database
 * session ends: see lease-keeper.ts).
 */
import type { TMailboxConfig } from '../config/config-schema.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import { ImapConnection } from '../mail/imap-connection.js';
import type { IngestQueue } from '../services/ingest/ingest-queue.js';
import {
  historyBoundary,
  recordIdleSilence,
  recordSyncPass,
  syncMailboxOnce,
} from '../services/ingest/sync-mailbox.js';
import { LeaseKeeper, type HolderLocks } from '../services/instances/lease-keeper.js';
import { SlackPoster, type PosterOptions } from '../slack/poster/slack-poster.js';

/** The Slack poster, started while this instance holds the `slack-poster` lease. */
export class PosterLease {
  #poster: SlackPoster | undefined;
  readonly keeper: LeaseKeeper;

  constructor(
    db: Db,
    channels: readonly string[],
    options: PosterOptions,
    holder: string,
    logger: Logger,
    releaseClaims: boolean,
    locks?: HolderLocks,
  ) {
    this.keeper = new LeaseKeeper(
      db,
      'slack-poster',
      holder,
      {
        onAcquired: async ({ from }) => {
          this.#poster = new SlackPoster(db, channels, { ...options, mayPost: () => this.keeper.held }, logger);
          // On SQLite every claim left behind is a dead process's; on PostgreSQL those of a
          // holder whose session was seen gone (its posts are looked for in Slack first).
          await this.#poster.start({ releaseClaims, releaseClaimsOf: from });
        },
        onLost: async () => {
          const stopping = this.#poster;
          this.#poster = undefined;
          await stopping?.stop();
        },
      },
      logger,
      { locks },
    );
  }

  /** Queued posts are waiting: post them now (nothing when another instance posts). */
  wake(): void {
    this.#poster?.wake();
  }

  async stop(): Promise<void> {
    await this.#poster?.stop();
  }
}

export interface MailboxLeaseParts {
  db: Db;
  queue: IngestQueue;
  holder: string;
  logger: Logger;
  /** The mailboxes whose lease this instance holds: the ingest queue takes only their mail. */
  heldMailboxIds: number[];
  /** A mail was given up on: its channel post is queued. */
  wakePoster(): void;
  /** Session-bound locks (PostgreSQL) that let a dead holder's mailbox be taken over at once. */
  locks?: HolderLocks;
}

/** A mailbox's IMAP connection, run while this instance holds the mailbox's lease. */
export function mailboxLease(
  parts: MailboxLeaseParts,
  mailbox: TMailboxConfig,
  row: { id: number; createdAt: Date },
): { connection: ImapConnection; keeper: LeaseKeeper } {
  const { db, queue, heldMailboxIds } = parts;
  const log = parts.logger.child({ mailbox: mailbox.key });
  const target = {
    mailboxId: row.id,
    folder: mailbox.imap.folder,
    backfillDays: mailbox.imap.backfillDays,
    maxMailBytes: mailbox.imap.maxMailMb * 1024 * 1024,
    historyBefore: historyBoundary(row.createdAt, mailbox.imap.backfillDays),
  };
  const connection = new ImapConnection(mailbox.key, mailbox.imap, log, {
    sync: async (client, pass) => {
      // Woken from a hang longer than the lease: another instance may sync it now.
      if (!keeper.held) return 0;
      const result = await syncMailboxOnce(db, client, target, log, () => queue.kick(), !pass.announced);
      await recordSyncPass(db, row.id);
      if (result.stored || result.duplicates || result.gaps)
        log.info({ code: 'imap_synced', ...result }, 'mail fetched');
      if (result.givenUp) parts.wakePoster();
      // Mail due for another ingest try, or put back by `npm run retry-mail`, is taken up
      // at the latest with the next sweep.
      queue.kick();
      return result.stored;
    },
    // Kept in the database so `npm run doctor` can say it too.
    onIdleFinding: (silent) => recordIdleSilence(db, row.id, silent),
  });
  const keeper = new LeaseKeeper(
    db,
    `mailbox:${mailbox.key}`,
    parts.holder,
    {
      onAcquired: async () => {
        heldMailboxIds.push(row.id);
        // A finding of an earlier run (or instance) stands until IDLE is seen to work.
        const known = await db.mailbox.findUnique({ where: { id: row.id }, select: { idleSilentSince: true } });
        connection.start({ idleSilent: !!known?.idleSilentSince });
        // Mail stored before a restart (or by the instance we take over from) but not yet understood.
        queue.kick();
      },
      onLost: async () => {
        heldMailboxIds.splice(heldMailboxIds.indexOf(row.id), 1);
        await connection.stop('standby');
      },
    },
    log,
    { locks: parts.locks },
  );
  return { connection, keeper };
}
