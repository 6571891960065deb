/**
 * Makes the database's mailbox rows match the configuration at start: new mailboxes are
 * added, changed addresses, names or channels updated. The sync cursor is kept, except that
 * a changed folder starts its cursor afresh (UIDs belong to one folder).
 */
import type { TMailboxConfig } from '../config/config-schema.js';
import type { Db, Mailbox } from '../db/client.js';

export async function registerMailboxes(db: Db, mailboxes: readonly TMailboxConfig[]): Promise<Mailbox[]> {
  const rows: Mailbox[] = [];
  for (const mailbox of mailboxes) {
    const fields = {
      address: mailbox.address,
      name: mailbox.name,
      channelId: mailbox.channelId,
      locale: mailbox.locale,
      imapFolder: mailbox.imap.folder,
    };
    const existing = await db.mailbox.findUnique({ where: { key: mailbox.key } });
    const folderChanged = existing !== null && existing.imapFolder !== mailbox.imap.folder;
    rows.push(
      await db.mailbox.upsert({
        where: { key: mailbox.key },
        create: { key: mailbox.key, ...fields },
        update: { ...fields, ...(folderChanged ? { uidValidity: null, lastUid: 0n } : {}) },
      }),
    );
  }
  return rows;
}
