/**
 * Keeps trying for a lease and, once held, keeps renewing it; runs `onAcquired` when this
 * instance gets the lease and `onLost` when it can no longer be sure it holds it (a
 * renewal failed or found another holder). With a time to live of 20 s and a try every
 * 5 s, a holder that hangs is replaced within 25 s.
 *
 * On PostgreSQL a holder's death is seen sooner, through locks bound to its database
 * session (db/session-locks.ts): a holder locks its own key of the lease before it writes
 * itself into the row; an instance standing by asks every LEASE_PROBE_MS whether the
 * holder's session still holds that key, and when it does not (the process died and the
 * server closed its connection), takes the row over at once, expiry or not. A holder whose
 * own lock connection drops stands down at once, since others may now take over.
 */
import { acquireLease, leaseHolder, releaseLease, renewLease, takeOverLease } from '../../db/leases.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logging/logger.js';
import { errorMessage } from '../../errors.js';

export const LEASE_TTL_MS = 20_000;
export const LEASE_EVERY_MS = 5_000;
/** How often an instance standing by looks whether the holder's session is gone. */
export const LEASE_PROBE_MS = 500;

export interface LeaseTiming {
  ttlMs: number;
  everyMs: number;
  probeMs: number;
}

/** Locks bound to this process's database session (SessionLocks on PostgreSQL). */
export interface HolderLocks {
  lockOwn(lease: string, holder: string): Promise<boolean>;
  unlockOwn(lease: string, holder: string): Promise<void>;
  whileGone<T>(lease: string, holder: string, takeOver: () => Promise<T>): Promise<T | undefined>;
  onLost(listener: () => void): void;
}

export interface Acquired {
  /** The holder whose session was seen gone and whose lease was taken over (it is dead). */
  from?: string;
}

export interface LeaseCallbacks {
  onAcquired(acquired: Acquired): void | Promise<void>;
  onLost(): void | Promise<void>;
}

interface Outcome {
  holds: boolean;
  from?: string;
}

export class LeaseKeeper {
  #held = false;
  /** performance.now() until which the last successful write keeps the lease ours. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** The last attempt failed (its warning is logged once until one succeeds). */
  #failing = false;
  #tick: Promise<void> = Promise.resolve();
  private readonly timing: LeaseTiming;
  private readonly locks: HolderLocks | undefined;

  constructor(
    private readonly db: Db,
    readonly name: string,
    private readonly holder: string,
    private readonly callbacks: LeaseCallbacks,
    private readonly logger: Logger,
    options: { timing?: Partial<LeaseTiming>; locks?: HolderLocks } = {},
  ) {
    this.timing = { ttlMs: LEASE_TTL_MS, everyMs: LEASE_EVERY_MS, probeMs: LEASE_PROBE_MS, ...options.timing };
    this.locks = options.locks;
    this.locks?.onLost(() => this.#serially(() => this.#sessionLost()));
  }

  /**
   * Whether this instance may do the lease's work now: held, and its last renewal not
   * older than the time to live. A process that was stopped (SIGSTOP) for longer learns
   * on waking that it may not, before its next renewal says whether another took over.
   */
  get held(): boolean {
    return this.#held && performance.now() < this.#validUntil;
  }

  /** Tries once right away (a lone instance starts its work before it reports started), then every few seconds. */
  async start(): Promise<void> {
    await this.#serially(() => this.#step());
    this.#schedule();
  }

  #serially(work: () => Promise<void>): Promise<void> {
    this.#tick = this.#tick.then(work);
    return this.#tick;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const ms = this.#held || !this.locks ? this.timing.everyMs : this.timing.probeMs;
    this.#timer = setTimeout(() => void this.#serially(() => this.#step()).finally(() => this.#schedule()), ms);
  }

  async #step(): Promise<void> {
    if (this.#stopped) return;
    const startedAt = performance.now();
    let outcome: Outcome;
    try {
      outcome = await this.#attempt();
      this.#failing = false;
    } catch (error) {
      // The database not answering: we cannot be sure we still hold the lease. Said once
      // per outage: an instance standing by tries every LEASE_PROBE_MS.
      if (!this.#failing)
        this.logger.warn(
          { code: 'lease_unsure', lease: this.name, err: errorMessage(error) },
          'lease could not be renewed',
        );
      this.#failing = true;
      outcome = { holds: false };
    }
    if (outcome.holds) this.#validUntil = startedAt + this.timing.ttlMs;
    else await this.locks?.unlockOwn(this.name, this.holder).catch(() => {});
    if (outcome.holds === this.#held || this.#stopped) return;
    this.#held = outcome.holds;
    this.logger.info(
      {
        code: outcome.holds ? 'lease_acquired' : 'lease_lost',
        lease: this.name,
        holder: this.holder,
        ...(outcome.from ? { from: outcome.from } : {}),
      },
      outcome.holds ? 'this instance took over' : 'this instance let go',
    );
    try {
      await (outcome.holds ? this.callbacks.onAcquired({ from: outcome.from }) : this.callbacks.onLost());
    } catch (error) {
      this.logger.error(
        { code: 'lease_callback_failed', lease: this.name, err: errorMessage(error) },
        'lease change could not be carried out',
      );
      // Work that did not start must not sit behind a lease held for it: stand down and
      // let go, so the next tick (here or on another instance) takes it up afresh.
      if (outcome.holds) await this.#standDown();
    }
  }

  /** One try: renew the lease we hold, or take it when it is free, expired or its holder's session gone. */
  async #attempt(): Promise<Outcome> {
    const { db, name, holder, locks } = this;
    const { ttlMs } = this.timing;
    if (!locks) return { holds: await (this.#held ? renewLease : acquireLease)(db, name, holder, ttlMs) };
    // Our own key first: a row naming us is always backed by our session.
    if (this.#held)
      return { holds: (await locks.lockOwn(name, holder)) && (await renewLease(db, name, holder, ttlMs)) };
    const current = await leaseHolder(db, name);
    if (current && current.holder !== holder && current.expiresAt.getTime() > Date.now()) {
      const from = current.holder;
      const taken = await locks.whileGone(
        name,
        from,
        async () => (await locks.lockOwn(name, holder)) && (await takeOverLease(db, name, from, holder, ttlMs)),
      );
      return taken ? { holds: true, from } : { holds: false };
    }
    return { holds: (await locks.lockOwn(name, holder)) && (await acquireLease(db, name, holder, ttlMs)) };
  }

  /** Our lock connection dropped: others may take over now, so our work stops at once. */
  async #sessionLost(): Promise<void> {
    if (!this.#held || this.#stopped) return;
    this.logger.warn(
      { code: 'lease_session_lost', lease: this.name, holder: this.holder },
      'the database session holding the lease ended; standing down until it is taken again',
    );
    this.#held = false;
    await this.#runOnLost();
  }

  async #runOnLost(): Promise<void> {
    await Promise.resolve()
      .then(() => this.callbacks.onLost())
      .catch((error: Error) =>
        this.logger.error(
          { code: 'lease_callback_failed', lease: this.name, err: error.message },
          'lease change could not be carried out',
        ),
      );
  }

  /** Stops this instance's work for the lease and lets the lease go. */
  async #standDown(): Promise<void> {
    this.#held = false;
    await this.#runOnLost();
    await releaseLease(this.db, this.name, this.holder).catch(() => {});
    await this.locks?.unlockOwn(this.name, this.holder).catch(() => {});
  }

  /** Stops renewing; when held, runs onLost and lets the lease go for the next instance. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    if (this.#held) await this.#standDown();
  }
}
