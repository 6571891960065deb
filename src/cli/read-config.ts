import { loadConfig, readEnvironment } from '../config/load-config.js';
import type { TAppConfig } from '../config/config-schema.js';
import { EXIT } from './exit-codes.js';

/**
 * The configuration for a command, or exit 2 with every problem on stderr. Shared by
 * `npm start`, `npm run db:migrate` and `npm run doctor`.
 */
export function readConfigOrExit(): TAppConfig {
  const result = loadConfig(readEnvironment());
  if (result.ok) return result.config;
  process.stderr.write(
    `Mailroom cannot start: the configuration has ${result.problems.length} problem(s).\n` +
      result.problems.map((line) => `  ${line}\n`).join('') +
      'Set these in the environment or in a .env file in this directory (see README.md, "Configuration").\n',
  );
  process.exit(EXIT.badConfig);
}
