/**
 * `/mail search` on both databases: every filter, Japanese words of one, two and three
 * characters, English words, comments, access by channel, paging — and the same answers
 * from SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { parseSearchQuery, type SearchQuery } from '../../src/domain/search-query.js';
import {
  searchSnippets,
  searchTickets,
  shortWordCandidates,
  type SearchScope,
} from '../../src/db/queries/search-tickets.js';
import { LEGACY_TAGS_DONE, normalizeLegacyTags } from '../../src/services/tickets/legacy-tags.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';
import { describeWithPostgres } from '../support/services.js';

const ME = 'U0ME';
const answers: Record<string, Record<DatabaseProvider, number[]>> = {};

function q(text: string): SearchQuery {
  const parsed = parseSearchQuery(text, ME);
  if (!('query' in parsed)) throw new Error(`bad query ${text}: ${JSON.stringify(parsed.problem)}`);
  return parsed.query;
}

function searchOn(provider: DatabaseProvider, adminUrl?: string) {
  let database: MigratedDatabase;
  let db: Db;
  let scope: SearchScope;
  const n: Record<string, number> = {};
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    database = await migratedDatabase(provider, adminUrl);
    db = database.db;
    const support = await db.mailbox.create({
      data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
    });
    const sales = await db.mailbox.create({
      data: { key: 'sales', address: 'sales@example.com', name: 'Sales', channelId: 'C0SALES' },
    });
    scope = { channelIds: ['C0SUPPORT'], mailboxIds: [support.id] };
    let number = 0;
    let minute = 0;
    async function ticket(
      name: string,
      data: {
        subject: string;
        text?: string;
        from?: string;
        to?: string;
        status?: string;
        urgency?: string;
        assigneeId?: string;
        createdAt?: string;
        comment?: string;
        attachment?: boolean;
        mailboxId?: number;
        channel?: string;
        junk?: boolean;
        tags?: string[];
      },
    ) {
      number += 1;
      minute += 1;
      const at = new Date(Date.UTC(2026, 10, 1, 9, minute));
      const created = data.createdAt ? new Date(`${data.createdAt}T12:00:00Z`) : at;
      const row = await db.ticket.create({
        data: {
          mailboxId: data.mailboxId ?? support.id,
          number,
          subject: data.subject,
          status: data.status ?? 'open',
          urgency: data.urgency ?? 'normal',
          assigneeId: data.assigneeId ?? null,
          junk: data.junk ?? false,
          tags: JSON.stringify(data.tags ?? []),
          slackChannelId: data.channel ?? 'C0SUPPORT',
          slackTs: `1700000000.${String(number).padStart(6, '0')}`,
          createdAt: created,
          lastMessageAt: at,
        },
      });
      const message = await db.message.create({
        data: {
          mailboxId: row.mailboxId,
          ticketId: row.id,
          direction: 'in',
          parseState: 'parsed',
          dedupeKey: `m${number}`,
          raw: Buffer.from('x'),
          contentHash: `h${number}`,
          size: 1,
          fromAddress: data.from ?? 'customer@example.net',
          toAddresses: JSON.stringify([{ name: '', address: data.to ?? 'support@example.com' }]),
          subject: data.subject,
          text: data.text ?? '',
          ...(data.attachment
            ? { attachments: { create: { filename: 'invoice.pdf', contentType: 'application/pdf', size: 10 } } }
            : {}),
        },
      });
      if (data.comment)
        await db.comment.create({
          data: {
            ticketId: row.id,
            authorId: 'U0AGENT',
            text: data.comment,
            channelId: 'C0SUPPORT',
            slackTs: `1700000100.${String(number).padStart(6, '0')}`,
          },
        });
      n[name] = row.number;
      ids[name] = row.id;
      return message;
    }
    // Rare characters only this ticket has, the last ones of its mail and of its comment.
    await ticket('rare', { subject: 'Misc', text: '末尾の字は鰻', comment: '最後は鯖缶' });
    await ticket('return', {
      subject: '返品について',
      text: '先週購入した商品を返品したいです。',
      from: 'tanaka@example.jp',
      tags: ['vip', 'billing'],
    });
    await ticket('urgent', {
      subject: '至急：請求書の再発行',
      text: '請求書を至急お願いします。',
      urgency: 'urgent',
      attachment: true,
      from: 'suzuki@corp.example',
      tags: ['vip'],
    });
    await ticket('english', {
      subject: 'Refund request',
      text: 'Please REFUND my order #123.',
      from: 'john@example.org',
      status: 'in_progress',
      assigneeId: ME,
      // LIKE's own characters and JSON's quotes mean nothing to tag:.
      tags: ['key account', '50%_off', 'say "hi"'],
    });
    await ticket('comment', {
      subject: 'Delivery date',
      text: 'When will it arrive?',
      comment: '倉庫に確認中、返答待ち',
      assigneeId: 'U0OTHER',
      createdAt: '2026-10-15',
    });
    await ticket('old', {
      subject: 'Old question',
      text: 'about an invoice',
      createdAt: '2026-09-01',
      status: 'done',
      to: 'billing@example.com',
      tags: ['vipx', 'vi'],
    });
    await ticket('critical', {
      subject: '大至急 サーバー停止',
      text: 'ログインできません',
      urgency: 'critical',
      tags: ['"vip"', '50%off'],
    });
    await ticket('sales', {
      subject: '返品の相談',
      text: 'sales mailbox',
      mailboxId: sales.id,
      channel: 'C0SALES',
      tags: ['vip'],
    });
    await ticket('junk', { subject: '返品 spam', text: 'junk', junk: true, tags: ['vip'] });
    // A second mail in a ticket and an edited, then a deleted comment reach the index too.
    const late = await ticket('late', { subject: 'Question', text: 'first mail' });
    await db.message.create({
      data: {
        mailboxId: late.mailboxId,
        ticketId: late.ticketId,
        direction: 'in',
        parseState: 'parsed',
        dedupeKey: 'late2',
        raw: Buffer.from('x'),
        contentHash: 'late2',
        size: 1,
        subject: 'Re: Question',
        text: '追伸：交換でも構いません',
      },
    });
    const gone = await db.comment.create({
      data: {
        ticketId: late.ticketId!,
        authorId: 'U0AGENT',
        text: 'secret-draft-note',
        channelId: 'C0SUPPORT',
        slackTs: '1700000200.000001',
      },
    });
    await db.comment.update({ where: { id: gone.id }, data: { deletedAt: new Date() } });
    const goneShort = await db.comment.create({
      data: {
        ticketId: late.ticketId!,
        authorId: 'U0AGENT',
        text: '鮪の件',
        channelId: 'C0SUPPORT',
        slackTs: '1700000200.000002',
      },
    });
    await db.comment.update({ where: { id: goneShort.id }, data: { deletedAt: new Date() } });
    const edited = await db.comment.create({
      data: {
        ticketId: late.ticketId!,
        authorId: 'U0AGENT',
        text: '鱈の件',
        channelId: 'C0SUPPORT',
        slackTs: '1700000200.000003',
      },
    });
    await db.comment.update({ where: { id: edited.id }, data: { text: '鮭の件', editedAt: new Date() } });
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  async function numbers(text: string, name: string): Promise<number[]> {
    const page = await searchTickets(db, q(text), scope);
    const found = page.hits.map((hit) => hit.number);
    (answers[name] ??= {} as Record<DatabaseProvider, number[]>)[provider] = found;
    return found;
  }

  it(`${provider}: Japanese words of one, two and three+ characters`, async () => {
    expect(await numbers('返', 'ja1')).toEqual([n.comment, n.return]);
    expect(await numbers('至急', 'ja2')).toEqual([n.critical, n.urgent]);
    expect(await numbers('返品', 'ja2b')).toEqual([n.return]);
    expect(await numbers('請求書', 'ja3')).toEqual([n.urgent]);
    expect(await numbers('交換でも', 'ja4')).toEqual([n.late]);
    expect(await numbers('大至急 停止', 'ja-and')).toEqual([n.critical]);
  });

  it(`${provider}: rare words of one and two characters, found from the index`, async () => {
    expect(await numbers('鰻', 'rare1-last')).toEqual([n.rare]);
    expect(await numbers('は鰻', 'rare2-last')).toEqual([n.rare]);
    expect(await numbers('鯖缶', 'rare2-comment')).toEqual([n.rare]);
    expect(await numbers('缶 in:comments', 'rare1-in-comments')).toEqual([n.rare]);
    expect(await numbers('鰻 in:comments', 'rare1-not-in-comments')).toEqual([]);
    expect(await numbers('鰻 鯖', 'rare-and')).toEqual([n.rare]);
    expect(await numbers('鰻 返', 'rare-and-none')).toEqual([]);
    expect(await numbers('鬱', 'rare1-none')).toEqual([]);
    expect(await numbers('鬱病', 'rare2-none')).toEqual([]);
    expect(await numbers('鰻 status:done', 'rare-filtered-out')).toEqual([]);
    // What the ids come from is the index row: a 1-character ASCII word, any case.
    expect(await numbers('Q', 'ascii1')).toEqual([n.late, n.old, n.english]);
  });

  it(`${provider}: rare short words in follow-up mails and edited or deleted comments`, async () => {
    expect(await numbers('追伸', 'rare2-follow-up')).toEqual([n.late]);
    expect(await numbers('追伸 in:comments', 'rare2-follow-up-not-comment')).toEqual([]);
    expect(await numbers('鮭 in:comments', 'rare1-edited-comment')).toEqual([n.late]);
    expect(await numbers('鱈', 'rare1-edited-away')).toEqual([]);
    expect(await numbers('鮪', 'rare1-deleted-comment')).toEqual([]);
  });

  // The answers above would be the same from the walk: here the tickets come from the index.
  it(`${provider}: rare short words are looked up in an index, not walked to`, async () => {
    const candidates = (text: string) => shortWordCandidates(db, q(text));
    expect(await candidates('鰻')).toEqual([ids.rare]);
    expect(await candidates('鯖缶')).toEqual([ids.rare]);
    expect(await candidates('缶 in:comments')).toEqual([ids.rare]);
    expect(await candidates('鰻 in:comments')).toEqual([]);
    expect(await candidates('追伸')).toEqual([ids.late]);
    expect(await candidates('鮭 in:comments')).toEqual([ids.late]);
    expect(await candidates('鮭 鰻')).toEqual([]);
    for (const gone of ['鱈', '鮪', '鬱', '鬱病']) expect(await candidates(gone), gone).toEqual([]);
    // A word with a line break may hold one of the two that end each document, which its grams do not: only the walk sees that.
    if (provider === 'postgresql') expect(await shortWordCandidates(db, { terms: ['鰻\n'] })).toBeNull();
  });

  if (provider === 'postgresql') {
    it('postgresql: a word in more documents than the look-up may read is left to the walk', async () => {
      const lookUp = async (word: string, inComments: boolean, maxRows: number) =>
        (
          await db.$queryRawUnsafe<{ ids: number[] | null }[]>(
            `SELECT "search_gram_tickets"($1, $2, $3) AS "ids"`,
            word,
            inComments,
            maxRows,
          )
        )[0]!.ids;
      // 返品: in the subjects of three tickets and of their mails, six documents (junk counts).
      expect(await lookUp('返品', false, 3)).toBeNull();
      const byId = (a: number, b: number) => a - b;
      expect((await lookUp('返品', false, 100))?.sort(byId)).toEqual([ids.return!, ids.sales!, ids.junk!].sort(byId));
      // 返 in comments: one comment holds it.
      expect(await lookUp('返', true, 1)).toEqual([ids.comment]);
    });
  }

  it(`${provider}: English words, any case, every word required`, async () => {
    expect(await numbers('refund', 'en1')).toEqual([n.english]);
    expect(await numbers('REFUND order', 'en2')).toEqual([n.english]);
    expect(await numbers('refund arrive', 'en3')).toEqual([]);
    expect(await numbers('"my order"', 'en-quoted')).toEqual([n.english]);
    expect(await numbers('secret-draft-note', 'deleted-comment')).toEqual([]);
  });

  it(`${provider}: comments are searched, and in:comments searches only them`, async () => {
    expect(await numbers('倉庫', 'comment')).toEqual([n.comment]);
    expect(await numbers('返 in:comments', 'in-comments-1')).toEqual([n.comment]);
    expect(await numbers('返答待ち in:comments', 'in-comments-3')).toEqual([n.comment]);
    expect(await numbers('請求書 in:comments', 'in-comments-none')).toEqual([]);
    expect(await numbers('in:comments', 'in-comments-only')).toEqual([n.late, n.comment, n.rare]);
  });

  it(`${provider}: each filter`, async () => {
    expect(await numbers('from:tanaka', 'from')).toEqual([n.return]);
    expect(await numbers('from:example.jp', 'from-domain')).toEqual([n.return]);
    expect(await numbers('to:billing@', 'to')).toEqual([n.old]);
    expect(await numbers('status:in_progress', 'status')).toEqual([n.english]);
    expect(await numbers('status:done', 'status-done')).toEqual([n.old]);
    expect(await numbers('assignee:me', 'assignee-me')).toEqual([n.english]);
    expect(await numbers('assignee:<@U0OTHER|other>', 'assignee-mention')).toEqual([n.comment]);
    expect(await numbers('urgency:urgent', 'urgency')).toEqual([n.urgent]);
    expect(await numbers('urgency:大至急', 'urgency-ja')).toEqual([n.critical]);
    expect(await numbers('before:2026-10-01', 'before')).toEqual([n.old]);
    expect(await numbers('after:2026-10-01 before:2026-10-31', 'between')).toEqual([n.comment]);
    expect(await numbers('has:attachment', 'has')).toEqual([n.urgent]);
    expect(await numbers('至急 has:attachment urgency:urgent from:suzuki', 'combined')).toEqual([n.urgent]);
  });

  it(`${provider}: tag: finds tickets tagged the old way (not normalised) once their tags are normalised, once, at start`, async () => {
    // As routing rules wrote tags before they were normalised: as configured, any case or width.
    const legacy = await db.ticket.create({
      data: {
        mailboxId: scope.mailboxIds[0]!,
        number: 9_001,
        subject: 'legacy',
        tags: JSON.stringify(['VIP', ' Legacy  Account ', 'ＬＥＧＡＣＹ２', 'vip']),
        slackChannelId: 'C0SUPPORT',
        slackTs: '1700000900.000001',
      },
    });
    // An edit made since (already normal) is left as it is.
    const edited = await db.ticket.create({
      data: {
        mailboxId: scope.mailboxIds[0]!,
        number: 9_002,
        subject: 'edited',
        tags: '["legacy2"]',
        slackChannelId: 'C0SUPPORT',
      },
    });
    const found = async (text: string) => (await searchTickets(db, q(text), scope)).hits.map((hit) => hit.number);
    expect(await found('tag:"legacy account"')).toEqual([]);

    expect(await normalizeLegacyTags(db)).toBe(1);
    expect((await db.ticket.findUniqueOrThrow({ where: { id: legacy.id } })).tags).toBe(
      '["vip","legacy account","legacy2"]',
    );
    expect((await db.ticket.findUniqueOrThrow({ where: { id: edited.id } })).tags).toBe('["legacy2"]');
    expect(await found('tag:"Legacy Account"')).toEqual([9_001]);
    expect((await found('tag:legacy2')).sort()).toEqual([9_001, 9_002]);
    // Done once: the database says so, and a later start does not look at the tickets again.
    expect(await db.setting.findUnique({ where: { key: LEGACY_TAGS_DONE } })).toMatchObject({ value: '1' });
    await db.ticket.update({ where: { id: edited.id }, data: { tags: '["Not Looked At"]' } });
    expect(await normalizeLegacyTags(db)).toBe(0);
    expect((await db.ticket.findUniqueOrThrow({ where: { id: edited.id } })).tags).toBe('["Not Looked At"]');
    await db.ticket.deleteMany({ where: { id: { in: [legacy.id, edited.id] } } });
    await db.setting.delete({ where: { key: LEGACY_TAGS_DONE } });
  });

  it(`${provider}: tag: finds the tag exactly, as typed in any case or width, every tag given`, async () => {
    expect(await numbers('tag:vip', 'tag')).toEqual([n.urgent, n.return]);
    expect(await numbers('tag:ＶＩＰ', 'tag-width')).toEqual([n.urgent, n.return]);
    expect(await numbers('tag:vi', 'tag-not-a-part')).toEqual([n.old]);
    expect(await numbers('tag:vip tag:billing', 'tag-and')).toEqual([n.return]);
    expect(await numbers('tag:"Key  Account"', 'tag-spaces')).toEqual([n.english]);
    expect(await numbers('tag:50%_off', 'tag-like-characters')).toEqual([n.english]);
    expect(await numbers('tag:50%off', 'tag-like-characters-2')).toEqual([n.critical]);
    // A tag holding quotes is found by its own name only, never by the name inside its quotes.
    expect(await numbers('tag:say"hi"', 'tag-quote-other')).toEqual([]);
    expect(await numbers('返品 tag:vip', 'tag-and-word')).toEqual([n.return]);
    expect(await numbers('tag:nothing', 'tag-none')).toEqual([]);
  });

  it(`${provider}: only the user's channels, never junk`, async () => {
    const all = await searchTickets(db, q('返品'), { channelIds: ['C0SUPPORT', 'C0SALES'], mailboxIds: [] });
    expect(all.hits.map((hit) => hit.number)).toEqual([n.sales, n.return]);
    expect((await searchTickets(db, q('返品'), { channelIds: [], mailboxIds: [] })).hits).toEqual([]);
  });

  it(`${provider}: one mailbox of the scope, as the export names it, in the query itself`, async () => {
    const everything = { channelIds: ['C0SUPPORT', 'C0SALES'], mailboxIds: scope.mailboxIds };
    const salesId = (await db.mailbox.findUniqueOrThrow({ where: { key: 'sales' } })).id;
    const page = await searchTickets(db, { ...q('返品'), mailboxId: salesId }, everything, 0, 1);
    expect(page).toMatchObject({ hits: [{ number: n.sales, mailboxId: salesId }], more: false });
    const support = await searchTickets(db, { ...q('返品'), mailboxId: scope.mailboxIds[0] }, everything, 0, 1);
    expect(support.hits.map((hit) => hit.number)).toEqual([n.return]);
    expect(support.more).toBe(false);
  });

  it(`${provider}: pages, newest first`, async () => {
    const first = await searchTickets(db, q('e'), scope, 0, 2);
    const second = await searchTickets(db, q('e'), scope, 2, 2);
    expect(first.more).toBe(true);
    expect(first.hits.map((hit) => hit.number)).toEqual([n.late, n.old]);
    expect(second.hits[0]!.lastMessageAt.getTime()).toBeLessThan(first.hits[1]!.lastMessageAt.getTime());
    const snippets = await searchSnippets(
      db,
      first.hits.map((hit) => hit.id),
      ['交換'],
    );
    expect(snippets.get(first.hits[0]!.id)).toContain('交換でも構いません');
  });

  // Last: it adds to the tickets the other cases search.
  it(`${provider}: a mail or comment added later is found by its rare short words`, async () => {
    expect(await numbers('鱧', 'later-mail-before')).toEqual([]);
    const old = await db.ticket.findFirstOrThrow({ where: { number: n.old } });
    await db.message.create({
      data: {
        mailboxId: old.mailboxId,
        ticketId: old.id,
        direction: 'in',
        parseState: 'parsed',
        dedupeKey: 'later',
        raw: Buffer.from('x'),
        contentHash: 'later',
        size: 1,
        subject: 'Re: Old question',
        text: '追記：鱧',
      },
    });
    expect(await numbers('鱧', 'later-mail')).toEqual([n.old]);
    const english = await db.ticket.findFirstOrThrow({ where: { number: n.english } });
    await db.comment.create({
      data: {
        ticketId: english.id,
        authorId: 'U0AGENT',
        text: '鰆',
        channelId: 'C0SUPPORT',
        slackTs: '1700000300.000001',
      },
    });
    expect(await numbers('鰆 in:comments', 'later-comment')).toEqual([n.english]);
    expect(await numbers('鱧 in:comments', 'later-mail-not-comment')).toEqual([]);
  });
}

describe('SQLite', () => searchOn('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => searchOn('postgresql', adminUrl));

it('query text: filters, quoted words, mistakes', () => {
  expect(parseSearchQuery('返品 from:A@B.jp "two words" Re:', ME)).toEqual({
    query: { terms: ['返品', 'two words', 're:'], from: 'a@b.jp' },
  });
  expect(
    parseSearchQuery(
      'from:<mailto:Tanaka@Example.jp|Tanaka@Example.jp> <https://x.example/a|x.example/a> assignee:<@U0AB12|tanaka>',
      ME,
    ),
  ).toEqual({
    query: { terms: ['x.example/a'], from: 'tanaka@example.jp', assignee: 'U0AB12' },
  });
  expect(parseSearchQuery('before:2026-02-30', ME)).toEqual({
    problem: { kind: 'bad_date', filter: 'before', value: '2026-02-30' },
  });
  expect(parseSearchQuery('urgency:soon', ME)).toEqual({ problem: { kind: 'bad_urgency', value: 'soon' } });
  expect(parseSearchQuery('tag:VIP tag:"Key  Account" tag:vip 返品', ME)).toEqual({
    query: { terms: ['返品'], tags: ['vip', 'key account'] },
  });
  expect(parseSearchQuery('tag:`', ME)).toEqual({ problem: { kind: 'bad_tag', value: '`' } });
  expect(parseSearchQuery(`tag:${'x'.repeat(41)}`, ME)).toEqual({
    problem: { kind: 'bad_tag', value: 'x'.repeat(41) },
  });
  expect(parseSearchQuery('   ', ME)).toEqual({ problem: { kind: 'empty' } });
});

describeWithPostgres('both databases', () => {
  it('gave the same answers to every query', () => {
    for (const [name, byProvider] of Object.entries(answers))
      expect(byProvider.postgresql, name).toEqual(byProvider.sqlite);
  });
});
