/**
 * A node-cron job that runs on one instance per tick. With several instances each schedules
 * it, and node-cron asks a run coordinator first: a lease in the database named after the
 * job and the tick, so exactly one instance runs each tick (and another takes over when it
 * dies). A run that fails is logged and the next tick tries again.
 */
import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import type { Db } from '../../db/client.js';
import { acquireLease, removeExpiredLeases } from '../../db/leases.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';

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

export interface ElectedJob {
  name: string;
  /** A cron expression, in the server's time. */
  schedule: string;
  /** How long the elected instance holds a tick: longer than a run takes. */
  leaseMs: number;
  run(): Promise<unknown>;
  /** The log line of a failed run: its code and what happens next. */
  failure: { code: string; message: string };
}

export function scheduleElectedJob(deps: { db: Db; holder: string; logger: Logger }, job: ElectedJob): ScheduledTask {
  return cron.schedule(
    job.schedule,
    async () => {
      try {
        await job.run();
      } catch (error) {
        deps.logger.error({ code: job.failure.code, err: errorMessage(error) }, job.failure.message);
      }
    },
    {
      name: job.name,
      noOverlap: true,
      distributed: true,
      runCoordinator: leaseCoordinator(deps.db, deps.holder),
      distributedLease: job.leaseMs,
      unref: true,
    },
  );
}
