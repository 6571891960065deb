/**
 * On SQLite a transaction of the driver (the mail ingest's commits) writes the search
 * documents of everything it changed once, at its end (migration
 * 20261205120000_search_docs_batched): the mails of a batch are all found afterwards, a
 * rolled-back transaction leaves nothing behind, and every other writer (Prisma: comments,
 * edits) still indexes at once.
 */
import { beforeAll, expect, it } from 'vitest';
import { sqlRunnerOf, type Db } from '../../src/db/client.js';
import { claimWaitingMessage, insertTicket, type MessageFields } from '../../src/db/queries/ingest-commit.js';
import { searchTickets } from '../../src/db/queries/search-tickets.js';
import { sql, type SqlScript } from '../../src/db/sql-script.js';
import { parseSearchQuery } from '../../src/domain/search-query.js';
import { useScratchSqlite } from '../support/scratch-sqlite.js';

const world = useScratchSqlite();
let db: Db;
let mailboxId: number;
let number = 0;
const CHANNEL = 'C0SUPPORT';

beforeAll(async () => {
  db = world.db;
  mailboxId = (
    await db.mailbox.create({
      data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: CHANNEL },
    })
  ).id;
});

async function storedMail(): Promise<number> {
  number += 1;
  const row = await db.message.create({
    data: {
      mailboxId,
      direction: 'in',
      dedupeKey: `m${number}`,
      raw: Buffer.from('x'),
      contentHash: `h${number}`,
      size: 1,
    },
  });
  return row.id;
}

function fields(subject: string, text: string): MessageFields {
  return {
    parseState: 'parsed',
    parseError: null,
    messageId: null,
    inReplyTo: null,
    references: '[]',
    fromAddress: 'customer@example.org',
    fromName: null,
    replyTo: null,
    toAddresses: '[]',
    ccAddresses: '[]',
    subject,
    text,
    html: null,
    flags: '{}',
    sentAt: null,
  };
}

/** Opens a ticket for a stored mail, as the ingest's commit does. */
function* openTicket(messageRowId: number, subject: string, text: string): SqlScript<number> {
  number += 1;
  const now = new Date();
  const ticketId = yield* insertTicket({
    mailboxId,
    number,
    subject,
    customerId: null,
    status: 'open',
    urgency: 'normal',
    assigneeId: null,
    claimedAt: null,
    junk: false,
    tags: '[]',
    slackChannelId: CHANNEL,
    createdAt: now,
    updatedAt: now,
    lastMessageAt: now,
    closedAt: null,
  });
  yield* claimWaitingMessage(messageRowId, ticketId, fields(subject, text));
  return ticketId;
}

function* indexedDocuments(): SqlScript<number> {
  const [row] = yield sql`SELECT count(*) AS "n" FROM "search_docs"`;
  return Number(row!.n);
}

async function found(text: string): Promise<number[]> {
  const parsed = parseSearchQuery(text, 'U0ME');
  if (!('query' in parsed)) throw new Error(text);
  return (await searchTickets(db, parsed.query, { channelIds: [CHANNEL], mailboxIds: [] })).hits.map((hit) => hit.id);
}

async function leftOver(): Promise<{ pending: number; deferral: number }> {
  const [row] = await db.$queryRawUnsafe<{ pending: bigint | number; deferral: bigint | number }[]>(
    'SELECT (SELECT count(*) FROM "search_docs_pending") AS "pending", (SELECT count(*) FROM "search_docs_deferral") AS "deferral"',
  );
  return { pending: Number(row!.pending), deferral: Number(row!.deferral) };
}

it('finds every mail of a batch committed in one transaction, written to the index at its end', async () => {
  const words = ['aardvark', 'butterfly', 'chameleon', '請求書の再発行'];
  const mails = await Promise.all(words.map(() => storedMail()));
  const seenMidway: number[] = [];
  const tickets = await sqlRunnerOf(db).transaction(function* () {
    const before = yield* indexedDocuments();
    const ids: number[] = [];
    for (const [index, word] of words.entries()) {
      ids.push(yield* openTicket(mails[index]!, `Question ${index}`, `The mail mentions ${word} here.`));
      seenMidway.push((yield* indexedDocuments()) - before);
    }
    return ids;
  });
  // Nothing was indexed while the mails were written: all of it at the end.
  expect(seenMidway).toEqual([0, 0, 0, 0]);
  for (const [index, word] of words.entries()) expect(await found(word)).toEqual([tickets[index]]);
  expect(await found('question')).toHaveLength(words.length);
  expect(await leftOver()).toEqual({ pending: 0, deferral: 0 });
});

it('leaves nothing behind when the transaction fails, and other writers still index at once', async () => {
  const mail = await storedMail();
  await expect(
    sqlRunnerOf(db).transaction(function* () {
      yield* openTicket(mail, 'Doomed', 'The mail mentions dodo here.');
      throw new Error('the commit failed');
    }),
  ).rejects.toThrow('the commit failed');
  expect(await found('dodo')).toEqual([]);
  expect(await leftOver()).toEqual({ pending: 0, deferral: 0 });

  // A comment written through Prisma afterwards is found at once (no deferral left on).
  const ticketId = (await found('aardvark'))[0]!;
  await db.comment.create({
    data: { ticketId, authorId: 'U0AGENT', text: 'agent note about zeppelin', channelId: CHANNEL, slackTs: '1.000001' },
  });
  expect(await found('zeppelin')).toEqual([ticketId]);
});
