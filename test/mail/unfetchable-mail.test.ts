/**
 * A mail the sync cannot take (the server refuses it, leaves it out of an answer, or it
 * cannot be stored) must not hold back the mails after it, and must not be lost either:
 * it is remembered as a gap in the database and tried again until it is stored, the server
 * says it is gone, or it is given up on visibly. A real Dovecot cannot be made to refuse
 * one mail on demand, so this talks to a small stand-in for imapflow's client that
 * answers like a server with such a mail; the database is a real SQLite file.
 */
import { Writable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { syncMailboxOnce } from '../../src/services/ingest/sync-mailbox.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';

const UIDVALIDITY = 7n;
const mailOf = (uid: number) =>
  Buffer.from(`From: c${uid}@example.jp\r\nSubject: mail ${uid}\r\nMessage-ID: <m${uid}@example.jp>\r\n\r\nbody\r\n`);

interface StandIn {
  /** The UIDs in the folder (UID SEARCH answers from these). */
  uids: number[];
  /** Asking for it (alone or with others) is answered NO, after the rows it could give. */
  refused?: Set<number>;
  /** Left out of every answer, alone or not. */
  leftOut?: Set<number>;
  /** Left out of answers to several mails, given alone. */
  leftOutOfBatches?: Set<number>;
}

function server(folder: StandIn) {
  const client = {
    get mailbox() {
      return { uidValidity: UIDVALIDITY, uidNext: Math.max(0, ...folder.uids) + 1, exists: folder.uids.length };
    },
    getMailboxLock: async () => ({ release: () => {} }),
    // Every pass asks the server for news first; this folder's count is always current.
    noop: async () => {},
    async search(query: { uid: string }) {
      const asked = new Set(query.uid.split(',').map(Number));
      return folder.uids.filter((uid) => asked.has(uid));
    },
    async *fetch(range: string, query: { source?: boolean }) {
      const asked = range.includes(':')
        ? folder.uids.filter((uid) => uid >= Number(range.split(':')[0]))
        : range
            .split(',')
            .map(Number)
            .filter((uid) => folder.uids.includes(uid));
      if (!query.source) {
        for (const uid of asked) yield { uid, size: mailOf(uid).length };
        return;
      }
      for (const uid of asked) {
        if (
          folder.refused?.has(uid) ||
          folder.leftOut?.has(uid) ||
          (folder.leftOutOfBatches?.has(uid) && asked.length > 1)
        )
          continue;
        yield { uid, source: mailOf(uid), internalDate: new Date() };
      }
      if (asked.some((uid) => folder.refused?.has(uid)))
        throw Object.assign(new Error('Command failed'), {
          responseStatus: 'NO',
          responseText: 'The requested message could not be converted to an RFC-822 compatible format.',
        });
    },
  };
  return client as unknown as ImapFlow;
}

let database: MigratedDatabase;
beforeAll(async () => {
  database = await migratedDatabase('sqlite');
});
afterAll(() => database?.drop());

let boxes = 0;
async function mailbox() {
  boxes += 1;
  return (
    await database.db.mailbox.create({
      data: {
        key: `box${boxes}`,
        address: `box${boxes}@example.com`,
        name: 'Support',
        channelId: `C0BOX${boxes}`,
        uidValidity: UIDVALIDITY,
        lastUid: 0n,
      },
    })
  ).id;
}

function helpers(mailboxId: number, client: ImapFlow) {
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('warn', sink);
  return {
    lines,
    pass: () => syncMailboxOnce(database.db, client, { mailboxId, folder: 'INBOX', backfillDays: 0 }, logger, () => {}),
    stored: async () =>
      (
        await database.db.message.findMany({
          where: { mailboxId },
          orderBy: { imapUid: 'asc' },
          select: { imapUid: true },
        })
      ).map((row) => Number(row.imapUid)),
    cursor: async () => (await database.db.mailbox.findUniqueOrThrow({ where: { id: mailboxId } })).lastUid,
    gaps: () => database.db.mailGap.findMany({ where: { mailboxId }, orderBy: { uid: 'asc' } }),
    /** As if the gap's next try had come (minutes or hours later). */
    due: (extra: object = {}) =>
      database.db.mailGap.updateMany({
        where: { mailboxId },
        data: { nextTryAt: new Date(Date.now() - 1000), ...extra },
      }),
  };
}

it('stores the mails around one the server refuses, remembers that one durably, and tries it again until the server gives it', async () => {
  const mailboxId = await mailbox();
  const folder: StandIn = { uids: [1, 2, 3, 4, 5], refused: new Set([3]) };
  const sync = helpers(mailboxId, server(folder));

  expect(await sync.pass()).toMatchObject({ stored: 4, gaps: 1, givenUp: 0 });
  expect(await sync.stored()).toEqual([1, 2, 4, 5]);
  // The cursor passed it only because it is remembered, with the server's reason.
  expect(await sync.cursor()).toBe(5n);
  const [gap] = await sync.gaps();
  expect(gap).toMatchObject({ uid: 3n, attempts: 1, gaveUpAt: null });
  expect(gap!.reason).toMatch(/could not be converted/);
  expect(gap!.nextTryAt.getTime()).toBeGreaterThan(Date.now() + 30_000);

  // Not due yet: the next pass leaves it alone.
  await sync.pass();
  expect((await sync.gaps())[0]!.attempts).toBe(1);
  // Due and still refused: counted, and the next try is further off.
  await sync.due();
  await sync.pass();
  const again = (await sync.gaps())[0]!;
  expect(again.attempts).toBe(2);
  // Due, and the server gives it now: stored, and the gap is closed.
  folder.refused = new Set();
  await sync.due();
  expect(await sync.pass()).toMatchObject({ stored: 1 });
  expect(await sync.stored()).toEqual([1, 2, 3, 4, 5]);
  expect(await sync.gaps()).toEqual([]);
});

it('gives a refused mail up after a day of tries, with a post in the channel naming its UID and the reason', async () => {
  const mailboxId = await mailbox();
  const sync = helpers(mailboxId, server({ uids: [1, 2], refused: new Set([2]) }));
  await sync.pass();
  await sync.due({ attempts: 10 });
  expect(await sync.pass()).toMatchObject({ givenUp: 0 });
  await sync.due();
  expect(await sync.pass()).toMatchObject({ givenUp: 1 });
  const [gap] = await sync.gaps();
  expect(gap!.gaveUpAt).not.toBeNull();
  const [post] = await database.db.slackPost.findMany({ where: { mailboxId, kind: 'mail_given_up' } });
  expect(post!.channelId).toBe(`C0BOX${boxes}`);
  expect(JSON.parse(post!.payload)).toMatchObject({ stage: 'fetch', uid: '2', folder: 'INBOX', attempts: 12 });
  expect(sync.lines.join('\n')).toMatch(/"code":"imap_mail_given_up"/);
  // Given up: later passes leave it alone (until an admin runs npm run retry-mail).
  await sync.due();
  await sync.pass();
  expect((await sync.gaps())[0]!.attempts).toBe(12);
});

it('asks again for a mail a batch answer left out; one the server still has is a gap, one it no longer has is passed over', async () => {
  const mailboxId = await mailbox();
  const folder: StandIn = { uids: [1, 2, 3, 4, 5], leftOutOfBatches: new Set([2]), leftOut: new Set([4]) };
  const sync = helpers(mailboxId, server(folder));
  await sync.pass();
  expect(await sync.stored()).toEqual([1, 2, 3, 5]);
  expect((await sync.gaps()).map((gap) => [gap.uid, gap.reason])).toEqual([[4n, "left out of the server's answer"]]);
  // Deleted meanwhile: the server's UID SEARCH no longer lists it, so its gap is closed.
  folder.uids = [1, 2, 3, 5];
  await sync.due();
  await sync.pass();
  expect(await sync.gaps()).toEqual([]);
  expect(sync.lines.join('\n')).toMatch(/"code":"imap_mail_gone".*"uid":"4"/);
});

it('a mail the database will not store is a gap too; if even the gap cannot be written, the cursor stays before it', async () => {
  const mailboxId = await mailbox();
  const sync = helpers(mailboxId, server({ uids: [1, 2, 3] }));
  const refuse = (table: string, when: string) =>
    database.db.$executeRawUnsafe(
      `CREATE TRIGGER "refuse_${table}" BEFORE INSERT ON "${table}" WHEN ${when} BEGIN SELECT RAISE(ABORT, 'disk full (a test trigger)'); END`,
    );
  await refuse('Message', `NEW."messageId" = 'm2@example.jp' AND NEW."mailboxId" = ${mailboxId}`);
  await refuse('MailGap', `NEW."mailboxId" = ${mailboxId}`);
  // Neither the mail nor its gap can be written: the pass fails with the cursor before mail 2.
  await expect(sync.pass()).rejects.toThrow();
  expect(await sync.stored()).toEqual([1]);
  expect(await sync.cursor()).toBe(1n);
  // The gap can be written: mail 3 goes on, mail 2 is remembered.
  await database.db.$executeRawUnsafe('DROP TRIGGER "refuse_MailGap"');
  expect(await sync.pass()).toMatchObject({ stored: 1, gaps: 1 });
  expect(await sync.stored()).toEqual([1, 3]);
  expect((await sync.gaps()).map((gap) => [gap.uid, gap.reason])).toEqual([
    [2n, expect.stringMatching(/^not stored: .*disk full/)],
  ]);
  // The database takes it again: the next due try stores it.
  await database.db.$executeRawUnsafe('DROP TRIGGER "refuse_Message"');
  await sync.due();
  await sync.pass();
  expect(await sync.stored()).toEqual([1, 2, 3]);
  expect(await sync.gaps()).toEqual([]);
});
