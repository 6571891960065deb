/**
 * Runs the retention policy nightly, on one instance (elected-job.ts), like the reminders.
 * Nothing is scheduled when no mailbox has a retention period.
 */
import type { ScheduledTask } from 'node-cron';
import { scheduleElectedJob } from '../instances/elected-job.js';
import { applyRetention, retentionCutoff, type RetentionDeps } from './apply-retention.js';

/** 03:17 every night, the server's time: quiet hours, off the round hour other jobs take. */
export const RETENTION_SCHEDULE = '17 3 * * *';

export function scheduleRetention(deps: RetentionDeps & { holder: string }): ScheduledTask | undefined {
  if (!deps.mailboxes.some((mailbox) => retentionCutoff(mailbox, new Date()) !== null)) return undefined;
  return scheduleElectedJob(deps, {
    name: 'retention',
    schedule: RETENTION_SCHEDULE,
    // A night's run may take a while on a large backlog; the lease outlives it.
    leaseMs: 60 * 60_000,
    run: () => applyRetention(deps, new Date()),
    failure: { code: 'retention_failed', message: 'retention run failed; the next night tries again' },
  });
}
