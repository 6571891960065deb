/**
 * Scheduled jobs (the reminder round each minute, retention each night) run on one
 * instance: node-cron asks the run coordinator for each run, named by the job and its
 * time, and a lease row in the database elects one instance. On a real SQLite file and a
 * real PostgreSQL database: two instances asking about the same run, one is elected; the
 * rows of runs long past are removed, not left to pile up a row a minute.
 */
import { describe, expect, it } from 'vitest';
import { leaseCoordinator } from '../../src/services/instances/elected-job.js';
import { useScratchDatabase, useScratchSqlite, type ScratchWorld } from '../support/scratch-sqlite.js';
import { describeWithPostgres } from '../support/services.js';

describe('scheduled runs elected once (SQLite)', () => electionSuite(useScratchSqlite()));
describeWithPostgres('scheduled runs elected once (PostgreSQL)', (adminUrl) =>
  electionSuite(useScratchDatabase('postgresql', adminUrl)),
);

function electionSuite(world: ScratchWorld) {
  it('elects one of two instances for each run, and removes the leases of runs long past', async () => {
    const first = leaseCoordinator(world.db, 'instance-a');
    const second = leaseCoordinator(world.db, 'instance-b');
    const night = `retention:${new Date('2026-12-05T03:17:00Z').toISOString()}`;
    const answers = await Promise.all([first.shouldRun(night, 60 * 60_000), second.shouldRun(night, 60 * 60_000)]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    // Asked again (a straggler, or a restart within the hour): still not a second run.
    expect(await (answers[0] ? second : first).shouldRun(night, 60 * 60_000)).toBe(false);

    // A run two hours past, its lease long expired, is removed when a later run is elected.
    await world.db.lease.create({
      data: {
        name: 'cron:reminders:2026-12-05T01:00:00.000Z',
        holder: 'instance-a',
        expiresAt: new Date(Date.now() - 2 * 60 * 60_000),
      },
    });
    const minute = `reminders:${new Date().toISOString()}`;
    expect(await first.shouldRun(minute, 50_000)).toBe(true);
    const names = (await world.db.lease.findMany({ select: { name: true } })).map((row) => row.name);
    expect(names).not.toContain('cron:reminders:2026-12-05T01:00:00.000Z');
    expect(names).toEqual(expect.arrayContaining([`cron:${night}`, `cron:${minute}`]));
  });
}
