/**
 * A copy of each sent reply goes into the mailbox's Sent folder, so the mailbox stays
 * complete for people who read it outside Slack. The folder is the configured one, else
 * the one the server marks \Sent (RFC 6154), else `Sent`, created if missing.
 */
import type { TImapConfig } from '../config/config-schema.js';
import { connectImapOnce } from './imap-connection.js';

export async function appendToSent(imap: TImapConfig, raw: Buffer, sentAt: Date): Promise<string> {
  const client = await connectImapOnce(imap);
  try {
    let folder = imap.sentFolder;
    if (!folder) {
      const folders = await client.list();
      folder = folders.find((entry) => entry.specialUse === '\\Sent')?.path ?? 'Sent';
      if (!folders.some((entry) => entry.path === folder)) await client.mailboxCreate(folder);
    }
    await client.append(folder, raw, ['\\Seen'], sentAt);
    return folder;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
