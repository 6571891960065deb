/**
 * One running Mailroom: config → database (migrated) → mailboxes → leases (poster, IMAP
 * connections) → ingest, outbox, reminders → Slack → serve. `stop()` takes it down in the
 * reverse order from wherever `start()` got to: stop taking mail in (and let other
 * instances take over), finish the mail in hand, then the rest.
 */
import type { Server } from 'node:http';
import type { ScheduledTask } from 'node-cron';
import type { TAppConfig } from '../config/config-schema.js';
import { parseDatabaseUrl, redactDatabaseUrl } from '../config/database-url.js';
import { closeDbClient, openDbClient, type Db } from '../db/client.js';
import { expireLeasesExcept } from '../db/leases.js';
import { SessionLocks } from '../db/session-locks.js';
import { migrateIfBehind } from '../db/migrate-isolated.js';
import { ownAddressesOf } from '../domain/own-address.js';
import { AnotherInstanceError } from '../errors.js';
import { startMetricsServer } from '../http/health-route.js';
import type { Logger } from '../logging/logger.js';
import type { ImapConnection } from '../mail/imap-connection.js';
import { ParsePool } from '../mail/parse-pool.js';
import { describeSmtpError, verifySmtp } from '../mail/smtp-transport.js';
import type { Metrics } from '../logging/metrics.js';
import { checkHealth } from '../services/health/check-health.js';
import { registerDatabaseGauges } from '../services/health/database-gauges.js';
import { IngestQueue } from '../services/ingest/ingest-queue.js';
import { LeaseKeeper } from '../services/instances/lease-keeper.js';
import {
  claimSoleInstance,
  INSTANCE_LEASE,
  instanceId,
  runningInstanceOf,
} from '../services/instances/single-instance.js';
import { loadThreadFiles } from '../services/tickets/load-thread-files.js';
import { OutboxSender } from '../services/outbox/outbox-sender.js';
import { registerMailboxes } from '../services/register-mailboxes.js';
import { normalizeLegacyTags } from '../services/tickets/legacy-tags.js';
import { scheduleReminders } from '../services/reminders/schedule-reminders.js';
import { scheduleRetention } from '../services/privacy/schedule-retention.js';
import { createSlackApp, type SlackAppHandle } from '../slack/create-slack-app.js';
import { boltRegistry } from '../slack/listener-registry.js';
import { registerListeners } from '../slack/listeners/index.js';
import { buildListenerDeps } from './listener-deps.js';
import { mailboxLease, PosterLease } from './mailbox-leases.js';

export class MailroomInstance {
  #db: Db | undefined;
  #locks: SessionLocks | undefined;
  #slack: SlackAppHandle | undefined;
  #metricsServer: Server | undefined;
  #parsePool: ParsePool | undefined;
  #ingest: IngestQueue | undefined;
  #poster: PosterLease | undefined;
  #outbox: OutboxSender | undefined;
  #reminders: ScheduledTask | undefined;
  #retention: ScheduledTask | undefined;
  readonly #connections: ImapConnection[] = [];
  readonly #keepers: LeaseKeeper[] = [];

