/**
 * Works through stored mail of the process's mailboxes, oldest first, one at a time, so
 * a follow-up arriving right after its first mail finds the ticket that mail opened.
 * Kicked after each stored mail and once at start (mail stored before a crash).
 */
import { backoffDelay } from '../domain/backoff.js';
import type { Logger } from '../logging/logger.js';
import { CoalescingRunner } from '../util/coalescing-runner.js';
import type { TRoutingRule } from '../domain/routing.js';
import { commitStoredMail, loadRoutingRules, prepareStoredMail, type IngestDeps, type IngestOutcome, type PreparedMail } from './ingest-stored-mail.js';

const MAX_ATTEMPTS = 5;
/** Mails parsed ahead of the one being committed: keeps the parse workers busy. */
const PARSE_AHEAD = 4;

export class IngestQueue {
  readonly #failures = new Map<number, number>();
  readonly #runner: CoalescingRunner;
  #stopped = false;

  constructor(
    private readonly deps: IngestDeps & { mailboxIds: readonly number[] },
    private readonly onIngested: (outcome: IngestOutcome) => void,
    private readonly logger: Logger,
  ) {
    // The database failing mid-drain: logged; the next kick (next mail, next sync) retries.
    this.#runner = new CoalescingRunner(
      () => this.#drain(),
      (error) => this.logger.error({ code: 'mail_ingest_stalled', err: (error as Error).message }, 'ingest queue stopped early; will resume on the next mail'),
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
        take: 50,
        select: { id: true },
      });
      if (pending.length === 0) return;
      // Parse a few mails ahead (in the worker pool) while committing strictly in order.
      const prepared = pending.map(() => undefined as Promise<PreparedMail> | undefined);
      const prepare = (index: number) => {
        const item = pending[index];
        if (!item || prepared[index]) return;
        const promise = prepareStoredMail(deps, item.id);
        // Awaited in order below; a failure must not surface before then as unhandled.
        promise.catch(() => {});
        prepared[index] = promise;
      };
      for (let index = 0; index < pending.length; index += 1) {
        if (this.#stopped) return;
        for (let ahead = index; ahead < index + PARSE_AHEAD; ahead += 1) prepare(ahead);
        const { id } = pending[index]!;
        try {
          const ready = await prepared[index]!;
          // Let go of the parsed mail (and its raw source) as soon as it is committed.
          prepared[index] = undefined;
          this.onIngested(await commitStoredMail(deps, ready));
          this.#failures.delete(id);
        } catch (error) {
          skipped.add(id);
          await this.#recordFailure(id, error as Error);
        }
      }
    }
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
