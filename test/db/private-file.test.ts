/**
 * The SQLite file holds every customer's mail: Mailroom creates it, and SQLite its -wal and
 * -shm beside it, readable by the owner alone.
 */
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { closeDbClient, openDbClient } from '../../src/db/client.js';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { applyMigrations } from '../../src/db/migrations.js';

it('creates the database (and its WAL files) with mode 0600, in a directory only the owner can enter', async () => {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'mailroom-private-')), 'data');
  const target = parseDatabaseUrl(`file:${path.join(dir, 'mailroom.db')}`)!;
  await applyMigrations(target);
  const db = await openDbClient(target);
  try {
    await db.mailbox.create({
      data: { key: 'private', address: 'support@example.com', name: 'support', channelId: 'C0PRIVATE' },
    });
    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(dir)).toBe(0o700);
    for (const file of ['mailroom.db', 'mailroom.db-wal', 'mailroom.db-shm'])
      expect(mode(path.join(dir, file)), file).toBe(0o600);
  } finally {
    await closeDbClient(db);
  }
});
