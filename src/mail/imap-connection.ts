/**
 * Keeps one mailbox's IMAP connection open: connect, log in, select the folder, and after
 * any loss reconnect with backoff, forever (imapflow does not reconnect by itself). The
 * state is what /healthz reports. Mail sync (issue 3) runs on top of the open connection.
 */
import { ImapFlow } from 'imapflow';
import type { TImapConfig } from '../config/config-schema.js';
import { backoffDelay } from '../domain/backoff.js';
import {
  IDLE_SILENT_HINT,
  IdleSilenceWatch,
  NOTHING_HEARD,
  SILENT_SWEEPS,
  type PassTrigger,
} from '../domain/idle-silence.js';
import { CoalescingRunner } from '../util/coalescing-runner.js';
import type { Logger } from '../logging/logger.js';
import { describeImapError, isAuthFailure, type ImapProblem } from './imap-errors.js';
import { oauthTokens } from './oauth/token-source.js';
import { errorMessage } from '../errors.js';

/** A connection up this long counts as stable and resets the reconnect backoff. */
const STABLE_CONNECTION_MS = 30_000;

/** `standby`: another instance holds this mailbox (several instances on PostgreSQL). */
export type ImapState = 'connecting' | 'connected' | 'disconnected' | 'stopped' | 'standby';

export interface ImapStatus {
  state: ImapState;
  problem?: ImapProblem;
  message?: string;
  since: Date;
}

/** How a connection to these settings is protected, in words for logs and the doctor. */
export function imapTlsDescription(imap: Pick<TImapConfig, 'secure' | 'tls'>): string {
  if (imap.secure) return 'TLS';
  return imap.tls === 'none' ? 'no TLS (IMAP_TLS=none)' : 'STARTTLS (required)';
}

/**
 * An IMAP client for a mailbox, not yet connected, with what it signs in with: the password,
 * or an access token fetched now (`renewToken` when the server refused the last one).
 * Without `secure`, STARTTLS is required: imapflow refuses a server that does not offer
 * it before anything is sent. Only `tls: none` talks in clear text.
 * @throws TokenRequestError when no token can be had
 */
export async function createImapClient(imap: TImapConfig, options: { renewToken?: boolean } = {}): Promise<ImapFlow> {
  const auth = imap.oauth
    ? { user: imap.user, accessToken: await oauthTokens(imap.oauth).accessToken({ renew: options.renewToken }) }
    : { user: imap.user, pass: imap.password };
  return new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth,
    logger: false,
    doSTARTTLS: imap.secure ? undefined : imap.tls !== 'none',
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    // Back to IDLE right after each sync pass (imapflow waits 15 s by default): mail that
    // arrives in between is then announced at once, not up to 15 s later.
    autoIdleDelay: 100,
  });
}

/**
 * A connected client for a short task (the Sent copy, the doctor): a refused token is
 * replaced by a new one once, as the long-lived connection does.
 */
export async function connectImapOnce(imap: TImapConfig): Promise<ImapFlow> {
  for (const renewToken of [false, true]) {
    const client = await createImapClient(imap, { renewToken });
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      client.close();
      if (!imap.oauth || renewToken || !isAuthFailure(error)) throw error;
    }
  }
  throw new Error('unreachable');
}

export interface ImapConnectionOptions {
  /**
   * Runs on the open connection after every connect, whenever the server announces new
   * mail (IDLE), and on every sweep. Never two at once: a request during a run runs after it.
   * Returns how many new mails the pass stored. `announced`: the server has just reported
   * the new message count, so the pass need not ask for it (NOOP) first.
   */
  sync?: (client: ImapFlow, pass: { announced: boolean }) => Promise<number>;
  /**
   * Told once when the server's IDLE turns out silent (the sweep keeps finding mail it did
   * not announce), and once when IDLE announces mail again. Already logged here.
   */
  onIdleFinding?: (silent: boolean) => Promise<void>;
}

