/**
 * A lease whose work fails to start (the database hiccuped as it was taken) is let go and
 * taken up again, instead of being held for work that never runs. On PostgreSQL a holder
 * whose database session ends is taken over at once, long before its row expires; one that
 * hangs with its session open is replaced when the row expires.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SessionLocks } from '../../src/db/session-locks.js';
import { createLogger } from '../../src/logging/logger.js';
import { LeaseKeeper, type Acquired, type LeaseTiming } from '../../src/services/instances/lease-keeper.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';
import { waitFor } from '../support/net.js';
import { describeWithPostgres } from '../support/services.js';

describe('on SQLite', () => {
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
      { timing: { ttlMs: 2_000, everyMs: 100 } },
    );
    await keeper.start();
    expect([starts, keeper.held, running]).toEqual([1, false, false]);
    const deadline = Date.now() + 3_000;
    while (!running && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect([starts, keeper.held, running]).toEqual([2, true, true]);
    await keeper.stop();
    expect(running).toBe(false);
  });
});

describeWithPostgres('on PostgreSQL', (adminUrl) => {
  let database: MigratedDatabase;
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    database = await migratedDatabase('postgresql', adminUrl);
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });
  afterAll(() => database?.drop());

  /** A keeper with its own database session, recording what it was told. */
  function instance(name: string, holder: string, timing: Partial<LeaseTiming>) {
    const locks = new SessionLocks(database.url);
    const events: string[] = [];
    const acquired: Acquired[] = [];
    const keeper = new LeaseKeeper(
      database.db,
      name,
      holder,
      {
        onAcquired: (info) => {
          acquired.push(info);
          events.push('acquired');
        },
        onLost: () => {
          events.push('lost');
        },
      },
      createLogger('silent'),
      { timing, locks },
    );
    cleanup.push(
      () => keeper.stop(),
      () => locks.close(),
    );
    return { keeper, locks, events, acquired };
  }

  it('takes over a holder about a second after its session ends, though the row has a minute left, and says whose it was', async () => {
    // A "dies" after its first write: it never renews again, and its session ends.
    const a = instance('mailbox:dead', 'host:1', { ttlMs: 60_000, everyMs: 3_600_000, probeMs: 100 });
    await a.keeper.start();
    const b = instance('mailbox:dead', 'host:2', { ttlMs: 60_000, everyMs: 1_000, probeMs: 100 });
    await b.keeper.start();
    expect([a.keeper.held, b.keeper.held]).toEqual([true, false]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Alive: B does not take it, however often it looks.
    expect(b.keeper.held).toBe(false);

    const diedAt = Date.now();
    await a.locks.close();
    await waitFor(() => b.keeper.held, 5_000, 'the takeover');
    const takeover = Date.now() - diedAt;
    expect(takeover).toBeLessThan(1_500);
    expect(b.acquired).toEqual([{ from: 'host:1' }]);
    const row = await database.db.lease.findUnique({ where: { name: 'mailbox:dead' } });
    expect(row?.holder).toBe('host:2');
  });

  it('replaces a hung holder (session still open) only when its row expires; the hung one may no longer work', async () => {
    // A "hangs" after its first write: no renewal, but its session and lock stay.
    const a = instance('mailbox:hung', 'host:3', { ttlMs: 2_000, everyMs: 3_600_000, probeMs: 100 });
    await a.keeper.start();
    const startedAt = Date.now();
    const b = instance('mailbox:hung', 'host:4', { ttlMs: 2_000, everyMs: 500, probeMs: 100 });
    await b.keeper.start();
    await waitFor(() => b.keeper.held, 5_000, 'the takeover');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_900);
    expect(b.acquired).toEqual([{}]);
    // Its lease time over, the hung holder's own view says so before any renewal.
    expect(a.keeper.held).toBe(false);
    expect(a.events).toEqual(['acquired']);
  });

  it('stands down at once when its own lock connection drops, and takes the lease up again', async () => {
    const a = instance('slack-poster', 'host:5', { ttlMs: 60_000, everyMs: 1_000, probeMs: 100 });
    await a.keeper.start();
    expect(a.events).toEqual(['acquired']);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'mailroom-leases'",
      );
    } finally {
      await admin.end();
    }
    await waitFor(() => a.events.length >= 3, 5_000, 'standing down and taking it again');
    expect(a.events.slice(0, 3)).toEqual(['acquired', 'lost', 'acquired']);
    expect(a.keeper.held).toBe(true);
  });
});
