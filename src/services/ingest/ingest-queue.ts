/**
 * Works through stored mail of the process's mailboxes, oldest first, committing strictly
 * in that order, so a follow-up arriving right after its first mail finds the ticket that
 * mail opened. Mails are parsed ahead (in the worker pool) and those parsed by the time
 * the previous commit is done are committed together, in one transaction: a backlog goes
 * in batches, a single new mail alone without waiting for company.
 * Kicked after each stored mail, after each sync pass and once at start (mail stored before
 * a crash).
 *
 * A mail that fails is not given up on quickly: the database being down, busy or full is
 * not the mail's fault and does not count (the round stops and is tried again shortly);
 * any other failure is counted on the mail's row (so a restart or another instance goes
 * on counting) and the mail is tried again after minutes, then hours (domain/backoff.ts),
 * while the mails after it go on. From HEADERS_ONLY_AFTER failures it is taken as its
 * headers and the start of its text, without routing rules, so it is posted with what
 * could be read; only when that too fails for about a day is it given up on: marked
 * `given_up`, posted in the channel, counted in /metrics, put back by `npm run retry-mail`.
 */
import { rawMailStoreOf } from '../../db/client.js';
import { indexAllPendingSearchDocs, indexPendingSearchDocs } from '../../db/search-index.js';
import { SourceUnreadableError, errorMessage } from '../../errors.js';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { MAIL_RETRY_TRIES, mailRetryAt } from '../../domain/backoff.js';
import { fallbackParse } from '../../mail/fallback-parse.js';
import { queueGivenUpPost } from './mail-gaps.js';
import type { Logger } from '../../logging/logger.js';
import { CoalescingRunner } from '../../util/coalescing-runner.js';
import type { TRoutingRule } from '../../domain/routing.js';
import {
  commitStoredMails,
  loadRoutingRules,
  prepareStoredMail,
  type IngestDeps,
  type IngestOutcome,
  type PreparedMail,
} from './ingest-stored-mail.js';

/** Failed tries after which a mail is taken from its headers alone. */
const HEADERS_ONLY_AFTER = 3;
/** After the queue itself failed (its database reads), the next try. */
const STALLED_RETRY_MS = 5_000;
/** Mails committed in one transaction at most. */
const MAX_BATCH = 50;
/**
 * A batch waits for mails being parsed until it holds this many (see #ingestInOrder): a
 * commit's cost is mostly per mail, but 50 a commit took 1,178 mails/s where 25 took
 * 1,027 (bench/backlog-throughput.ts 5000, the same hour).
 */
const FULL_BATCH = MAX_BATCH;
/** …but not longer than this. */
const FULL_BATCH_WAIT_MS = 200;
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

/**
 * In a backlog, the search index is written a chunk of documents at a time (its documents
 * a few large FTS5 segments, not one per batch) while the next mail is still being parsed:
 * the thread would wait anyway, and the workers have their lines full. Once this many mails
 * wait for the index, a chunk goes after a commit even without such a moment. Whatever is
 * left is written when the queue has nothing to do (and a search writes it first).
 */
const INDEX_CHUNK_MAILS = 250;
const INDEX_WITHOUT_WAITING_MAILS = 2000;

/** A stored mail waiting for its commit, as the queue reads it. */
interface Pending {
  id: number;
  mailboxId: number;
  size: number;
  /** Failed tries so far (Message.ingestAttempts). */
  ingestAttempts: number;
}

/**
 * The stored mails of a round, oldest first, read from the database a page at a time and
 * the next page as soon as the last one's mails have all been taken.
 */
class WaitingMails {
  #rows: Pending[] = [];
  #after = 0;
  #exhausted = false;
  #reading: Promise<void> | null = null;

  constructor(private readonly readAfter: (after: number) => Promise<Pending[]>) {}

  /** The next mail, if read; when none is, starts reading the next page. */
  peek(): Pending | undefined {
    if (this.#rows.length === 0 && !this.#exhausted && !this.#reading) {
      this.#reading = this.#read().finally(() => (this.#reading = null));
      // A page read ahead that fails is read again when needed (more() sees that failure).
      this.#reading.catch(() => {});
    }
    return this.#rows[0];
  }

  take(): Pending {
    return this.#rows.shift()!;
  }