  constructor(
    private readonly config: TAppConfig,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** @throws AnotherInstanceError when another instance holds the SQLite file. */
  async start(): Promise<void> {
    const { config, logger } = this;
    const target = parseDatabaseUrl(config.databaseUrl)!;
    const running = target.provider === 'sqlite' ? runningInstanceOf(target.file) : null;
    if (running) throw new AnotherInstanceError(running);
    const applied = await migrateIfBehind(target);
    logger.info(
      { code: 'db_migrated', database: redactDatabaseUrl(target.url), applied },
      applied.length ? 'migrations applied' : 'database is current',
    );
    const db = await openDbClient(target);
    this.#db = db;
    const rows = await registerMailboxes(db, config.mailboxes);
    // Before anything is searched: `tag:` finds tickets tagged before tags were normalised.
    const retagged = await normalizeLegacyTags(db);
    if (retagged) logger.info({ code: 'legacy_tags_normalized', tickets: retagged }, 'legacy tags normalised');

    const sqlite = target.provider === 'sqlite';
    const me = instanceId();
    if (sqlite) {
      const other = await claimSoleInstance(db, me);
      if (other) throw new AnotherInstanceError(other);
      // Whatever a killed predecessor held is ours at once, not after its leases expire.
      await expireLeasesExcept(db, INSTANCE_LEASE);
      this.#keepers.push(new LeaseKeeper(db, INSTANCE_LEASE, me, { onAcquired: () => {}, onLost: () => {} }, logger));
    }
    // Several instances: a dead holder's leases are taken over once its database session ends.
    const locks = sqlite ? undefined : new SessionLocks(target.url);
    this.#locks = locks;

    this.#parsePool = new ParsePool();
    const poster = new PosterLease(
      db,
      rows.map((row) => row.channelId),
      {
        token: config.slack.botToken,
        apiUrl: config.slack.apiUrl,
        instanceId: me,
        loadFiles: (messageRowId) => loadThreadFiles(db, messageRowId),
      },
      me,
      logger,
      sqlite,
      locks,
    );
    this.#poster = poster;
    this.#keepers.push(poster.keeper);
    const wakePoster = () => poster.wake();

    const heldMailboxIds: number[] = [];
    const queue = new IngestQueue(
      {
        db,
        parser: this.#parsePool,
        logger,
        ownAddresses: ownAddressesOf(config.mailboxes),
        mailboxIds: heldMailboxIds,
      },
      (outcome) => {
        if (outcome.kind !== 'already_done') wakePoster();
      },
      logger,
    );
    this.#ingest = queue;
    config.mailboxes.forEach((mailbox, index) => {
      const { connection, keeper } = mailboxLease(
        { db, queue, holder: me, logger, heldMailboxIds, wakePoster, locks },
        mailbox,
        rows[index]!,
      );
      this.#connections.push(connection);
      this.#keepers.push(keeper);
    });
    for (const keeper of this.#keepers) await keeper.start();

    const outbox = new OutboxSender({ db, logger, mailboxes: config.mailboxes, instanceId: me, wakePoster });
    this.#outbox = outbox;
    await outbox.start({ releaseClaims: sqlite });
    this.#reminders = scheduleReminders({ db, mailboxes: config.mailboxes, logger, wakePoster, holder: me });
    this.#retention = scheduleRetention({ db, mailboxes: config.mailboxes, logger, holder: me });
    this.#verifySmtp();

    registerDatabaseGauges(this.metrics, db);
    const health = () => checkHealth(db, this.#connections);
    const slack = createSlackApp({ slack: config.slack, logger, health, healthToken: config.metrics.token });
    this.#slack = slack;
    registerListeners(
      boltRegistry(slack.app),
      buildListenerDeps({
        db,
        logger,
        client: slack.app.client,
        mailboxes: config.mailboxes,
        locale: config.locale,
        wakePoster,
        wakeOutbox: () => outbox.wake(),
        admins: config.admins,
      }),
    );
    await slack.start();
    if (config.metrics.port !== undefined) {
      this.#metricsServer = await startMetricsServer(
        { ...config.metrics, port: config.metrics.port },
        health,
        this.metrics.registry,
      );
      logger.info(
        {
          code: 'metrics_listening',
          host: config.metrics.host,
          port: config.metrics.port,
          bearer: Boolean(config.metrics.token),
        },
        'metrics served',
      );
    }
    logger.info(
      { code: 'started', mode: slack.mode, port: config.slack.port, mailboxes: config.mailboxes.map((m) => m.key) },
      'Mailroom is running',
    );
  }

  /** SMTP is used only when a reply is sent; a bad login is said now, not at the first reply. */
  #verifySmtp(): void {
    for (const mailbox of this.config.mailboxes) {
      verifySmtp(mailbox.smtp).then(
        () => this.logger.info({ code: 'smtp_ok', mailbox: mailbox.key }, 'SMTP login works'),
        (error: unknown) =>
          this.logger.error({ code: 'smtp_failed', mailbox: mailbox.key }, describeSmtpError(error, mailbox.smtp)),
      );
    }
  }

  async stop(): Promise<void> {
    await this.#reminders?.stop();
    await this.#retention?.stop();
    await Promise.allSettled(this.#keepers.map((keeper) => keeper.stop()));
    await this.#locks?.close();
    await Promise.allSettled(this.#connections.map((connection) => connection.stop()));
    this.#metricsServer?.close();
    await Promise.allSettled([this.#ingest?.stop(), this.#poster?.stop(), this.#outbox?.stop(), this.#slack?.stop()]);
    await this.#parsePool?.close();
    if (this.#db) await closeDbClient(this.#db).catch(() => {});
  }
}
