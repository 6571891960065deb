/**
 * SQLite is for one instance: a second `npm start` on the same file is refused with a
 * clear message instead of two bots fetching and posting the same mail. The running
 * instance holds the `instance` lease; a holder on this machine whose process is gone
 * (killed, crashed) is taken over at once, so a restart never waits.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import type { Db } from '../../db/client.js';
import { acquireLease, leaseHolder, takeOverLease } from '../../db/leases.js';
import { LEASE_TTL_MS } from './lease-keeper.js';

export const INSTANCE_LEASE = 'instance';

export function instanceId(): string {
  return `${os.hostname()}:${process.pid}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder on this machine whose process is gone is no one. */
function holderAlive(holder: string): boolean {
  const [host, pid] = holder.split(':');
  return host !== os.hostname() || !pid || processAlive(Number(pid));
}

/**
 * Who runs on this SQLite file now, read before anything else touches it: migrating a
 * file another instance has open would only wait for its locks and fail obscurely.
 */
export function runningInstanceOf(file: string, me = instanceId(), now = Date.now()): string | null {
  if (!existsSync(file)) return null;
  const db = new Database(file, { readonly: true, timeout: 5_000 });
  try {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Lease'").get();
    if (!table) return null;
    const row = db.prepare('SELECT holder, expiresAt FROM Lease WHERE name = ?').get(INSTANCE_LEASE) as
      | { holder: string; expiresAt: string | number }
      | undefined;
    if (!row || row.holder === me) return null;
    const expiresAt = typeof row.expiresAt === 'number' ? row.expiresAt : Date.parse(row.expiresAt);
    return expiresAt > now && holderAlive(row.holder) ? row.holder : null;
  } finally {
    db.close();
  }
}

/** Null when this instance may run; otherwise who else is running. */
export async function claimSoleInstance(db: Db, me = instanceId()): Promise<string | null> {
  if (await acquireLease(db, INSTANCE_LEASE, me, LEASE_TTL_MS)) return null;
  const current = await leaseHolder(db, INSTANCE_LEASE);
  if (!current) return (await acquireLease(db, INSTANCE_LEASE, me, LEASE_TTL_MS)) ? null : 'another instance';
  if (!holderAlive(current.holder) && (await takeOverLease(db, INSTANCE_LEASE, current.holder, me, LEASE_TTL_MS)))
    return null;
  return current.holder;
}