export class ImapConnection {
  #status: ImapStatus = { state: 'standby', since: new Date() };
  // A failed pass is retried by the next one; a dead connection is noticed by 'close'.
  readonly #sync = new CoalescingRunner(
    () => this.#syncPass(),
    (error) =>
      this.logger.error(
        { code: 'imap_sync_failed', mailbox: this.mailboxKey, err: errorMessage(error) },
        'mail sync failed',
      ),
  );
  #sweep: NodeJS.Timeout | undefined;
  #client: ImapFlow | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = false;
  /** The server refused the last token: the next connect asks the provider for a new one. */
  #renewToken = false;
  #connectedAt = 0;
  /** When an open connection was lost; cleared (and the time down logged) once it is back. */
  #droppedAt: number | undefined;
  /** What led to the next pass: the sweep, a new message count, IDLE's own word. */
  #heard: PassTrigger = NOTHING_HEARD;
  #idle = new IdleSilenceWatch();

  constructor(
    readonly mailboxKey: string,
    private readonly imap: TImapConfig,
    private readonly logger: Logger,
    private readonly options: ImapConnectionOptions = {},
  ) {}

  get status(): ImapStatus {
    return this.#status;
  }

  /** The server's IDLE has stayed silent while the sweep kept finding new mail. */
  get idleSilent(): boolean {
    return this.#idle.silent;
  }

  /** `idleSilent`: what an earlier run found out about the server's IDLE and recorded. */
  start(known: { idleSilent?: boolean } = {}): void {
    this.#stopped = false;
    this.#idle = new IdleSilenceWatch(known.idleSilent);
    void this.#connect();
    if (this.options.sync) {
      this.#sweep = setInterval(() => {
        this.#heard = { ...this.#heard, sweep: true };
        this.requestSync();
      }, this.imap.sweepSeconds * 1000);
      this.#sweep.unref();
    }
  }

  /** Asks for a sync pass now (or right after the running one). */
  requestSync(): void {
    if (this.options.sync && this.#client && this.#status.state === 'connected') this.#sync.request();
  }

  /** Closes the connection; `standby` when another instance takes the mailbox over. */
  async stop(state: 'stopped' | 'standby' = 'stopped'): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#sweep);
    const client = this.#client;
    this.#client = undefined;
    this.#setStatus({ state });
    if (client) await client.logout().catch(() => client.close());
  }

  #setStatus(status: Omit<ImapStatus, 'since'>): void {
    this.#status = { ...status, since: new Date() };
  }

  /** One sync pass, and what it says about the server's IDLE. */
  async #syncPass(): Promise<void> {
    if (!this.options.sync || !this.#client) return;
    const trigger = this.#heard;
    this.#heard = NOTHING_HEARD;
    const stored = await this.options.sync(this.#client, { announced: trigger.announced });
    const finding = stored > 0 ? this.#idle.passFoundMail(trigger) : undefined;
    if (finding === 'silent')
      this.logger.warn(
        { code: 'imap_idle_silent', mailbox: this.mailboxKey, sweepSeconds: this.imap.sweepSeconds },
        `IDLE has announced no new mail: the last ${SILENT_SWEEPS} sweeps found it instead. Likely cause: ${IDLE_SILENT_HINT}`,
      );
    else if (finding === 'working')
      this.logger.info(
        { code: 'imap_idle_working', mailbox: this.mailboxKey },
        'IDLE announces new mail again; it no longer waits for the sweep',
      );
    if (!finding) return;
    // Not a failed sync: the mail of this pass is stored; only the doctor will not know.
    await this.options
      .onIdleFinding?.(finding === 'silent')
      .catch((error: unknown) =>
        this.logger.error(
          { code: 'imap_idle_record_failed', mailbox: this.mailboxKey, err: errorMessage(error) },
          'what was found about IDLE could not be recorded for the doctor',
        ),
      );
  }

  /**
   * The server reported a new message count. During IDLE that is IDLE doing its work; in
   * answer to one of our commands it is not (a silent server reports there too).
   */
  #announced(client: ImapFlow): void {
    this.#heard = { ...this.#heard, announced: true, pushed: this.#heard.pushed || client.idling };
    this.requestSync();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    this.#attempt += 1;
    this.#setStatus({ state: 'connecting' });
    let client: ImapFlow;
    const renewToken = this.#renewToken;
    this.#renewToken = false;
    try {
      client = await createImapClient(this.imap, { renewToken });
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (this.#stopped) return;
    this.#client = client;
    // imapflow emits 'error' on socket failures; without a listener Node would crash.
    client.on('error', (error: Error) =>
      this.logger.warn({ code: 'imap_error', mailbox: this.mailboxKey, err: error.message }, 'IMAP error'),
    );
    client.on('close', () => {
      if (this.#client !== client || this.#stopped) return;
      this.#client = undefined;
      // Said when it happens, not only when reconnecting fails: a connection that comes
      // back at once would otherwise leave no trace of mail having waited.
      if (this.#status.state === 'connected') {
        this.#droppedAt = Date.now();
        this.logger.warn(
          { code: 'imap_connection_dropped', mailbox: this.mailboxKey, upMs: this.#droppedAt - this.#connectedAt },
          'IMAP connection dropped; reconnecting',
        );
      }
      // Only a connection that stayed up a while resets the backoff, so a server that
      // accepts and drops at once is not hammered every second.
      if (Date.now() - this.#connectedAt > STABLE_CONNECTION_MS) this.#attempt = 0;
      this.#setStatus({ state: 'disconnected', message: 'connection closed' });
      this.#scheduleReconnect();
    });
    try {
      await client.connect();
      await client.mailboxOpen(this.imap.folder, { readOnly: true });
      // stop() may have run while we waited: do not come back to life.
      if (this.#stopped || this.#client !== client) {
        await client.logout().catch(() => client.close());
        return;
      }
      this.#connectedAt = Date.now();
      this.#setStatus({ state: 'connected' });
      this.logger.info(
        { code: 'imap_connected', mailbox: this.mailboxKey, folder: this.imap.folder },
        'IMAP connected',
      );
      if (this.#droppedAt !== undefined) {
        this.logger.info(
          { code: 'imap_reconnected', mailbox: this.mailboxKey, downMs: this.#connectedAt - this.#droppedAt },
          `IMAP connection back after ${Math.round((this.#connectedAt - this.#droppedAt) / 100) / 10} s`,
        );
        this.#droppedAt = undefined;
      }
      // IDLE (or imapflow's NOOP polling where the server has no IDLE) reports new mail here.
      client.on('exists', () => this.#announced(client));
      // The first pass takes what came while away: it says nothing about IDLE.
      this.#heard = NOTHING_HEARD;
      this.requestSync();
    } catch (error) {
      if (this.#client === client) this.#client = undefined;
      client.close();
      // A token can be refused before it expires (revoked, or the server's clock runs ahead):
      // one immediate try with a new token before the slow retries of a refused sign-in.
      if (this.imap.oauth && !renewToken && isAuthFailure(error)) {
        this.logger.warn(
          { code: 'imap_token_refused', mailbox: this.mailboxKey },
          'IMAP refused the access token; trying once more with a new one',
        );
        this.#renewToken = true;
        this.#attempt -= 1;
        void this.#connect();
        return;
      }
      this.#failed(error);
    }
  }

  #failed(error: unknown): void {
    const described = describeImapError(error, { ...this.imap });
    this.#setStatus({ state: 'disconnected', problem: described.problem, message: described.message });
    this.logger.error({ code: `imap_${described.problem}`, mailbox: this.mailboxKey }, described.message);
    this.#scheduleReconnect(described.problem === 'auth_failed');
  }

  /**
   * Reconnects later. A refused login waits much longer: retrying a wrong password every
   * minute gets support accounts locked by their mail provider.
   */
  #scheduleReconnect(authFailed = false): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const delay = authFailed ? backoffDelay(this.#attempt, 60_000, 15 * 60_000) : backoffDelay(this.#attempt + 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, delay);
  }
}
