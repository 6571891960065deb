/**
 * `npm start`: the composition root and the only place that wires things together.
 * config → database (migrated) → mailboxes → IMAP connections → Slack → serve.
 * Exit codes: 0 after SIGTERM/SIGINT, 2 for a bad configuration, 1 for anything else.
 */
import { readConfigOrExit } from './cli/read-config.js';
import { EXIT } from './cli/exit-codes.js';
import { createDbClient, type Db } from './db/client.js';
import { parseDatabaseUrl, redactDatabaseUrl } from './db/database-url.js';
import { applyMigrations } from './db/migrations.js';
import { createLogger, type Logger } from './logging/logger.js';
import { ImapConnection } from './mail/imap-connection.js';
import { checkHealth } from './services/check-health.js';
import { registerMailboxes } from './services/register-mailboxes.js';
import { createSlackApp, type SlackAppHandle } from './slack/create-slack-app.js';
import { boltRegistry } from './slack/listener-registry.js';
import { registerListeners } from './slack/listeners/index.js';
import { createUserLocales } from './slack/user-locales.js';

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger(config.logLevel);
  let db: Db | undefined;
  let slack: SlackAppHandle | undefined;
  const connections: ImapConnection[] = [];

  let stopping = false;
  async function shutdown(signal: string, code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ code: 'shutdown', signal }, 'shutting down');
    await Promise.allSettled([slack?.stop(), ...connections.map((connection) => connection.stop())]);
    await db?.$disconnect().catch(() => {});
    logger.flush();
    process.exit(code);
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM', EXIT.ok));
  process.once('SIGINT', () => void shutdown('SIGINT', EXIT.ok));

  try {
    const target = parseDatabaseUrl(config.databaseUrl)!;
    const applied = await applyMigrations(target);
    logger.info({ code: 'db_migrated', database: redactDatabaseUrl(target.url), applied }, applied.length ? 'migrations applied' : 'database is current');
    db = createDbClient(target);
    await registerMailboxes(db, config.mailboxes);

    for (const mailbox of config.mailboxes) {
      const connection = new ImapConnection(mailbox.key, mailbox.imap, logger.child({ mailbox: mailbox.key }));
      connections.push(connection);
      connection.start();
    }

    const database = db;
    slack = createSlackApp({ slack: config.slack, logger, health: () => checkHealth(database, connections) });
    const userLocales = createUserLocales(slack.app.client, config.locale, logger);
    registerListeners(boltRegistry(slack.app), { userLocales, mailboxes: config.mailboxes });
    await slack.start();
    logger.info({ code: 'started', mode: slack.mode, port: config.slack.port, mailboxes: config.mailboxes.map((m) => m.key) }, 'Mailroom is running');
  } catch (error) {
    logStartFailure(logger, error);
    await shutdown('startup-failure', EXIT.failure);
  }
}

function logStartFailure(logger: Logger, error: unknown): void {
  const err = error as Error & { code?: string; data?: { error?: string } };
  logger.fatal({ code: err.code ?? 'start_failed', slackError: err.data?.error, err: err.message }, `Mailroom could not start: ${err.message}`);
}

await main();
