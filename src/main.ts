/**
 * `npm start`: the composition root and the only place that wires things together.
 * config → database (migrated) → mailboxes → IMAP connections → Slack → serve.
 * Exit codes: 0 after SIGTERM/SIGINT, 2 for a bad configuration, 1 for anything else.
 */
import type { Server } from 'node:http';
import { startMetricsServer } from './http/health-route.js';
import { readConfigOrExit } from './cli/read-config.js';
import { EXIT } from './cli/exit-codes.js';
import { closeDbClient, openDbClient, type Db } from './db/client.js';
import { parseDatabaseUrl, redactDatabaseUrl } from './config/database-url.js';
import { applyMigrationsIsolated } from './db/migrate-isolated.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { registerDatabaseGauges } from './services/database-gauges.js';
import { ImapConnection } from './mail/imap-connection.js';
import { ParsePool } from './mail/parse-pool.js';
import { historyBoundary, syncMailboxOnce } from './services/ingest/sync-mailbox.js';
import { IngestQueue } from './services/ingest/ingest-queue.js';
import { loadThreadFiles } from './services/load-thread-files.js';
import { SlackPoster } from './slack/poster/slack-poster.js';
import { describeSmtpError, verifySmtp } from './mail/smtp-transport.js';
import { checkHealth } from './services/check-health.js';
import { registerMailboxes } from './services/register-mailboxes.js';
import { createSlackApp, type SlackAppHandle } from './slack/create-slack-app.js';
import { boltRegistry } from './slack/listener-registry.js';
import { registerListeners } from './slack/listeners/index.js';
import { createUserLocales } from './slack-api/user-locales.js';
import { createUserNames } from './slack-api/user-names.js';
import { createChannelMembers } from './slack-api/channel-members.js';
import { createProcessedEvents } from './services/processed-events.js';
import { OutboxSender } from './services/outbox/outbox-sender.js';
import { LeaseKeeper } from './services/instances/lease-keeper.js';
import { scheduleReminders } from './services/reminders/schedule-reminders.js';
import type { ScheduledTask } from 'node-cron';
import { expireLeasesExcept } from './db/leases.js';
import { claimSoleInstance, INSTANCE_LEASE, instanceId, runningInstanceOf } from './services/instances/single-instance.js';
import { createReviewers } from './slack-api/reviewers.js';
import { createPermalinks } from './slack-api/permalinks.js';
import { createChartUploader } from './slack-api/chart-uploader.js';

