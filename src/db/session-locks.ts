/**
 * Locks bound to this process's own database session: PostgreSQL advisory locks taken on
 * one dedicated connection (not from the pool, whose connections come and go). The server
 * lets a session's locks go the moment its connection closes, so a killed process's locks
 * are free within a second, where its lease rows stay until they expire.
 *
 * Leases use them to tell a dead holder from a live one (lease-keeper.ts): a holder locks
 * the key of (lease, itself) before it writes itself into the lease row, and keeps it while
 * it holds the row. Another instance that can take that key knows the holder's session is
 * gone and takes the row over at once. A holder that hangs keeps its session and its lock,
 * so the row's expiry stays the way to replace it.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

/** A query on the lock connection that takes longer is treated as a lost connection. */
const QUERY_TIMEOUT_MS = 5_000;

/** The advisory lock key (a signed 64-bit integer, as text) of a holder's hold on a lease. */
export function sessionLockKey(lease: string, holder: string): string {
  return createHash('sha256').update(`${lease}\n${holder}`).digest().readBigInt64BE(0).toString();
}

export class SessionLocks {
  #client: Promise<pg.Client> | undefined;
  /** Keys this session holds (pg_try_advisory_lock stacks: a key is locked once). */
  readonly #held = new Set<string>();
  readonly #lostListeners: (() => void)[] = [];
  #closed = false;

  constructor(private readonly url: string) {}

  /** Called when the connection drops: every lock it held is gone with it. */
  onLost(listener: () => void): void {
    this.#lostListeners.push(listener);
  }

  /** Locks this holder's key of the lease (true at once when already held). */
  async lockOwn(lease: string, holder: string): Promise<boolean> {
    const key = sessionLockKey(lease, holder);
    if (this.#held.has(key)) return true;
    if (!(await this.#tryLock(key))) return false;
    this.#held.add(key);
    return true;
  }

  async unlockOwn(lease: string, holder: string): Promise<void> {
    const key = sessionLockKey(lease, holder);
    if (!this.#held.delete(key)) return;
    await this.#unlock(key);
  }

  /**
   * Runs `takeOver` only when `holder`'s session no longer holds its key of the lease (it
   * died, or let go), holding that key meanwhile so the holder cannot take it back while
   * its row is taken over. Undefined when the holder's session is alive.
   */
  async whileGone<T>(lease: string, holder: string, takeOver: () => Promise<T>): Promise<T | undefined> {
    const key = sessionLockKey(lease, holder);
    if (!(await this.#tryLock(key))) return undefined;
    try {
      return await takeOver();
    } finally {
      await this.#unlock(key).catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    this.#held.clear();
    if (client) await client.then((open) => open.end()).catch(() => {});
  }

  async #tryLock(key: string): Promise<boolean> {
    const { rows } = await this.#query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', key);
    return rows[0]!.locked;
  }

  async #unlock(key: string): Promise<void> {
    await this.#query('SELECT pg_advisory_unlock($1::bigint)', key);
  }

  /**
   * A query that fails or times out ends the connection: the server may still carry it
   * out, and only a closed session is sure to hold no lock we do not know of.
   */
  async #query<R extends pg.QueryResultRow>(text: string, key: string): Promise<pg.QueryResult<R>> {
    const opening = this.#connection();
    try {
      return await (await opening).query<R>(text, [key]);
    } catch (error) {
      this.#lost(opening);
      throw error;
    }
  }

  #connection(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('session locks closed'));
    if (!this.#client) {
      const client = new pg.Client({
        connectionString: this.url,
        keepAlive: true,
        query_timeout: QUERY_TIMEOUT_MS,
        application_name: 'mailroom-leases',
      });
      const opening = client.connect().then(() => client);
      this.#client = opening;
      const lost = () => this.#lost(opening);
      client.on('error', lost);
      client.on('end', lost);
      opening.catch(lost);
    }
    return this.#client;
  }

  /** The connection is gone (or never came): its locks are gone; the next call reconnects. */
  #lost(which: Promise<pg.Client>): void {
    if (this.#client !== which) return;
    this.#client = undefined;
    const hadLocks = this.#held.size > 0;
    this.#held.clear();
    which.then((client) => client.end()).catch(() => {});
    if (hadLocks && !this.#closed) for (const listener of this.#lostListeners) listener();
  }
}
