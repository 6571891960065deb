/**
 * Works through stored mail of the process's mailboxes, oldest first, committing strictly
 * in that order, so a follow-up arriving right after its first mail finds the ticket that
 * mail opened. Mails are parsed ahead (in the worker pool) and those parsed by the time
 * the previous commit is done are committed together, in one transaction: a backlog goes
 * in batches, a single new mail alone without waiting for company.
 * Kicked after each stored mail and once at start (mail stored before a crash).
 */
import { backoffDelay } from '../domain/backoff.js';
import type { Logger } from '../logging/logger.js';
import { CoalescingRunner } from '../util/coalescing-runner.js';
import type { TRoutingRule } from '../domain/routing.js';
import { commitStoredMails, loadRoutingRules, prepareStoredMail, type IngestDeps, type IngestOutcome, type PreparedMail } from './ingest-stored-mail.js';

const MAX_ATTEMPTS = 5;
/** After the queue itself failed (its database reads), the next try. */
const STALLED_RETRY_MS = 5_000;
/** Mails committed in one transaction at most. */
const MAX_BATCH = 50;
/**
 * Mails being parsed or waiting for their commit, at most: enough to keep the parse
 * workers busy and fill a batch while the previous one commits. Their sources (and
 * parsed text) are held in memory, hence also the cap on their stored size (a mail larger
 * than that still goes, alone).
 */
const PARSE_AHEAD = 2 * MAX_BATCH;
const PARSE_AHEAD_BYTES = 32 * 1024 * 1024;
/** Stored mails read from the database per look. */
const PAGE = 4 * MAX_BATCH;

/** A mail being read and parsed ahead of its commit. */
interface Ahead {
  id: number;
  size: number;
  prepared: Promise<PreparedMail>;
  /** Set once parsed, so a batch can take every mail that is ready without waiting. */
  ready?: PreparedMail;
}

export class IngestQueue {
  readonly #failures = new Map<number, number>();
  readonly #runner: CoalescingRunner;
  #stopped = false;