/** How long a clean shutdown may take before we exit regardless. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const metrics = createMetrics();
  const logger = createLogger(config.logLevel, undefined, (level, code) => metrics.countLog(level, code));
  let db: Db | undefined;
  let slack: SlackAppHandle | undefined;
  let metricsServer: Server | undefined;
  let parsePool: ParsePool | undefined;
  let ingest: IngestQueue | undefined;
  let poster: SlackPoster | undefined;
  let outbox: OutboxSender | undefined;
  let reminders: ScheduledTask | undefined;
  const connections: ImapConnection[] = [];
  const keepers: LeaseKeeper[] = [];

  let stopping = false;
  async function shutdown(reason: string, code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ code: 'shutdown', reason }, 'shutting down');
    // A server that stopped answering must not keep us from exiting.
    setTimeout(() => process.exit(code), SHUTDOWN_DEADLINE_MS).unref();
    // Stop taking mail in (and let other instances take over), finish the mail in hand, then the rest.
    await reminders?.stop();
    await Promise.allSettled(keepers.map((keeper) => keeper.stop()));
    await Promise.allSettled(connections.map((connection) => connection.stop()));
    metricsServer?.close();
    await Promise.allSettled([ingest?.stop(), poster?.stop(), outbox?.stop(), slack?.stop()]);
    await parsePool?.close();
    if (db) await closeDbClient(db).catch(() => {});
    logger.flush();
    process.exit(code);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM', EXIT.ok));
  process.on('SIGINT', () => void shutdown('SIGINT', EXIT.ok));
  // Anything that escapes every handler is logged with a code, then we stop cleanly.
  process.on('uncaughtException', (error) => {
    logStartFailure(logger, error, 'uncaught_exception');
    void shutdown('uncaught_exception', EXIT.failure);
  });
  process.on('unhandledRejection', (error) => {
    logStartFailure(logger, error, 'unhandled_rejection');
    void shutdown('unhandled_rejection', EXIT.failure);
  });

  async function refuseSecondInstance(holder: string): Promise<void> {
    logger.fatal(
      { code: 'another_instance', holder },
      `Another Mailroom (${holder}) is running on this SQLite file; SQLite runs one instance. Stop it first, or use PostgreSQL (DATABASE_URL=postgresql://…) to run several.`,
    );
    await shutdown('another-instance', EXIT.failure);
  }

  try {
    const target = parseDatabaseUrl(config.databaseUrl)!;
    const running = target.provider === 'sqlite' ? runningInstanceOf(target.file) : null;
    if (running) return await refuseSecondInstance(running);
    const applied = await applyMigrationsIsolated(target);
    logger.info({ code: 'db_migrated', database: redactDatabaseUrl(target.url), applied }, applied.length ? 'migrations applied' : 'database is current');
    db = await openDbClient(target);
    const database = db;
    const rows = await registerMailboxes(db, config.mailboxes);

    const sqlite = target.provider === 'sqlite';
    const me = instanceId();
    if (sqlite) {
      const other = await claimSoleInstance(db, me);
      if (other) return await refuseSecondInstance(other);
      // Whatever a killed predecessor held is ours at once, not after its leases expire.
      await expireLeasesExcept(db, INSTANCE_LEASE);
      keepers.push(new LeaseKeeper(db, INSTANCE_LEASE, me, { onAcquired: () => {}, onLost: () => {} }, logger));
    }

    parsePool = new ParsePool();
    const pool = parsePool;
    // One instance at a time posts to Slack (order and pace per channel hold across
    // instances); the others take over within seconds when it dies.
    let currentPoster: SlackPoster | undefined;
    const wakePoster = () => currentPoster?.wake();
    keepers.push(
      new LeaseKeeper(db, 'slack-poster', me, {
        onAcquired: async () => {
          currentPoster = new SlackPoster(
            database,
            rows.map((row) => row.channelId),
            { token: config.slack.botToken, apiUrl: config.slack.apiUrl, instanceId: me, loadFiles: (messageRowId) => loadThreadFiles(database, messageRowId) },
            logger,
          );
          poster = currentPoster;
          // On SQLite, and for a poster taking over, claims left behind are a dead process's.
          await currentPoster.start({ releaseClaims: sqlite });
        },
        onLost: async () => {
          const stopping = currentPoster;
          currentPoster = undefined;
          await stopping?.stop();
        },
      }, logger),
    );
    // Only the mailboxes whose lease this instance holds are synced and understood here,
    // so a follow-up is always threaded after the mail before it.
    const heldMailboxIds: number[] = [];
    const queue = new IngestQueue(
      { db, parser: parsePool, logger, ownAddresses: config.mailboxes.map((mailbox) => mailbox.address), mailboxIds: heldMailboxIds },
      (outcome) => {
        if (outcome.kind !== 'already_done') wakePoster();
      },
      logger,
    );
    ingest = queue;

    config.mailboxes.forEach((mailbox, index) => {
      const log = logger.child({ mailbox: mailbox.key });
      const row = rows[index]!;
      const target = {
        mailboxId: row.id,
        folder: mailbox.imap.folder,
        backfillDays: mailbox.imap.backfillDays,
        maxMailBytes: mailbox.imap.maxMailMb * 1024 * 1024,
        historyBefore: historyBoundary(row.createdAt, mailbox.imap.backfillDays),
      };
      const connection = new ImapConnection(mailbox.key, mailbox.imap, log, {
        sync: async (client) => {
          const result = await syncMailboxOnce(database, client, target, log, () => queue.kick());
          // /metrics reports the time since the last pass, mail or not.
          await database.mailbox.update({ where: { id: row.id }, data: { lastSyncAt: new Date() } });
          if (result.stored || result.duplicates || result.gaps) log.info({ code: 'imap_synced', ...result }, 'mail fetched');
          if (result.givenUp) wakePoster();
          // Mail due for another ingest try, or put back by `npm run retry-mail`, is taken
          // up at the latest with the next sweep.
          queue.kick();
        },
      });
      connections.push(connection);
      keepers.push(
        new LeaseKeeper(database, `mailbox:${mailbox.key}`, me, {
          onAcquired: () => {
            heldMailboxIds.push(row.id);
            connection.start();
            // Mail stored before a restart (or by the instance we take over from) but not yet understood.
            queue.kick();
          },
          onLost: async () => {
            heldMailboxIds.splice(heldMailboxIds.indexOf(row.id), 1);
            await connection.stop('standby');
          },
        }, log),
      );
    });
    for (const keeper of keepers) await keeper.start();

    const outboxSender = new OutboxSender({ db, logger, mailboxes: config.mailboxes, instanceId: me, wakePoster });
    outbox = outboxSender;
    await outboxSender.start({ releaseClaims: sqlite });
    reminders = scheduleReminders({ db, mailboxes: config.mailboxes, logger, wakePoster, holder: me });

    // SMTP is used only when a reply is sent; a bad login is said now, not at the first reply.
    for (const mailbox of config.mailboxes) {
      verifySmtp(mailbox.smtp).then(
        () => logger.info({ code: 'smtp_ok', mailbox: mailbox.key }, 'SMTP login works'),
        (error: unknown) => logger.error({ code: 'smtp_failed', mailbox: mailbox.key }, describeSmtpError(error, mailbox.smtp)),
      );
    }

    registerDatabaseGauges(metrics, database);
    const health = () => checkHealth(database, connections);
    slack = createSlackApp({ slack: config.slack, logger, health, healthToken: config.metrics.token });
    const client = slack.app.client;
    const userLocales = createUserLocales(client, config.locale, logger);
    const members = createChannelMembers(client, logger);
    const reviewers = createReviewers(client, logger);
    const permalink = createPermalinks(client);
    const ticketActions = { db, members, userLocales, logger, wakePoster, mailboxes: config.mailboxes };
    const replies = { ...ticketActions, mailboxes: config.mailboxes };
    const review = { ...replies, reviewers, wakeOutbox: () => outboxSender.wake() };
    const templates = { ...ticketActions, mailboxes: config.mailboxes, userNames: createUserNames(client, logger) };
    registerListeners(boltRegistry(slack.app), {
      userLocales,
      mailboxes: config.mailboxes,
      search: { db, members, logger, permalink },
      dashboard: { db, members, logger, permalink, mailboxes: config.mailboxes, reviewers, uploadChart: createChartUploader(client) },
      ticketActions,
      replies,
      review,
      templates,
      processedEvents: createProcessedEvents(db),
    });
    await slack.start();
    if (config.metrics.port !== undefined) {
      metricsServer = await startMetricsServer({ ...config.metrics, port: config.metrics.port }, health, metrics.registry);
      logger.info({ code: 'metrics_listening', host: config.metrics.host, port: config.metrics.port, bearer: Boolean(config.metrics.token) }, 'metrics served');
    }
    logger.info({ code: 'started', mode: slack.mode, port: config.slack.port, mailboxes: config.mailboxes.map((m) => m.key) }, 'Mailroom is running');
  } catch (error) {
    logStartFailure(logger, error);
    await shutdown('startup-failure', EXIT.failure);
  }
}

function logStartFailure(logger: Logger, error: unknown, code = 'start_failed'): void {
  const err = error as Error & { code?: string; data?: { error?: string } };
  logger.fatal({ code, errorCode: err.code, slackError: err.data?.error, err: err.message }, `Mailroom stopped: ${err.message}`);
}

await main();
