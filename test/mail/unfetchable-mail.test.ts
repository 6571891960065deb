/**
 * A mail the IMAP server refuses to give (NO to the FETCH: Exchange's "could not be
 * converted", Dovecot's SERVERBUG for a damaged file) must not hold back the mails after
 * it. A real Dovecot cannot be made to refuse one mail on demand, so this talks to a small
 * stand-in for imapflow's client that answers like one with such a mail; the database is
 * a real SQLite file.
 */
import { Writable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { syncMailboxOnce } from '../../src/mail/sync-mailbox.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';

const UIDVALIDITY = 7n;
const BAD_UID = 3;
const mailOf = (uid: number) => Buffer.from(`From: c${uid}@example.jp\r\nSubject: mail ${uid}\r\nMessage-ID: <m${uid}@example.jp>\r\n\r\nbody\r\n`);

/** Five mails; asking for UID 3 (alone or among others) is answered NO, after the rows it could give. */
function serverWithABadMail() {
  const uids = [1, 2, 3, 4, 5];
  const client = {
    mailbox: { uidValidity: UIDVALIDITY, uidNext: 6, exists: uids.length },
    getMailboxLock: async () => ({ release: () => {} }),
    async *fetch(range: string, query: { source?: boolean }) {
      if (!query.source) {
        for (const uid of uids) yield { uid, size: mailOf(uid).length };
        return;
      }
      const asked = range.split(',').map(Number);
      for (const uid of asked) if (uid !== BAD_UID) yield { uid, source: mailOf(uid), internalDate: new Date() };
      if (asked.includes(BAD_UID)) throw Object.assign(new Error('Command failed'), { responseStatus: 'NO', responseText: 'The requested message could not be converted to an RFC-822 compatible format.' });
    },
  };
  return client as unknown as ImapFlow;
}

let database: MigratedDatabase;
let mailboxId: number;
beforeAll(async () => {
  database = await migratedDatabase('sqlite');
  mailboxId = (await database.db.mailbox.create({ data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT', uidValidity: UIDVALIDITY, lastUid: 0n } })).id;
});
afterAll(() => database?.drop());

it('stores the mails around one the server cannot give, and passes over that one after a few tries', async () => {
  const client = serverWithABadMail();
  const target = { mailboxId, folder: 'INBOX', backfillDays: 0 };
  const stored = async () => (await database.db.message.findMany({ where: { mailboxId }, orderBy: { imapUid: 'asc' }, select: { imapUid: true } })).map((row) => Number(row.imapUid));
  const pass = () => syncMailboxOnce(database.db, client, target, createLogger('silent'), () => {}).then(() => 'done', (error: Error) => error.message);

  // The mails before it are stored at once; it is tried again on the next passes...
  expect(await pass()).toBe('Command failed');
  expect(await stored()).toEqual([1, 2]);
  expect(await pass()).toBe('Command failed');
  // ...and then passed over, the mails after it stored, the cursor past them all.
  expect(await pass()).toBe('done');
  expect(await stored()).toEqual([1, 2, 4, 5]);
  expect((await database.db.mailbox.findUniqueOrThrow({ where: { id: mailboxId } })).lastUid).toBe(5n);
  expect(await pass()).toBe('done');
  expect(await stored()).toEqual([1, 2, 4, 5]);
});

it('asks again for a mail a batch answer left out, and passes over one the server no longer has', async () => {
  const id = (await database.db.mailbox.create({ data: { key: 'sales', address: 'sales@example.com', name: 'Sales', channelId: 'C0SALES', uidValidity: UIDVALIDITY, lastUid: 0n } })).id;
  // UID 2 is left out of batch answers but given alone; UID 4 is never given (expunged).
  const client = {
    mailbox: { uidValidity: UIDVALIDITY, uidNext: 6, exists: 5 },
    getMailboxLock: async () => ({ release: () => {} }),
    async *fetch(range: string, query: { source?: boolean }) {
      if (!query.source) {
        for (const uid of [1, 2, 3, 4, 5]) yield { uid, size: mailOf(uid).length };
        return;
      }
      const asked = range.split(',').map(Number);
      for (const uid of asked) {
        if (uid === 4 || (uid === 2 && asked.length > 1)) continue;
        yield { uid, source: mailOf(uid), internalDate: new Date() };
      }
    },
  } as unknown as ImapFlow;
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('warn', sink);
  await syncMailboxOnce(database.db, client, { mailboxId: id, folder: 'INBOX', backfillDays: 0 }, logger, () => {});
  const stored = (await database.db.message.findMany({ where: { mailboxId: id }, orderBy: { imapUid: 'asc' }, select: { imapUid: true } })).map((row) => Number(row.imapUid));
  expect(stored).toEqual([1, 2, 3, 5]);
  expect(lines.join('\n')).toMatch(/"code":"imap_mail_missing".*"uids":\["4"\]/);
});
