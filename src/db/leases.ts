/**
 * Leases in the database: which instance does a job that only one may do at a time (sync
 * a mailbox, post to Slack, run the reminders). A lease is held until it expires unless
 * renewed; when its holder dies another takes it over after at most its time to live, or at
 * once when the holder's database session is seen gone (session-locks.ts, lease-keeper.ts).
 * Every step is one conditional write, so two instances never both hold a lease.
 */
import { isUniqueViolation } from './errors.js';
import type { Db } from './client.js';

export interface LeaseHolder {
  name: string;
  holder: string;
  expiresAt: Date;
}

/** Takes the lease, or renews it when we hold it. True when we hold it afterwards. */
export async function acquireLease(
  db: Db,
  name: string,
  holder: string,
  ttlMs: number,
  now = new Date(),
): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const { count } = await db.lease.updateMany({
    where: { name, OR: [{ holder }, { expiresAt: { lt: now } }] },
    data: { holder, expiresAt },
  });
  if (count === 1) return true;
  try {
    await db.lease.create({ data: { name, holder, expiresAt } });
    return true;
  } catch (error) {
    // Someone else holds it (or created it a moment ago).
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/**
 * Renews the lease only while the row still names us: a holder that was taken over (it hung,
 * or its session was seen gone) learns it here, even if the row has expired since.
 */
export async function renewLease(db: Db, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const { count } = await db.lease.updateMany({
    where: { name, holder },
    data: { expiresAt: new Date(Date.now() + ttlMs) },
  });
  return count === 1;
}

/** Takes the lease from `from` regardless of its expiry (the holder is known to be dead). */
export async function takeOverLease(
  db: Db,
  name: string,
  from: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  const { count } = await db.lease.updateMany({
    where: { name, holder: from },
    data: { holder, expiresAt: new Date(Date.now() + ttlMs) },
  });
  return count === 1;
}

/** Lets go at once (a clean shutdown): the next instance need not wait for the expiry. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.lease.updateMany({ where: { name, holder }, data: { expiresAt: new Date(0) } });
}

export async function leaseHolder(db: Db, name: string): Promise<LeaseHolder | null> {
  return db.lease.findUnique({ where: { name }, select: { name: true, holder: true, expiresAt: true } });
}

/** Expires every lease but `keep`: on SQLite the one running instance knows every other holder is dead. */
export async function expireLeasesExcept(db: Db, keep: string): Promise<void> {
  await db.lease.updateMany({ where: { name: { not: keep } }, data: { expiresAt: new Date(0) } });
}

/**
 * Removes the leases named `prefix…` that expired before `before`: one-off leases, such as
 * the one per run of a scheduled job, which would otherwise pile up (a row a minute).
 */
export async function removeExpiredLeases(db: Db, prefix: string, before: Date): Promise<number> {
  const { count } = await db.lease.deleteMany({ where: { name: { startsWith: prefix }, expiresAt: { lt: before } } });
  return count;
}
