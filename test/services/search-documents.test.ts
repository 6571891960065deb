/**
 * The search index holds one row per document (a ticket's subject, a mail, a live comment)
 * on both databases: a mail added to a ticket writes its own row and leaves the others
 * alone, however many the ticket holds; and moving a mail, editing or deleting a comment,
 * renaming or deleting a ticket keep the answers right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDbClient, createDbClient, type Db } from '../../src/db/client.js';
import { applyMigrations, readMigrationList } from '../../src/db/migrations.js';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { parseSearchQuery } from '../../src/domain/search-query.js';
import {
  searchSnippets,
  searchTickets,
  shortWordCandidates,
  type SearchScope,
} from '../../src/db/queries/search-tickets.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';
import { describeWithPostgres } from '../support/services.js';

const MIGRATION = '20261205035000_search_documents';

function documentsOn(provider: DatabaseProvider, adminUrl?: string) {
  let database: MigratedDatabase;
  let db: Db;
  let mailboxId: number;
  const scope: SearchScope = { channelIds: ['C0SUPPORT'], mailboxIds: [] };
  let number = 0;

  beforeAll(async () => {
    database = await migratedDatabase(provider, adminUrl);
    db = database.db;
    mailboxId = (
      await db.mailbox.create({
        data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
      })
    ).id;
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  async function ticket(subject: string): Promise<number> {
    number += 1;
    const row = await db.ticket.create({
      data: {
        mailboxId,
        number,
        subject,
        slackChannelId: 'C0SUPPORT',
        slackTs: `1700000000.${String(number).padStart(6, '0')}`,
        lastMessageAt: new Date(Date.UTC(2026, 10, 1, 9, number)),
      },
    });
    return row.id;
  }

  let mails = 0;
  async function mail(ticketId: number | null, text: string) {
    mails += 1;
    return db.message.create({
      data: {
        mailboxId,
        ticketId,
        direction: 'in',
        parseState: 'parsed',
        dedupeKey: `m${mails}`,
        raw: Buffer.from('x'),
        contentHash: `h${mails}`,
        size: 1,
        subject: 'Re: question',
        text,
      },
    });
  }

  let comments = 0;
  async function comment(ticketId: number, text: string) {
    comments += 1;
    return db.comment.create({
      data: {
        ticketId,
        authorId: 'U0AGENT',
        text,
        channelId: 'C0SUPPORT',
        slackTs: `1700000100.${String(comments).padStart(6, '0')}`,
      },
    });
  }

  async function found(text: string): Promise<number[]> {
    const parsed = parseSearchQuery(text, 'U0ME');
    if (!('query' in parsed)) throw new Error(text);
    return (await searchTickets(db, parsed.query, scope)).hits.map((hit) => hit.id);
  }

  async function indexRows(ticketId: number): Promise<number> {
    const [row] = await db.$queryRawUnsafe<{ rows: number | bigint }[]>(
      `SELECT count(*) AS "rows" FROM "search_docs" WHERE "ticket_id" = ${ticketId}`,
    );
    return Number(row!.rows);
  }

  /** The index tables of the provider: on PostgreSQL each document has its grams' row too. */
  const INDEX_TABLES = provider === 'sqlite' ? ['search_docs'] : ['search_docs', 'search_grams'];

  /** Counts every row written to the index tables (inserted, updated or deleted), from now on. */
  async function countIndexWrites(): Promise<() => Promise<number>> {
    await db.$executeRawUnsafe('CREATE TABLE "index_writes" ("n" INTEGER NOT NULL)');
    await db.$executeRawUnsafe('INSERT INTO "index_writes" VALUES (0)');
    if (provider === 'postgresql') {
      await db.$executeRawUnsafe(
        'CREATE FUNCTION "count_index_write"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE "index_writes" SET "n" = "n" + 1; RETURN NULL; END $$',
      );
    }
    for (const table of INDEX_TABLES) {
      for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
        await db.$executeRawUnsafe(
          provider === 'sqlite'
            ? `CREATE TRIGGER "count_${table}_${event}" AFTER ${event} ON "${table}" BEGIN UPDATE "index_writes" SET "n" = "n" + 1; END`
            : `CREATE TRIGGER "count_${table}_${event}" AFTER ${event} ON "${table}" FOR EACH ROW EXECUTE FUNCTION "count_index_write"()`,
        );
      }
    }
    return async () =>
      Number((await db.$queryRawUnsafe<{ n: number | bigint }[]>('SELECT "n" FROM "index_writes"'))[0]!.n);
  }

  it(`${provider}: a mail added to a ticket writes its own index rows and no other, however many the ticket holds`, async () => {
    const writes = await countIndexWrites();
    const id = await ticket('Flood of mails');
    await mail(id, 'The first mail mentions aardvark and 鯉');
    await comment(id, 'an agent note');
    const written: number[] = [];
    for (let i = 2; i <= 40; i += 1) {
      const before = await writes();
      await mail(id, i === 40 ? 'The last mail mentions zebra and 鮒' : `follow-up ${i} `.repeat(100));
      written.push((await writes()) - before);
    }
    // The 2nd mail and the 40th each write one row per index table: the mail's own.
    expect(written).toEqual(written.map(() => INDEX_TABLES.length));
    // One row per document: the ticket's subject, 40 mails, the comment.
    expect(await indexRows(id)).toBe(1 + 40 + 1);
    expect(await found('aardvark')).toEqual([id]);
    expect(await found('zebra')).toEqual([id]);
    expect(await found('鯉')).toEqual([id]);
    expect(await found('鮒')).toEqual([id]);
    // Every word somewhere in the ticket, not necessarily in one mail.
    expect(await found('aardvark zebra 鯉 鮒 note')).toEqual([id]);
    expect(await shortWordCandidates(db, { terms: ['鯉', '鮒'] })).toEqual([id]);
  });

  it(`${provider}: a mail moved to another ticket is found there, and no longer in the first`, async () => {
    const from = await ticket('Wrong thread');
    const to = await ticket('Right thread');
    const moved = await mail(from, 'Parcel lost, tracking 鰤');
    expect(await found('parcel')).toEqual([from]);
    expect(await found('鰤')).toEqual([from]);
    await db.message.update({ where: { id: moved.id }, data: { ticketId: to } });
    expect(await found('parcel')).toEqual([to]);
    expect(await found('鰤')).toEqual([to]);
    expect(await shortWordCandidates(db, { terms: ['鰤'] })).toEqual([to]);
    expect((await searchSnippets(db, [from, to], ['parcel'])).get(to)).toBe('Re: question Parcel lost, tracking 鰤');
    // A stored mail gets its ticket later, as ingest does it: indexed then.
    const stored = await mail(null, 'Stored before threading 鱒');
    expect(await found('鱒')).toEqual([]);
    await db.message.update({ where: { id: stored.id }, data: { ticketId: from } });
    expect(await found('鱒')).toEqual([from]);
  });

  it(`${provider}: an edited or deleted comment is found by what it says now`, async () => {
    const id = await ticket('Comments');
    await mail(id, 'customer text');
    const note = await comment(id, 'Warehouse says 鯵 tomorrow');
    expect(await found('warehouse in:comments')).toEqual([id]);
    expect(await found('鯵 in:comments')).toEqual([id]);
    await db.comment.update({ where: { id: note.id }, data: { text: 'Courier says 鰺 today', editedAt: new Date() } });
    expect(await found('warehouse')).toEqual([]);
    expect(await found('鯵')).toEqual([]);
    expect(await found('courier in:comments')).toEqual([id]);
    await db.comment.update({ where: { id: note.id }, data: { deletedAt: new Date() } });
    expect(await found('courier')).toEqual([]);
    expect(await found('鰺')).toEqual([]);
    expect(await shortWordCandidates(db, { terms: ['鰺'] })).toEqual([]);
    expect(await found('customer')).toEqual([id]);
  });

  it(`${provider}: a ticket's subject is indexed as it changes, and a deleted ticket leaves nothing`, async () => {
    const id = await ticket('Original subject 鱚');
    expect(await found('original')).toEqual([id]);
    await db.ticket.update({ where: { id }, data: { subject: 'Renamed subject 鰈' } });
    expect(await found('original')).toEqual([]);
    expect(await found('鱚')).toEqual([]);
    expect(await found('renamed')).toEqual([id]);
    expect(await found('鰈')).toEqual([id]);
    const orphan = await mail(id, 'Mail of a ticket deleted later');
    await db.ticket.delete({ where: { id } });
    expect(await indexRows(id)).toBe(0);
    expect((await db.message.findUniqueOrThrow({ where: { id: orphan.id } })).ticketId).toBeNull();
    expect(await found('deleted later')).toEqual([]);
  });

  it(`${provider}: a snippet comes from the first mail holding a word, as written, else from a comment`, async () => {
    const id = await ticket('Snippets');
    await mail(id, 'Nothing here');
    await mail(id, 'Please REFUND my order, it broke.');
    await mail(id, 'Another refund question');
    await comment(id, 'Refund approved by billing');
    const other = await ticket('Only a comment');
    await mail(other, 'Nothing here');
    await comment(other, 'Checked: a REFUND is due');
    const snippets = await searchSnippets(db, [id, other], ['refund']);
    expect(snippets.get(id)).toBe('Re: question Please REFUND my order, it broke.');
    expect(snippets.get(other)).toBe('Checked: a REFUND is due');
    expect((await searchSnippets(db, [id], ['refund'], true)).get(id)).toBe('Refund approved by billing');
  });

  it(`${provider}: the migration indexes the tickets, mails and comments already there`, async () => {
    const scratch = await createScratchDatabase(provider, adminUrl);
    const history = readMigrationList(provider);
    await applyMigrations(scratch.target, {
      ...history,
      migrationDirectories: history.migrationDirectories.filter((dir) => dir.path < MIGRATION),
    });
    const old = createDbClient(scratch.target);
    try {
      // Only the columns the old schema has, written and read back: later migrations add others.
      const box = await old.mailbox.create({
        data: { key: 'old', address: 'old@example.com', name: 'Old', channelId: 'C0SUPPORT' },
        select: { id: true },
      });
      const made = await old.ticket.create({
        data: { mailboxId: box.id, number: 1, subject: 'Before the upgrade', slackChannelId: 'C0SUPPORT' },
        select: { id: true },
      });
      const base = {
        mailboxId: box.id,
        direction: 'in',
        parseState: 'parsed',
        raw: Buffer.from('x'),
        size: 1,
        subject: 'Re: before',
      };
      await old.message.create({
        data: { ...base, ticketId: made.id, dedupeKey: 'a', contentHash: 'a', text: 'An invoice for 鰹' },
        select: { id: true },
      });
      await old.message.create({
        data: { ...base, ticketId: null, dedupeKey: 'b', contentHash: 'b', text: 'Not threaded: quokka' },
        select: { id: true },
      });
      await old.comment.create({
        data: { ticketId: made.id, authorId: 'U0AGENT', text: 'Agent says 鮎', channelId: 'C0SUPPORT', slackTs: '1.1' },
        select: { id: true },
      });
      await old.comment.create({
        data: {
          ticketId: made.id,
          authorId: 'U0AGENT',
          text: 'Deleted wombat',
          channelId: 'C0SUPPORT',
          slackTs: '1.2',
          deletedAt: new Date(),
        },
        select: { id: true },
      });
    } finally {
      await closeDbClient(old);
    }
    expect(
      await applyMigrations(scratch.target, {
        ...history,
        migrationDirectories: history.migrationDirectories.filter((dir) => dir.path <= MIGRATION),
      }),
    ).toEqual([MIGRATION]);
    // And the migrations after it, for today's client.
    await applyMigrations(scratch.target);
    const upgraded = createDbClient(scratch.target);
    try {
      const search = async (text: string) => {
        const parsed = parseSearchQuery(text, 'U0ME');
        if (!('query' in parsed)) throw new Error(text);
        return (await searchTickets(upgraded, parsed.query, scope)).hits.map((hit) => hit.number);
      };
      expect(await search('upgrade invoice')).toEqual([1]);
      expect(await search('鰹 鮎')).toEqual([1]);
      expect(await search('鮎 in:comments')).toEqual([1]);
      expect(await search('quokka')).toEqual([]);
      expect(await search('wombat')).toEqual([]);
      expect(await shortWordCandidates(upgraded, { terms: ['鰹'] })).toHaveLength(1);
    } finally {
      await closeDbClient(upgraded);
      await scratch.drop();
    }
  });
}

describe('SQLite', () => documentsOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => documentsOn('postgresql', adminUrl));
