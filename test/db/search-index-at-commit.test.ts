/**
 * On SQLite a transaction of the driver (the mail ingest's commits) only notes the search
 * documents of everything it changed (migration 20261205120000_search_docs_batched); they are
 * written into the index later, many at a time (db/search-index.ts), and a search writes
 * what is still pending before it looks: the mails of a batch are all found afterwards, a
 * rolled-back transaction leaves nothing behind, and every other writer (Prisma: comments,
 * edits) still indexes at once.
 */
import { Writable } from 'node:stream';
import { beforeAll, expect, it, vi } from 'vitest';
import { sqlRunnerOf, type Db } from '../../src/db/client.js';
import { claimWaitingMessage, insertTicket, type MessageFields } from '../../src/db/queries/ingest-commit.js';
import { searchTickets } from '../../src/db/queries/search-tickets.js';
import { indexPendingSearchDocs } from '../../src/db/search-index.js';
import { sql, type SqlScript } from '../../src/db/sql-script.js';
import { parseSearchQuery } from '../../src/domain/search-query.js';
import { useScratchSqlite } from '../support/scratch-sqlite.js';
import { createLogger } from '../../src/logging/logger.js';
import { IngestQueue, type QueueOutcome } from '../../src/services/ingest/ingest-queue.js';
import { storeRawMail } from '../../src/services/ingest/store-raw-mail.js';

const world = useScratchSqlite();
let db: Db;
let mailboxId: number;
let number = 0;
const CHANNEL = 'C0SUPPORT';

beforeAll(async () => {
  db = world.db;
  mailboxId = (
    await db.mailbox.create({
      // The ingest's own numbers start past the ones openTicket below gives.
      data: {
        key: 'support',
        address: 'support@example.com',
        name: 'Support',
        channelId: CHANNEL,
        nextTicketNumber: 10_000,
      },
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

/** Rows of the FTS5 index itself (what a MATCH can find), not of the documents table. */
async function inFtsIndex(word: string): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ n: bigint | number }[]>(
    'SELECT count(*) AS "n" FROM "search_docs_fts" WHERE "search_docs_fts" MATCH ?',
    `"${word}"`,
  );
  return Number(row!.n);
}

it('finds every mail of a batch committed in one transaction, indexed after it in one go', async () => {
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
  // Nothing was indexed while the mails were written, nor by their commit: it is all pending
  // (each ticket's subject and its mail).
  expect(seenMidway).toEqual([0, 0, 0, 0]);
  expect(await inFtsIndex('aardvark')).toBe(0);
  expect(await leftOver()).toEqual({ pending: 2 * words.length, deferral: 0 });
  // A search writes what is pending first, so it finds every mail of the batch.
  for (const [index, word] of words.entries()) expect(await found(word)).toEqual([tickets[index]]);
  expect(await found('question')).toHaveLength(words.length);
  expect(await inFtsIndex('aardvark')).toBe(1);
  expect(await leftOver()).toEqual({ pending: 0, deferral: 0 });
});

it('writes the pending documents a chunk at a time, saying how many are left', async () => {
  const mails = await Promise.all([1, 2, 3].map(() => storedMail()));
  await sqlRunnerOf(db).transaction(function* () {
    for (const [index, mail] of mails.entries())
      yield* openTicket(mail, `Chunked ${index}`, 'The mail mentions kangaroo.');
  });
  expect(await leftOver()).toEqual({ pending: 6, deferral: 0 });
  expect(await indexPendingSearchDocs(db, 4)).toBe(2);
  expect(await indexPendingSearchDocs(db, 4)).toBe(0);
  expect(await indexPendingSearchDocs(db, 4)).toBe(0);
  expect(await inFtsIndex('kangaroo')).toBe(3);
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

/** The bot's ingest queue over this file's mailbox, kicked; what it did, mail by mail. */
function startQueue(logger = createLogger('silent')): { queue: IngestQueue; outcomes: QueueOutcome[] } {
  const outcomes: QueueOutcome[] = [];
  const queue = new IngestQueue(
    {
      db,
      parser: world.pool,
      logger: createLogger('silent'),
      ownAddresses: ['support@example.com'],
      mailboxIds: [mailboxId],
    },
    (outcome) => outcomes.push(outcome),
    logger,
  );
  queue.kick();
  return { queue, outcomes };
}

it('is brought up to date by the ingest queue once it has no mail left, without a search asking', async () => {
  const words = ['wombat', 'platypus', 'echidna'];
  for (const [index, word] of words.entries())
    await storeRawMail(db, {
      mailboxId,
      raw: Buffer.from(
        `From: fan${index}@example.org\r\nTo: support@example.com\r\nSubject: About the ${word}\r\nMessage-ID: <queue-index-${index}@example.org>\r\n\r\nHave you seen a ${word}?\r\n`,
      ),
    });
  // (With the mail an earlier test stored and never committed.)
  const waiting = await db.message.count({ where: { parseState: 'stored' } });
  const { queue, outcomes } = startQueue();
  await vi.waitFor(() => expect(outcomes).toHaveLength(waiting), { timeout: 10_000 });
  // The queue writes the index after its round (nothing searched meanwhile).
  await vi.waitFor(async () => expect(await leftOver()).toEqual({ pending: 0, deferral: 0 }), { timeout: 10_000 });
  await queue.stop();
  for (const word of words) expect(await inFtsIndex(word)).toBe(2);
});

it('goes on taking mail when the search index cannot be written, the documents kept for later', async () => {
  // The index broken: writing a document into it fails from now on.
  await db.$executeRawUnsafe(
    `CREATE TRIGGER "test_index_broken" BEFORE INSERT ON "search_docs" BEGIN SELECT RAISE(ABORT, 'index broken'); END`,
  );
  try {
    await storeRawMail(db, {
      mailboxId,
      raw: Buffer.from(
        'From: fan@example.org\r\nTo: support@example.com\r\nSubject: About the quokka\r\nMessage-ID: <queue-broken-index@example.org>\r\n\r\nA quokka smiled.\r\n',
      ),
    });
    const logged: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logged.push(String(JSON.parse(chunk.toString()).code));
        done();
      },
    });
    const { queue, outcomes } = startQueue(createLogger('warn', sink));
    await vi.waitFor(() => expect(outcomes.map((outcome) => outcome.kind)).toEqual(['new_ticket']), {
      timeout: 10_000,
    });
    await vi.waitFor(() => expect(logged).toContain('search_index_failed'), { timeout: 10_000 });
    await queue.stop();
    // Said as what it is, and the queue went on (its round was not stopped as a failure).
    expect(logged).not.toContain('mail_ingest_stalled');
    // The ticket is there; its documents wait to be indexed.
    expect(await db.ticket.count({ where: { subject: 'About the quokka' } })).toBe(1);
    expect((await leftOver()).pending).toBe(2);
  } finally {
    await db.$executeRawUnsafe('DROP TRIGGER "test_index_broken"');
  }
  // Once the index is back, the next writer indexes them.
  await indexPendingSearchDocs(db);
  expect(await inFtsIndex('quokka')).toBe(2);
});
