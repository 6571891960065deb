/**
 * Once per test run: compile the bot (tests run it as `npm start` does), start a private
 * Dovecot and check the local PostgreSQL, and tell the tests what is there
 * (inject('dovecot'), inject('postgresUrl')).
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { DEFAULT_PG_ADMIN_URL } from '../../src/db/scratch-database.js';
import { dovecotInstalled, startDovecot, type DovecotInfo } from './dovecot.js';
import { buildCompiled } from './mailroom-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dovecot: DovecotInfo | null;
    postgresUrl: string | null;
  }
}

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildCompiled();
  const pgUrl = process.env.MAILROOM_TEST_PG_URL ?? DEFAULT_PG_ADMIN_URL;
  project.provide('postgresUrl', (await postgresReachable(pgUrl)) ? pgUrl : null);
  const dovecot = dovecotInstalled() ? await startDovecot() : null;
  project.provide(
    'dovecot',
    dovecot ? { host: dovecot.host, port: dovecot.port, configFile: dovecot.configFile } : null,
  );
  return async () => {
    await dovecot?.stop();
  };
}
