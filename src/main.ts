/**
 * `npm start`: reads the configuration, starts one Mailroom (app/instance.ts) and stops it
 * on a signal. Exit codes (docs/contract.md): 0 after SIGTERM/SIGINT, 2 for a bad
 * configuration, 1 for anything else.
 */
import { MailroomInstance } from './app/instance.js';
import { EXIT } from './cli/exit-codes.js';
import { readConfigOrExit } from './cli/read-config.js';
import { AnotherInstanceError } from './errors.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createMetrics } from './logging/metrics.js';

/** How long a clean shutdown may take before we exit regardless. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const metrics = createMetrics();
  const logger = createLogger(config.logLevel, undefined, (level, code) => metrics.countLog(level, code));
  const instance = new MailroomInstance(config, logger, metrics);

  let stopping = false;
  async function shutdown(reason: string, code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ code: 'shutdown', reason }, 'shutting down');
    // A server that stopped answering must not keep us from exiting.
    setTimeout(() => process.exit(code), SHUTDOWN_DEADLINE_MS).unref();
    await instance.stop();
    logger.flush();
    process.exit(code);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM', EXIT.ok));
  process.on('SIGINT', () => void shutdown('SIGINT', EXIT.ok));
  // Anything that escapes every handler is logged with a code, then we stop cleanly.
  process.on('uncaughtException', (error) => {
    logFailure(logger, error, 'uncaught_exception');
    void shutdown('uncaught_exception', EXIT.failure);
  });
  process.on('unhandledRejection', (error) => {
    logFailure(logger, error, 'unhandled_rejection');
    void shutdown('unhandled_rejection', EXIT.failure);
  });

  try {
    await instance.start();
  } catch (error) {
    if (error instanceof AnotherInstanceError) {
      logger.fatal({ code: error.code, holder: error.holder }, error.message);
      return await shutdown('another-instance', EXIT.failure);
    }
    logFailure(logger, error);
    await shutdown('startup-failure', EXIT.failure);
  }
}

function logFailure(logger: Logger, error: unknown, code = 'start_failed'): void {
  const err = error as Error & { code?: string; data?: { error?: string } };
  logger.fatal(
    { code, errorCode: err.code, slackError: err.data?.error, err: err.message },
    `Mailroom stopped: ${err.message}`,
  );
}

await main();
