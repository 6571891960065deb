/**
 * Runs the reminder round every minute, on one instance per minute (elected-job.ts). The
 * reminders themselves are recorded once per condition whatever happens.
 */
import type { ScheduledTask } from 'node-cron';
import { scheduleElectedJob } from '../instances/elected-job.js';
import { runReminders, type ReminderDeps } from './run-reminders.js';

export function scheduleReminders(deps: ReminderDeps & { holder: string }): ScheduledTask {
  return scheduleElectedJob(deps, {
    name: 'reminders',
    schedule: '* * * * *',
    leaseMs: 50_000,
    run: () => runReminders(deps, new Date()),
    failure: { code: 'reminders_failed', message: 'reminder round failed; the next minute tries again' },
  });
}