  /** Waits for the page being read; false when no mail is left (a failed read throws). */
  async more(): Promise<boolean> {
    this.peek();
    if (this.#reading) await this.#reading;
    return this.#rows.length > 0;
  }

  async #read(): Promise<void> {
    const rows = await this.readAfter(this.#after);
    if (rows.length === 0) this.#exhausted = true;
    else this.#after = rows.at(-1)!.id;
    this.#rows.push(...rows);
  }
}

/** A mail being read and parsed ahead of its commit. */
interface Ahead extends Pending {
  prepared: Promise<PreparedMail>;
  /** Set once parsed, so a batch can take every mail that is ready without waiting. */
  ready?: PreparedMail;
}

/**
 * Lets the mails just taken into the parse-ahead be read and sent to the workers (a few
 * awaits each) before this thread is held by a commit or a chunk of the search index:
 * a worker with nothing to parse meanwhile would sit idle through it.
 */
function mailsSentToWorkers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** True once the mail is parsed; false if its parse failed or took longer than `ms`. */
async function parsedWithin(prepared: Promise<PreparedMail>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      prepared.then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What became of a mail the queue took: committed (IngestOutcome), or given up on (a channel post is queued). */
export type QueueOutcome = IngestOutcome | { kind: 'given_up' };

export class IngestQueue {
  readonly #runner: CoalescingRunner;
  #stopped = false;

  constructor(
    private readonly deps: IngestDeps & { mailboxIds: readonly number[] },
    /** Each mail done, and each given up on (a channel post is queued for it). */
    private readonly onIngested: (outcome: QueueOutcome) => void,
    private readonly logger: Logger,
  ) {
    // The database failing mid-drain: logged, and tried again shortly (a quiet mailbox
    // might bring no new mail, and no kick, for hours).
    this.#runner = new CoalescingRunner(
      () => this.#drain(),
      (error) => {
        this.logger.error(
          { code: 'mail_ingest_stalled', err: errorMessage(error) },
          'ingest queue stopped early; trying again shortly',
        );
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
    // Read page by page, oldest first, the next page while the last one's mails are parsed:
    // the parse workers never wait for a page to be committed before the next is read.
    // Mails stored meanwhile come after (ids grow); one failing now waits for the next round.
    const readAfter = (after: number): Promise<Pending[]> =>
      this.deps.db.message.findMany({
        where: {
          parseState: 'stored',
          direction: 'in',
          mailboxId: { in: [...this.deps.mailboxIds] },
          id: { gt: after, notIn: [...skipped] },
          OR: [{ ingestRetryAt: null }, { ingestRetryAt: { lte: new Date() } }],
        },
        orderBy: { id: 'asc' },
        take: PAGE,
        select: { id: true, mailboxId: true, size: true, ingestAttempts: true },
      });
    await this.#ingestInOrder(deps, new WaitingMails(readAfter), skipped);
    // Nothing left waiting: the search index catches up, unless new mail came in meanwhile
    // (mail first: the next round indexes at its end too).
    await this.#indexSearch(() =>
      indexAllPendingSearchDocs(this.deps.db, () => !this.#stopped && !this.#runner.pending),
    );
  }

  /**
   * Writes pending search documents. A failure holds up no mail: it is logged, and the
   * documents stay pending for the next try (and a search tries too).
   */
  async #indexSearch(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      this.logger.warn(
        { code: 'search_index_failed', err: errorMessage(error) },
        'search index could not be brought up to date; trying again later',
      );
    }
  }

