/**
 * What GET /healthz reports: the database and each mailbox's IMAP connection. Healthy
 * only when all of them are up, so a load balancer or systemd watchdog acts on it.
 */
import { isDatabaseReachable, type Db } from '../../db/client.js';
import type { ImapConnection } from '../../mail/imap-connection.js';

export interface HealthReport {
  healthy: boolean;
  database: 'ok' | 'unreachable';
  /** `idle: 'silent'`: new mail waits for the sweep (not a reason to be unhealthy). */
  mailboxes: { key: string; imap: string; problem?: string; since: string; idle?: 'silent' }[];
}

export async function checkHealth(db: Db, connections: readonly ImapConnection[]): Promise<HealthReport> {
  const database = (await isDatabaseReachable(db)) ? 'ok' : 'unreachable';
  const mailboxes = connections.map((connection) => {
    const { state, problem, since } = connection.status;
    return {
      key: connection.mailboxKey,
      imap: state,
      ...(problem ? { problem } : {}),
      since: since.toISOString(),
      ...(connection.idleSilent ? { idle: 'silent' as const } : {}),
    };
  });
  // A mailbox another instance syncs (standby) is no reason to take this one out of service.
  const healthy =
    database === 'ok' && mailboxes.every((mailbox) => mailbox.imap === 'connected' || mailbox.imap === 'standby');
  return { healthy, database, mailboxes };
}
