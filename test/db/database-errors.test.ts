/**
 * Which failures are the database's (down, busy, full: tried again later without counting
 * against the mail) and which are the data's (counted, and in the end given up on). Real
 * errors from a real SQLite file and the local PostgreSQL, not made-up objects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('SQLite', () => {
  it('a database locked by another writer is unavailable; a refused row is not', () => {
    const file = path.join(dir, 'locked.db');
    const holder = new Database(file);
    holder.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const other = new Database(file, { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    expect(isDatabaseUnavailable(caught(() => other.prepare('INSERT INTO t (v) VALUES (?)').run('x')))).toBe(true);
    holder.exec('COMMIT');
    expect(isDatabaseUnavailable(caught(() => other.prepare('INSERT INTO t (v) VALUES (?)').run(null)))).toBe(false);
    holder.close();
    other.close();
  });
});

describe('PostgreSQL', () => {
  it('a server that cannot be reached is unavailable; a refused row is not', async () => {
    const refused = new pg.Client({ host: '127.0.0.1', port: 1, user: 'postgres', connectionTimeoutMillis: 2_000 });
    expect(
      isDatabaseUnavailable(
        await refused.connect().then(
          () => null,
          (error: unknown) => error,
        ),
      ),
    ).toBe(true);
    const url = inject('postgresUrl');
    if (!url) return;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const error = await client.query('CREATE TEMP TABLE t (v text NOT NULL); INSERT INTO t VALUES (NULL)').then(
        () => null,
        (e: unknown) => e,
      );
      expect(isDatabaseUnavailable(error)).toBe(false);
    } finally {
      await client.end();
    }
  });
});
