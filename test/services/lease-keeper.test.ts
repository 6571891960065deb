/**
 * A lease whose work fails to start (the database hiccuped as it was taken) is let go and
 * taken up again, instead of being held for work that never runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { LeaseKeeper } from '../../src/services/instances/lease-keeper.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';

let database: MigratedDatabase;
beforeAll(async () => {
  database = await migratedDatabase('sqlite');
});
afterAll(() => database?.drop());

it('stands down when its work fails to start, and starts it on a later try', async () => {
  let starts = 0;
  let running = false;
  const keeper = new LeaseKeeper(
    database.db,
    'slack-poster',
    'test:1',
    {
      onAcquired: () => {
        starts += 1;
        if (starts === 1) throw new Error('database not answering');
        running = true;
      },
      onLost: () => {
        running = false;
      },
    },
    createLogger('silent'),
    { ttlMs: 2_000, everyMs: 100 },
  );
  await keeper.start();
  expect([starts, keeper.held, running]).toEqual([1, false, false]);
  const deadline = Date.now() + 3_000;
  while (!running && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect([starts, keeper.held, running]).toEqual([2, true, true]);
  await keeper.stop();
  expect(running).toBe(false);
});
