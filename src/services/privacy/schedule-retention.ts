/**
 * Runs the retention policy nightly with node-cron, on one instance only: like the
 * reminders (schedule-reminders.ts), each instance schedules it and a lease in the
 * database lets exactly one run each night. Nothing is scheduled when no mailbox has a
 * retention period.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { errorMessage } from '../../errors.js';
import { leaseCoordinator } from '../reminders/schedule-reminders.js';
import { applyRetention, type RetentionDeps } from './apply-retention.js';

/** 03:17 every night, the server's time: quiet hours, off the round hour other jobs take. */
export const RETENTION_SCHEDULE = '17 3 * * *';

export function scheduleRetention(deps: RetentionDeps & { holder: string }): ScheduledTask | undefined {
  if (!deps.mailboxes.some((mailbox) => (mailbox.retentionDays ?? 0) > 0)) return undefined;
  return cron.schedule(
    RETENTION_SCHEDULE,
    async () => {
      try {
        await applyRetention(deps, new Date());
      } catch (error) {
        deps.logger.error(
          { code: 'retention_failed', err: errorMessage(error) },
          'retention run failed; the next night tries again',
        );
      }
    },
    {
      name: 'retention',
      noOverlap: true,
      distributed: true,
      runCoordinator: leaseCoordinator(deps.db, deps.holder),
      // A night's run may take a while on a large backlog; the lease outlives it.
      distributedLease: 60 * 60_000,
      unref: true,
    },
  );
}
