/**
 * Runs the reminder round every minute with node-cron. With several instances each
 * schedules it, and node-cron asks a run coordinator first: a lease in the database, so
 * exactly one instance runs each tick (and another takes over when it dies). The
 * reminders themselves are recorded once per condition whatever happens.
 */
import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import type { Db } from '../../db/client.js';
import { acquireLease, removeExpiredLeases } from '../../db/leases.js';
import { runReminders, type ReminderDeps } from './run-reminders.js';
import { errorMessage } from '../../errors.js';

/**
 * How long a run's lease is kept after it expired: node-cron names each run by its job and
 * its time, so once every instance has asked about a run (seconds), its row only has to
 * outlive stragglers; then it is removed, or a job run every minute would leave a row a
 * minute behind it.
 */
const RUN_LEASE_KEPT_MS = 60 * 60_000;

/** Lets one instance run each tick of a job: a lease in the database named after the job and the tick. */
export function leaseCoordinator(db: Db, holder: string): RunCoordinator {
  return {
    shouldRun: async (key, ttlMs) => {
      const elected = await acquireLease(db, `cron:${key}`, holder, ttlMs);
      if (elected) await removeExpiredLeases(db, 'cron:', new Date(Date.now() - RUN_LEASE_KEPT_MS));
      return elected;
    },
  };
}

export function scheduleReminders(deps: ReminderDeps & { holder: string }): ScheduledTask {
  return cron.schedule(
    '* * * * *',
    async () => {
      try {
        await runReminders(deps, new Date());
      } catch (error) {
        deps.logger.error(
          { code: 'reminders_failed', err: errorMessage(error) },
          'reminder round failed; the next minute tries again',
        );
      }
    },
    {
      name: 'reminders',
      noOverlap: true,
      distributed: true,
      runCoordinator: leaseCoordinator(deps.db, deps.holder),
      distributedLease: 50_000,
      unref: true,
    },
  );
}
