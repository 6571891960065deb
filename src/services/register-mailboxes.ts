/**
 * Makes the database's mailbox rows match the configuration at start: new mailboxes are
 * added, changed addresses, names or channels updated. The sync cursor is kept, except that
 * a changed folder starts its cursor afresh (UIDs belong to one folder).
 */
import { isUniqueViolation } from '../db/errors.js';
import type { TMailboxConfig } from '../config/config-schema.js';
import type { Db, Mailbox } from '../db/client.js';
import { syncCustomStatuses } from './tickets/ticket-statuses.js';

export async function registerMailboxes(db: Db, mailboxes: readonly TMailboxConfig[]): Promise<Mailbox[]> {
  const rows: Mailbox[] = [];
  for (const mailbox of mailboxes) {
    const row = await registerMailbox(db, mailbox);
    await syncConfigRoutingRules(db, row.id, mailbox.routing);
    await syncCustomStatuses(db, row.id, mailbox.statuses);
    rows.push(row);
  }
  return rows;
}

/**
 * The mailbox file's routing rules replace the previous file's in the database (rules made
 * in Slack, source `db`, are left alone). They come first: positions 0…n-1.
 */
async function syncConfigRoutingRules(db: Db, mailboxId: number, rules: TMailboxConfig['routing']): Promise<void> {
  await db.$transaction([
    db.routingRule.deleteMany({ where: { mailboxId, source: 'config' } }),
    db.routingRule.createMany({
      data: rules.map((rule, position) => ({
        mailboxId,
        name: rule.name,
        position: position - rules.length,
        conditions: JSON.stringify(rule.when),
        actions: JSON.stringify(rule.then),
        source: 'config',
      })),
    }),
  ]);
}

async function registerMailbox(db: Db, mailbox: TMailboxConfig, retried = false): Promise<Mailbox> {
  const fields = { address: mailbox.address, name: mailbox.name, channelId: mailbox.channelId, locale: mailbox.locale };
  try {
    // One conditional update, so two instances starting together reset the cursor once.
    await db.mailbox.updateMany({
      where: { key: mailbox.key, NOT: { imapFolder: mailbox.imap.folder } },
      data: { imapFolder: mailbox.imap.folder, uidValidity: null, lastUid: 0n },
    });
    return await db.mailbox.upsert({
      where: { key: mailbox.key },
      create: { key: mailbox.key, imapFolder: mailbox.imap.folder, ...fields },
      update: fields,
    });
  } catch (error) {
    // Another instance created the row between our look and our insert: take theirs.
    if (!retried && isUniqueViolation(error)) return registerMailbox(db, mailbox, true);
    throw error;
  }
}
