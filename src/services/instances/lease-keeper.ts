/**
 * Keeps trying for a lease and, once held, keeps renewing it; runs `onAcquired` when this
 * instance gets the lease and `onLost` when it can no longer be sure it holds it (a
 * renewal failed or found another holder). With a time to live of 20 s and a try every
 * 5 s, a dead holder's work is taken over within 25 s.
 */
import { acquireLease, releaseLease } from '../../db/leases.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logging/logger.js';
import { errorMessage } from '../../errors.js';

export const LEASE_TTL_MS = 20_000;
export const LEASE_EVERY_MS = 5_000;

export interface LeaseCallbacks {
  onAcquired(): void | Promise<void>;
  onLost(): void | Promise<void>;
}

export class LeaseKeeper {
  #held = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #tick: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly name: string,
    private readonly holder: string,
    private readonly callbacks: LeaseCallbacks,
    private readonly logger: Logger,
    private readonly timing = { ttlMs: LEASE_TTL_MS, everyMs: LEASE_EVERY_MS },
  ) {}

  get held(): boolean {
    return this.#held;
  }

  /** Tries once right away (a lone instance starts its work before it reports started), then every few seconds. */
  async start(): Promise<void> {
    this.#tick = this.#step();
    await this.#tick;
    this.#schedule(this.timing.everyMs);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#step().finally(() => this.#schedule(this.timing.everyMs));
    }, ms);
  }

  async #step(): Promise<void> {
    let holds: boolean;
    try {
      holds = await acquireLease(this.db, this.name, this.holder, this.timing.ttlMs);
    } catch (error) {
      // The database not answering: we cannot be sure we still hold the lease.
      this.logger.warn(
        { code: 'lease_unsure', lease: this.name, err: errorMessage(error) },
        'lease could not be renewed',
      );
      holds = false;
    }
    if (holds === this.#held || this.#stopped) return;
    this.#held = holds;
    this.logger.info(
      { code: holds ? 'lease_acquired' : 'lease_lost', lease: this.name, holder: this.holder },
      holds ? 'this instance took over' : 'this instance let go',
    );
    try {
      await (holds ? this.callbacks.onAcquired() : this.callbacks.onLost());
    } catch (error) {
      this.logger.error(
        { code: 'lease_callback_failed', lease: this.name, err: errorMessage(error) },
        'lease change could not be carried out',
      );
      // Work that did not start must not sit behind a lease held for it: stand down and
      // let go, so the next tick (here or on another instance) takes it up afresh.
      if (holds) await this.#standDown();
    }
  }

  /** Stops this instance's work for the lease and lets the lease go. */
  async #standDown(): Promise<void> {
    this.#held = false;
    await Promise.resolve()
      .then(() => this.callbacks.onLost())
      .catch((error: Error) =>
        this.logger.error(
          { code: 'lease_callback_failed', lease: this.name, err: error.message },
          'lease change could not be carried out',
        ),
      );
    await releaseLease(this.db, this.name, this.holder).catch(() => {});
  }

  /** Stops renewing; when held, runs onLost and lets the lease go for the next instance. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    if (this.#held) await this.#standDown();
  }
}