  async #ingestInOrder(deps: IngestDeps, waiting: WaitingMails, skipped: Set<number>): Promise<void> {
    const ahead: Ahead[] = [];
    // Mails committed whose documents are not in the search index yet (about two each).
    let unindexed = 0;
    const indexChunk = async () => {
      unindexed = Math.max(0, unindexed - INDEX_CHUNK_MAILS);
      if (ahead.length > 0) await mailsSentToWorkers();
      await this.#indexSearch(() => indexPendingSearchDocs(this.deps.db, 2 * INDEX_CHUNK_MAILS));
    };
    const parseAhead = () => {
      let bytes = ahead.reduce((sum, mail) => sum + mail.size, 0);
      for (;;) {
        const size = waiting.peek()?.size;
        if (size === undefined || ahead.length >= PARSE_AHEAD) break;
        if (ahead.length > 0 && bytes + size > PARSE_AHEAD_BYTES) break;
        const row = waiting.take();
        const headersOnly =
          row.ingestAttempts >= HEADERS_ONLY_AFTER
            ? `taken from its headers after ${row.ingestAttempts} failed tries`
            : undefined;
        const mail: Ahead = { ...row, prepared: prepareStoredMail(deps, row.id, { headersOnly }) };
        mail.prepared.then(
          (ready) => (mail.ready = ready),
          () => {},
        );
        ahead.push(mail);
        bytes += row.size;
      }
    };
    for (parseAhead(); ahead.length > 0 || (await waiting.more()); parseAhead()) {
      if (this.#stopped) return;
      if (ahead.length === 0) continue;
      const first = ahead.shift()!;
      let batch: PreparedMail[];
      try {
        batch = [await first.prepared];
      } catch (error) {
        // The database could not give the source: the round stops and is tried again
        // shortly (see the runner), without counting against the mail.
        if (error instanceof SourceUnreadableError || isDatabaseUnavailable(error)) throw error;
        skipped.add(first.id);
        await this.#recordFailure(first, error as Error);
        continue;
      }
      // Everything parsed meanwhile goes along, in order, up to the first mail not ready.
      // The workers' answers are events: without a turn of the event loop here, the
      // commits (whose awaits resolve without one) would see one parsed mail at a time.
      await new Promise((resolve) => setImmediate(resolve));
      const rows = [first];
      const fillBy = Date.now() + FULL_BATCH_WAIT_MS;
      for (;;) {
        while (batch.length < MAX_BATCH && ahead[0]?.ready) {
          rows.push(ahead[0]);
          batch.push(ahead.shift()!.ready!);
          parseAhead();
        }
        // In a backlog (more mail already being parsed), waiting for a fuller batch costs the
        // main thread nothing (the sync goes on meanwhile) and saves it work: each commit
        // writes the WAL once, however many mails it holds (measured:
        // batches of ~7 in a backlog before). A single new mail has nothing ahead and goes alone.
        // The wait is bounded: a large mail being parsed does not hold back the mails before it.
        if (batch.length >= FULL_BATCH || !ahead[0] || this.#stopped || Date.now() > fillBy) break;
        if (unindexed >= INDEX_CHUNK_MAILS) await indexChunk();
        else if (!(await parsedWithin(ahead[0].prepared, fillBy - Date.now()))) break;
      }
      if (ahead.length > 0) await mailsSentToWorkers();
      await this.#commit(deps, batch, rows, skipped);
      unindexed += batch.length;
      if (unindexed >= INDEX_WITHOUT_WAITING_MAILS) await indexChunk();
    }
  }

  /**
   * Commits a batch in one transaction. If that fails, mail by mail, so one mail that
   * cannot be committed does not hold back the others (nor is it hidden among them).
   */
  async #commit(
    deps: IngestDeps,
    batch: readonly PreparedMail[],
    rows: readonly Pending[],
    skipped: Set<number>,
  ): Promise<void> {
    if (batch.length > 1) {
      try {
        this.#committed(batch, await commitStoredMails(deps, batch));
        return;
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        // Nothing of the batch was written; the single commits below find the mail at fault.
        this.logger.warn(
          { code: 'mail_batch_failed', mails: batch.length, err: errorMessage(error) },
          'mails could not be committed together; committing them one by one',
        );
      }
    }
    for (const [index, mail] of batch.entries()) {
      try {
        this.#committed([mail], await commitStoredMails(deps, [mail]));
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        skipped.add(mail.messageRowId);
        await this.#recordFailure(rows[index]!, error as Error);
      }
    }
  }

  #committed(batch: readonly PreparedMail[], outcomes: readonly IngestOutcome[]): void {
    batch.forEach((_mail, index) => this.onIngested(outcomes[index]!));
  }

  /**
   * Counts a failed try on the mail's row and sets the next (see the header). The write
   * failing stops the round: the database is then the trouble, and the mail is not counted.
   */
  async #recordFailure(row: Pending, error: Error): Promise<void> {
    const attempts = row.ingestAttempts + 1;
    const reason = error.message.slice(0, 2000);
    this.logger.error(
      { code: 'mail_ingest_failed', messageRowId: row.id, attempts, err: error.message },
      'mail could not be ingested; it will be tried again',
    );
    const db = this.deps.db;
    if (attempts < MAIL_RETRY_TRIES) {
      const retryAt = mailRetryAt(attempts, new Date());
      await db.message.updateMany({
        where: { id: row.id, parseState: 'stored' },
        data: { ingestAttempts: attempts, ingestRetryAt: retryAt, parseError: reason },
      });
      // A quiet mailbox may bring no new mail to kick us (the sweep does too, at the latest).
      setTimeout(() => this.kick(), retryAt.getTime() - Date.now()).unref();
      return;
    }
    const shown = await this.#whatCouldBeRead(row.id);
    await db.$transaction(async (tx) => {
      const marked = await tx.message.updateMany({
        where: { id: row.id, parseState: 'stored' },
        data: { parseState: 'given_up', ingestAttempts: attempts, ingestRetryAt: null, parseError: reason },
      });
      if (marked.count === 0) return;
      await queueGivenUpPost(tx, row.mailboxId, `given_up:${row.id}:${attempts}`, {
        stage: 'ingest',
        messageRowId: row.id,
        ...shown,
        reason,
        attempts,
      });
    });
    this.logger.error(
      { code: 'mail_ingest_given_up', messageRowId: row.id, attempts, err: error.message },
      'mail could not be made a ticket after a day of tries; posted in the channel (npm run retry-mail tries it again)',
    );
    this.onIngested({ kind: 'given_up' });
  }

  /** The sender and subject for the channel post, as far as the headers can be read. */
  async #whatCouldBeRead(id: number): Promise<{ from?: string; subject?: string }> {
    try {
      const raw = await rawMailStoreOf(this.deps.db).openRaw(id);
      if (!raw) return {};
      const mail = fallbackParse(raw.head);
      return { from: mail.from?.address, subject: mail.subject ?? undefined };
    } catch {
      return {};
    }
  }
}
