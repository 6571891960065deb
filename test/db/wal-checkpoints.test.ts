/**
 * On SQLite the write-ahead log is checkpointed by a worker thread once it passes 4 MiB, not
 * by the commit that happens to fill it (which would do it on the main thread, in the middle
 * of a backlog): the log starts over after the next write.
 */
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeDbClient, openDbClient, sqlRunnerOf, type Db } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.js';
import { sql } from '../../src/db/sql-script.js';
import { CHECKPOINT_BYTES } from '../../src/db/wal-checkpoints.js';

let scratch: ScratchDatabase;
let db: Db;
let file: string;

beforeAll(async () => {
  scratch = await createScratchDatabase('sqlite');
  await applyMigrations(scratch.target);
  db = await openDbClient(scratch.target);
  file = (scratch.target as { file: string }).file;
}, 60_000);
afterAll(async () => {
  if (db) await closeDbClient(db);
  await scratch?.drop();
});

/**
 * The log's checkpoint sequence number (its header, bytes 12–15): a write after a checkpoint
 * that copied the whole log starts it over, and counts one more.
 */
function logRestarts(): number {
  return readFileSync(`${file}-wal`).readUInt32BE(12);
}

it('checkpoints a log past 4 MiB beside the main thread; the next write starts it over', async () => {
  const blob = Buffer.alloc(64 * 1024, 7);
  // 6 MiB through the driver's connection, whose own commits would checkpoint only past 8 MiB.
  await sqlRunnerOf(db).transaction(function* () {
    yield sql`CREATE TABLE "filler" ("data" BLOB NOT NULL)`;
    for (let i = 0; i < 96; i += 1) yield sql`INSERT INTO "filler" ("data") VALUES (${blob})`;
  });
  expect(statSync(`${file}-wal`).size).toBeGreaterThan(CHECKPOINT_BYTES);
  const restartsBefore = logRestarts();
  // Within a few looks (every 500 ms) the worker has copied the log into the file, so a
  // write after it starts the log over instead of appending to its 1,500 frames.
  await expect
    .poll(
      async () => {
        await sqlRunnerOf(db).transaction(function* () {
          yield sql`INSERT INTO "filler" ("data") VALUES (${Buffer.from('x')})`;
        });
        return logRestarts();
      },
      { timeout: 10_000, interval: 300 },
    )
    .toBeGreaterThan(restartsBefore);
  const count = await sqlRunnerOf(db).query(sql`SELECT count(*) AS "n" FROM "filler"`);
  expect(Number(count[0]!.n)).toBeGreaterThan(96);
});
