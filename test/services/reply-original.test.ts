/**
 * What a reply answers: the customer's latest mail on the ticket, not a bounce or an
 * out-of-office that came back about our previous reply (nor our own mail).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { latestInbound } from '../../src/services/replies/open-reply.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';

let database: MigratedDatabase;
let db: Db;
beforeAll(async () => {
  database = await migratedDatabase('sqlite');
  db = database.db;
});
afterAll(() => database?.drop());

it('passes over bounces, automatic replies and our own mail', async () => {
  const mailbox = await db.mailbox.create({
    data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
  });
  const ticket = await db.ticket.create({ data: { mailboxId: mailbox.id, number: 1, subject: '返品について' } });
  let n = 0;
  const mail = (fromAddress: string, subject: string, flags: object = {}) =>
    db.message.create({
      data: {
        mailboxId: mailbox.id,
        ticketId: ticket.id,
        direction: 'in',
        parseState: 'parsed',
        dedupeKey: `m${++n}`,
        raw: Buffer.from('x'),
        contentHash: `h${n}`,
        size: 1,
        fromAddress,
        subject,
        flags: JSON.stringify(flags),
      },
    });
  await mail('taro@example.jp', '返品について');
  expect((await latestInbound(db, ticket.id))?.fromAddress).toBe('taro@example.jp');
  await mail('taro@example.jp', 'Re: 返品について（追記）');
  await mail('mailer-daemon@example.jp', 'Undelivered Mail Returned to Sender', { bounce: true });
  await mail('taro@example.jp', '自動応答: 不在です', { autoReply: true });
  await mail('support@example.com', 'Re: 返品について', { fromSelf: true });
  expect((await latestInbound(db, ticket.id))?.subject).toBe('Re: 返品について（追記）');
});
