/**
 * `npm start`: the composition root and the only place that wires things together.
 * config → database (migrated) → mailboxes → IMAP connections → Slack → serve.
 * Exit codes: 0 after SIGTERM/SIGINT, 2 for a bad configuration, 1 for anything else.
 */
import os from 'node:os';
import { readConfigOrExit } from './cli/read-config.js';
import { EXIT } from './cli/exit-codes.js';
import { openDbClient, type Db } from './db/client.js';
import { parseDatabaseUrl, redactDatabaseUrl } from './db/database-url.js';
import { applyMigrationsIsolated } from './db/migrate-isolated.js';
import { createLogger, type Logger } from './logging/logger.js';
import { ImapConnection } from './mail/imap-connection.js';
import { ParsePool } from './mail/parse-pool.js';
import { historyBoundary, syncMailboxOnce } from './mail/sync-mailbox.js';
import { IngestQueue } from './services/ingest-queue.js';
import { loadThreadFiles } from './services/load-thread-files.js';
import { SlackPoster } from './slack/slack-poster.js';
import { describeSmtpError, verifySmtp } from './mail/smtp-transport.js';
import { checkHealth } from './services/check-health.js';
import { registerMailboxes } from './services/register-mailboxes.js';
import { createSlackApp, type SlackAppHandle } from './slack/create-slack-app.js';
import { boltRegistry } from './slack/listener-registry.js';
import { registerListeners } from './slack/listeners/index.js';
import { createUserLocales } from './slack/user-locales.js';
import { createUserNames } from './slack/user-names.js';
import { createChannelMembers } from './slack/channel-members.js';
import { createProcessedEvents } from './services/processed-events.js';

/** How long a clean shutdown may take before we exit regardless. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger(config.logLevel);
  let db: Db | undefined;
  let slack: SlackAppHandle | undefined;
  let parsePool: ParsePool | undefined;
  let ingest: IngestQueue | undefined;
  let poster: SlackPoster | undefined;
  const connections: ImapConnection[] = [];

  let stopping = false;
  async function shutdown(reason: string, code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ code: 'shutdown', reason }, 'shutting down');
    // A server that stopped answering must not keep us from exiting.
    setTimeout(() => process.exit(code), SHUTDOWN_DEADLINE_MS).unref();
    // Stop taking mail in, finish the mail in hand, then the rest.
    await Promise.allSettled(connections.map((connection) => connection.stop()));
    await Promise.allSettled([ingest?.stop(), poster?.stop(), slack?.stop()]);
    await parsePool?.close();
    await db?.$disconnect().catch(() => {});
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

  try {
    const target = parseDatabaseUrl(config.databaseUrl)!;
    const applied = await applyMigrationsIsolated(target);
    logger.info({ code: 'db_migrated', database: redactDatabaseUrl(target.url), applied }, applied.length ? 'migrations applied' : 'database is current');
    db = await openDbClient(target);
    const database = db;
    const rows = await registerMailboxes(db, config.mailboxes);

    parsePool = new ParsePool();
    const pool = parsePool;
    const mailPoster = new SlackPoster(
      db,
      rows.map((row) => row.channelId),
      {
        token: config.slack.botToken,
        apiUrl: config.slack.apiUrl,
        instanceId: `${os.hostname()}:${process.pid}`,
        loadFiles: (messageRowId) => loadThreadFiles(database, pool, messageRowId),
      },
      logger,
    );
    poster = mailPoster;
    const queue = new IngestQueue(
      { db, parser: parsePool, logger, ownAddresses: config.mailboxes.map((mailbox) => mailbox.address), mailboxIds: rows.map((row) => row.id) },
      (outcome) => {
        if (outcome.kind !== 'already_done') mailPoster.wake();
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
        historyBefore: historyBoundary(row.createdAt, mailbox.imap.backfillDays),
      };
      const connection = new ImapConnection(mailbox.key, mailbox.imap, log, {
        sync: async (client) => {
          const result = await syncMailboxOnce(database, client, target, log, () => queue.kick());
          if (result.stored || result.duplicates) log.info({ code: 'imap_synced', ...result }, 'mail fetched');
        },
      });
      connections.push(connection);
      connection.start();
    });
    // Mail stored before a restart but not yet understood, and posts not yet sent.
    queue.kick();
    // SQLite is for one instance, so every claim left in it is a dead process's.
    await mailPoster.start({ releaseClaims: target.provider === 'sqlite' });

    // SMTP is used only when a reply is sent; a bad login is said now, not at the first reply.
    for (const mailbox of config.mailboxes) {
      verifySmtp(mailbox.smtp).then(
        () => logger.info({ code: 'smtp_ok', mailbox: mailbox.key }, 'SMTP login works'),
        (error: unknown) => logger.error({ code: 'smtp_failed', mailbox: mailbox.key }, describeSmtpError(error, mailbox.smtp)),
      );
    }

    slack = createSlackApp({ slack: config.slack, logger, health: () => checkHealth(database, connections) });
    const userLocales = createUserLocales(slack.app.client, config.locale, logger);
    const ticketActions = { db, members: createChannelMembers(slack.app.client, logger), userLocales, logger, wakePoster: () => mailPoster.wake() };
    const templates = { ...ticketActions, mailboxes: config.mailboxes, userNames: createUserNames(slack.app.client, logger) };
    registerListeners(boltRegistry(slack.app), {
      userLocales,
      mailboxes: config.mailboxes,
      ticketActions,
      replies: { ...ticketActions, mailboxes: config.mailboxes },
      templates,
      processedEvents: createProcessedEvents(db),
    });
    await slack.start();
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