  constructor(
    private readonly deps: IngestDeps & { mailboxIds: readonly number[] },
    private readonly onIngested: (outcome: IngestOutcome) => void,
    private readonly logger: Logger,
  ) {
    // The database failing mid-drain: logged, and tried again shortly (a quiet mailbox
    // might bring no new mail, and no kick, for hours).
    this.#runner = new CoalescingRunner(
      () => this.#drain(),
      (error) => {
        this.logger.error({ code: 'mail_ingest_stalled', err: (error as Error).message }, 'ingest queue stopped early; trying again shortly');
        setTimeout(() => this.kick(), STALLED_RETRY_MS).unref();
      },
    );
  }

  kick(): void {
    if (!this.#stopped) this.#runner.request();
  }

  /** Stops taking new work and waits for the mail in hand. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#runner.settled();
  }

  async #drain(): Promise<void> {
    // Mails that failed in this round wait for the next kick instead of blocking the rest.
    const skipped = new Set<number>();
    // Rules are read once per round, not once per mail.
    const rules = new Map<number, Promise<TRoutingRule[]>>();
    const deps: IngestDeps = {
      ...this.deps,
      routingRules: (mailboxId) => {
        if (!rules.has(mailboxId)) rules.set(mailboxId, loadRoutingRules(this.deps, mailboxId));
        return rules.get(mailboxId)!;
      },
    };
    for (;;) {
      if (this.#stopped) return;
      const pending = await this.deps.db.message.findMany({
        where: { parseState: 'stored', direction: 'in', mailboxId: { in: [...this.deps.mailboxIds] }, id: { notIn: [...skipped] } },
        orderBy: { id: 'asc' },
        take: PAGE,
        select: { id: true, size: true },
      });
      if (pending.length === 0) return;
      await this.#ingestInOrder(deps, pending, skipped);
    }
  }

  async #ingestInOrder(deps: IngestDeps, pending: readonly { id: number; size: number }[], skipped: Set<number>): Promise<void> {
    const ahead: Ahead[] = [];
    let next = 0;
    const parseAhead = () => {
      let bytes = ahead.reduce((sum, mail) => sum + mail.size, 0);
      while (next < pending.length && ahead.length < PARSE_AHEAD && (ahead.length === 0 || bytes + pending[next]!.size <= PARSE_AHEAD_BYTES)) {
        const { id, size } = pending[next++]!;
        const mail: Ahead = { id, size, prepared: prepareStoredMail(deps, id) };
        mail.prepared.then((ready) => (mail.ready = ready), () => {});
        ahead.push(mail);
        bytes += size;
      }
    };
    for (parseAhead(); ahead.length > 0; parseAhead()) {
      if (this.#stopped) return;
      const first = ahead.shift()!;
      let batch: PreparedMail[];
      try {
        batch = [await first.prepared];
      } catch (error) {
        // The database could not give the source: the round stops and is tried again
        // shortly (see the runner), without counting against the mail.
        if ((error as { code?: string }).code === 'source_unreadable') throw error;
        skipped.add(first.id);
        await this.#recordFailure(first.id, error as Error);
        continue;
      }
      // Everything parsed meanwhile goes along, in order, up to the first mail not ready.
      // The workers' answers are events: without a turn of the event loop here, the
      // commits (whose awaits resolve without one) would see one parsed mail at a time.
      await new Promise((resolve) => setImmediate(resolve));
      while (batch.length < MAX_BATCH && ahead[0]?.ready) batch.push(ahead.shift()!.ready!);
      await this.#commit(deps, batch, skipped);
    }
  }

  /**
   * Commits a batch in one transaction. If that fails, mail by mail, so one mail that
   * cannot be committed does not hold back the others (nor is it hidden among them).
   */
  async #commit(deps: IngestDeps, batch: readonly PreparedMail[], skipped: Set<number>): Promise<void> {
    if (batch.length > 1) {
      try {
        this.#committed(batch, await commitStoredMails(deps, batch));
        return;
      } catch (error) {
        // Nothing of the batch was written; the single commits below find the mail at fault.
        this.logger.warn({ code: 'mail_batch_failed', mails: batch.length, err: (error as Error).message }, 'mails could not be committed together; committing them one by one');
      }
    }
    for (const mail of batch) {
      try {
        this.#committed([mail], await commitStoredMails(deps, [mail]));
      } catch (error) {
        skipped.add(mail.messageRowId);
        await this.#recordFailure(mail.messageRowId, error as Error);
      }
    }
  }

  #committed(batch: readonly PreparedMail[], outcomes: readonly IngestOutcome[]): void {
    batch.forEach((mail, index) => {
      this.#failures.delete(mail.messageRowId);
      this.onIngested(outcomes[index]!);
    });
  }

  /**
   * A failure may be passing (the database busy): the mail stays stored and is tried again
   * on later kicks. After MAX_ATTEMPTS it is marked failed with the reason, raw kept.
   */
  async #recordFailure(id: number, error: Error): Promise<void> {
    const attempts = (this.#failures.get(id) ?? 0) + 1;
    this.#failures.set(id, attempts);
    this.logger.error({ code: 'mail_ingest_failed', messageRowId: id, attempts, err: error.message }, 'mail could not be ingested');
    if (attempts < MAX_ATTEMPTS) {
      // A quiet mailbox may bring no new mail to kick us: come back by ourselves.
      const retry = setTimeout(() => this.kick(), backoffDelay(attempts, 2_000, 60_000));
      retry.unref();
      return;
    }
    this.#failures.delete(id);
    await this.deps.db.message
      .updateMany({ where: { id, parseState: 'stored' }, data: { parseState: 'failed', parseError: error.message.slice(0, 2000) } })
      .catch(() => {});
  }
}
