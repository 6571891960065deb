/**
 * Throw-away databases for tests and for writing migrations: a fresh SQLite file in a temp
 * directory, or a fresh database on a PostgreSQL server.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseDatabaseUrl, type DatabaseTarget } from '../config/database-url.js';
import type { DatabaseProvider } from './schema-source.js';

export const DEFAULT_PG_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  target: DatabaseTarget;
  url: string;
  drop(): Promise<void>;
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database of the given provider; `drop()` removes it. */
export async function createScratchDatabase(
  provider: DatabaseProvider,
  adminUrl = process.env.MAILROOM_TEST_PG_URL ?? DEFAULT_PG_ADMIN_URL,
): Promise<ScratchDatabase> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-db-'));
    const url = `file:${path.join(dir, 'mailroom.db')}`;
    return { url, target: parseDatabaseUrl(url)!, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `mailroom_scratch_${randomUUID().replace(/-/g, '')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    target: parseDatabaseUrl(url.toString())!,
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
