/**
 * Issue 20, items 2 and 3, on both databases with mail through the real ingest: the
 * retention policy removes exactly the raw sources and attachment bytes past the period
 * (an injected clock) and nothing else; forgetting a customer removes every row of theirs
 * and no one else's (rows counted per table before and after), queues their Slack messages
 * to be replaced by a note, and a second run changes nothing; the export holds their data
 * and only theirs.
 */
import { indexAllPendingSearchDocs } from '../../src/db/search-index.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TMailboxConfig } from '../../src/config/config-schema.js';
import type { Db } from '../../src/db/client.js';
import { RAW_PART_BYTES } from '../../src/db/raw-mail-store.js';
import { addressHash } from '../../src/domain/customer-address.js';
import { createLogger } from '../../src/logging/logger.js';
import { ingestStoredMail } from '../../src/services/ingest/ingest-stored-mail.js';
import { storeRawMail } from '../../src/services/ingest/store-raw-mail.js';
import { applyRetention } from '../../src/services/privacy/apply-retention.js';
import { buildCustomerExport } from '../../src/services/privacy/export-customer.js';
import { forgetCustomer } from '../../src/services/privacy/forget-customer.js';
import { sendOriginal, type OriginalMailDeps } from '../../src/services/tickets/original-mail.js';
import { renderPost } from '../../src/slack/poster/render-post.js';
import { useScratchDatabase, type ScratchWorld } from '../support/scratch-sqlite.js';
import { describeWithPostgres } from '../support/services.js';

describe('retention and a customer forgotten (SQLite)', () => privacySuite(useScratchDatabase('sqlite')));
describeWithPostgres('retention and a customer forgotten (PostgreSQL)', (adminUrl) =>
  privacySuite(useScratchDatabase('postgresql', adminUrl)),
);

const DAY = 24 * 60 * 60_000;
const ADMIN = 'U0ADMIN1';
const silent = createLogger('silent');

/** Rows per table, search documents included (the ingest's pending ones written first, as a search does). */
async function tableCounts(db: Db): Promise<Record<string, number>> {
  await indexAllPendingSearchDocs(db);
  const tables = [
    'Message',
    'MessageRawPart',
    'Attachment',
    'Customer',
    'Ticket',
    'Comment',
    'Draft',
    'OutboxMail',
    'SlackPost',
    'AuditLog',
    'search_docs',
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await db.$queryRawUnsafe<{ n: number | bigint }[]>(`SELECT count(*) AS n FROM "${table}"`);
    counts[table] = Number(row!.n);
  }
  return counts;
}

/** Search documents whose text holds `word` (lower-case), once the pending ones are written, as a search does. */
async function searchHits(db: Db, word: string): Promise<number> {
  await indexAllPendingSearchDocs(db);
  const [row] = await db.$queryRawUnsafe<{ n: number | bigint }[]>(
    `SELECT count(*) AS n FROM "search_docs" WHERE "body" LIKE '%${word}%'`,
  );
  return Number(row!.n);
}

function privacySuite(world: ScratchWorld) {
  let mailboxId: number;
  let mailboxKey: string;
  let sent = 0;

  beforeEach(async () => {
    mailboxKey = `box-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const mailbox = await world.db.mailbox.create({
      data: { key: mailboxKey, address: 'support@example.com', name: 'S', channelId: 'C0SUPPORT' },
    });
    mailboxId = mailbox.id;
  });

  /** A mail delivered at `at` and ingested; with an attachment, and padded past a raw part when `big`. */
  async function receive(
    from: string,
    subject: string,
    at: Date,
    { inReplyTo, big = false, ingest = true }: { inReplyTo?: string; big?: boolean; ingest?: boolean } = {},
  ) {
    sent += 1;
    const messageId = `m${sent}.${Math.random().toString(36).slice(2)}@example.jp`;
    const padding = big ? `${'x'.repeat(76)}\r\n`.repeat(Math.ceil((RAW_PART_BYTES * 1.5) / 78)) : '';
    const raw = [
      `From: ${from}`,
      'To: support@example.com',
      `Subject: ${subject}`,
      `Message-ID: <${messageId}>`,
      ...(inReplyTo ? [`In-Reply-To: <${inReplyTo}>`] : []),
      'Date: Tue, 1 Dec 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `About ${subject}: the word ${subject.toLowerCase().replace(/\W+/g, '')}word.`,
      '--b1',
      'Content-Type: text/plain; name="note.txt"',
      'Content-Disposition: attachment; filename="note.txt"',
      '',
      `attached to ${subject}`,
      padding,
      '--b1--',
      '',
    ].join('\r\n');
    const stored = await storeRawMail(world.db, { mailboxId, raw: Buffer.from(raw), internalDate: at });
    if (!stored.stored) throw new Error('duplicate');
    if (!ingest) return { messageId, messageRowId: stored.messageRowId, ticketId: null };
    const outcome = await ingestStoredMail(
      { db: world.db, parser: world.pool, logger: silent, ownAddresses: ['support@example.com'] },
      stored.messageRowId,
    );
    if (outcome.kind === 'already_done') throw new Error('not ingested');
    return { messageId, messageRowId: stored.messageRowId, ticketId: outcome.ticketId };
  }

  /** Our reply to `to` in `ticketId`, sent at `at`: its Message and outbox rows as the outbox leaves them. */
  async function reply(ticketId: number, to: string, at: Date, state: 'sent' | 'queued' = 'sent') {
    sent += 1;
    const messageId = `r${sent}.${Math.random().toString(36).slice(2)}@example.com`;
    const raw = Buffer.from(`From: support@example.com\r\nTo: ${to}\r\nSubject: Re\r\n\r\nThanks.\r\n`);
    const message = await world.db.message.create({
      data: {
        mailboxId,
        ticketId,
        direction: 'out',
        parseState: 'parsed',
        messageId,
        dedupeKey: messageId,
        fromAddress: 'support@example.com',
        toAddresses: JSON.stringify([{ name: '', address: to }]),
        subject: 'Re',
        text: 'Thanks.',
        raw,
        contentHash: messageId,
        size: raw.byteLength,
        receivedAt: at,
      },
    });
    await world.db.outboxMail.create({
      data: {
        mailboxId,
        messageRowId: message.id,
        messageId,
        raw,
        state,
        sentAt: state === 'sent' ? at : null,
        copiedToSentAt: state === 'sent' ? at : null,
      },
    });
    return message.id;
  }

  const config = (retentionDays: number) => [{ key: mailboxKey, retentionDays } as TMailboxConfig];
  const message = (id: number) =>
    world.db.message.findUniqueOrThrow({
      where: { id },
      select: { raw: true, size: true, text: true, rawRemovedAt: true, _count: { select: { rawParts: true } } },
    });
  const attachmentBytes = async (messageId: number) =>
    (await world.db.attachment.findMany({ where: { messageId }, select: { content: true } })).map(
      (row) => row.content?.byteLength ?? null,
    );

  it('retention removes the raw sources and attachment bytes past the period, and nothing else', async () => {
    const now = new Date('2026-12-05T03:17:00Z');
    const old = await receive('Ichiro <ichiro@example.jp>', 'Old order', new Date(now.getTime() - 31 * DAY), {
      big: true,
    });
    const recent = await receive('Ichiro <ichiro@example.jp>', 'Recent order', new Date(now.getTime() - 29 * DAY));
    // Stored and not yet made a ticket: its source is all there is of it.
    const waiting = await receive('Jiro <jiro@example.jp>', 'Waiting', new Date(now.getTime() - 40 * DAY), {
      ingest: false,
    });
    const oldReply = await reply(old.ticketId!, 'ichiro@example.jp', new Date(now.getTime() - 31 * DAY));
    const unsent = await reply(old.ticketId!, 'ichiro@example.jp', new Date(now.getTime() - 31 * DAY), 'queued');

    const before = await message(old.messageRowId);
    expect(before._count.rawParts).toBeGreaterThan(0);
    expect(await attachmentBytes(old.messageRowId)).toEqual([expect.any(Number)]);
    const recentBefore = await message(recent.messageRowId);

    // Keep-everything (unset or 0) removes nothing.
    expect(await applyRetention({ db: world.db, logger: silent, mailboxes: config(0) }, now)).toEqual([]);

    const replySize = (await message(oldReply)).size;
    const [result] = await applyRetention({ db: world.db, logger: silent, mailboxes: config(30) }, now);
    expect(result).toEqual({
      mailbox: mailboxKey,
      mails: 2,
      bytes: before.size + replySize,
      attachments: 1,
      outbox: 1,
    });

    const after = await message(old.messageRowId);
    expect(after).toMatchObject({ text: before.text, size: before.size, rawRemovedAt: now, _count: { rawParts: 0 } });
    expect(after.raw.byteLength).toBe(0);
    expect(await attachmentBytes(old.messageRowId)).toEqual([null]);
    // Its attachment's name and size, the ticket and the search stay.
    expect(await world.db.attachment.count({ where: { messageId: old.messageRowId, filename: 'note.txt' } })).toBe(1);
    expect(await searchHits(world.db, 'oldorderword')).toBe(1);
    expect((await message(oldReply)).rawRemovedAt).toEqual(now);
    expect((await world.db.outboxMail.findUniqueOrThrow({ where: { messageRowId: oldReply } })).raw.byteLength).toBe(0);

    // Within the period, waiting to be read, or not sent yet: untouched.
    expect(await message(recent.messageRowId)).toEqual(recentBefore);
    expect(await attachmentBytes(recent.messageRowId)).toEqual([expect.any(Number)]);
    expect((await message(waiting.messageRowId)).rawRemovedAt).toBeNull();
    expect((await message(waiting.messageRowId)).raw.byteLength).toBeGreaterThan(0);
    expect((await message(unsent)).rawRemovedAt).toBeNull();
    expect((await world.db.outboxMail.findUniqueOrThrow({ where: { messageRowId: unsent } })).raw.byteLength).toBe(
      (await message(unsent)).size,
    );

    // A second night finds nothing new.
    const [again] = await applyRetention({ db: world.db, logger: silent, mailboxes: config(30) }, now);
    expect(again).toEqual({ mailbox: mailboxKey, mails: 0, bytes: 0, attachments: 0, outbox: 0 });

    // "Download the source" says the policy removed it; the HTML/text view is unaffected.
    const files: string[] = [];
    const originalDeps: OriginalMailDeps = {
      db: world.db,
      logger: silent,
      members: { isMember: async () => true, joined: () => {}, left: () => {} },
      directFiles: { send: async (_user, file) => void files.push(file.filename) },
    };
    const ask = (messageRowId: number) =>
      sendOriginal(originalDeps, { userId: 'U0AGENT1', messageRowId, format: 'eml', comment: () => '' });
    expect(await ask(old.messageRowId)).toEqual({ kind: 'source_removed' });
    expect(await ask(recent.messageRowId)).toMatchObject({ kind: 'sent' });
    expect(files).toHaveLength(1);
  });

  it('forgets a customer: every row of theirs and no one else’s, Slack posts redacted, twice changes nothing', async () => {
    const at = new Date('2026-12-01T09:00:00Z');
    const first = await receive('Taro Yamada <Taro@Example.jp>', 'Broken kettle', at, { big: true });
    const followUp = await receive('Taro Yamada <taro@example.jp>', 'Re: Broken kettle', at, {
      inReplyTo: first.messageId,
    });
    expect(followUp.ticketId).toBe(first.ticketId);
    const second = await receive('taro@example.jp', 'Second question', at);
    const taroReply = await reply(first.ticketId!, 'taro@example.jp', at);
    const other = await receive('Hanako <hanako@example.jp>', 'Hanako asks', at);
    const hanakoReply = await reply(other.ticketId!, 'hanako@example.jp', at);
    // Taro writes into Hanako's ticket too (a colleague's case).
    const intoOther = await receive('taro@example.jp', 'Re: Hanako asks', at, { inReplyTo: other.messageId });
    expect(intoOther.ticketId).toBe(other.ticketId);

    // As the poster and the team leave them: posted in Slack, a note and a draft in the thread.
    const ticketTs = (ticketId: number) => `1700000000.${String(ticketId).padStart(6, '0')}`;
    for (const ticketId of [first.ticketId!, second.ticketId!, other.ticketId!])
      await world.db.ticket.update({
        where: { id: ticketId },
        data: { slackChannelId: 'C0SUPPORT', slackTs: ticketTs(ticketId) },
      });
    await world.db.message.update({ where: { id: followUp.messageRowId }, data: { slackTs: '1700000001.000001' } });
    await world.db.message.update({ where: { id: intoOther.messageRowId }, data: { slackTs: '1700000001.000002' } });
    await world.db.message.update({ where: { id: hanakoReply }, data: { slackTs: '1700000001.000003' } });
    await world.db.comment.create({
      data: {
        ticketId: first.ticketId!,
        authorId: 'U0AGENT1',
        text: 'Taro called',
        channelId: 'C0SUPPORT',
        slackTs: '1700000002.000001',
      },
    });
    await world.db.comment.create({
      data: {
        ticketId: other.ticketId!,
        authorId: 'U0AGENT1',
        text: 'Hanako called',
        channelId: 'C0SUPPORT',
        slackTs: '1700000002.000002',
      },
    });
    await world.db.draft.create({
      data: { ticketId: second.ticketId!, authorId: 'U0AGENT1', subject: 'Re: Second question', body: 'Dear Taro' },
    });
    // The mail's attachment, as the poster leaves its files post once shared in the thread.
    const filesPayload = {
      messageRowId: first.messageRowId,
      fileIds: [{ id: 'F0TARO1', title: 'taro-passport.png' }],
      shared: 1,
    };
    const filesKey = { dedupeKey: `files:${first.messageRowId}` };
    expect(await world.db.slackPost.count({ where: filesKey })).toBe(1);
    await world.db.slackPost.updateMany({
      where: filesKey,
      data: { payload: JSON.stringify(filesPayload), state: 'posted' },
    });

    // The export first, for the access request: Taro's mails, not Hanako's.
    const exported = await buildCustomerExport(world.db, 'TARO@example.jp');
    if (exported.kind !== 'ready') throw new Error(`no export: ${exported.kind}`);
    const document = JSON.parse(exported.json.toString('utf8'));
    expect(document.customer).toMatchObject({ address: 'taro@example.jp' });
    expect(document.tickets.map((ticket: { subject: string }) => ticket.subject).sort()).toEqual([
      'Broken kettle',
      'Second question',
    ]);
    expect(document.mails.map((mail: { subject: string }) => mail.subject)).toEqual([
      'Broken kettle',
      'Re: Broken kettle',
      'Second question',
      'Re',
      'Re: Hanako asks',
    ]);
    expect(document.mails[0].attachments).toEqual([
      { filename: 'note.txt', contentType: 'text/plain', size: expect.any(Number) },
    ]);
    expect(exported.json.toString('utf8')).not.toContain('the word hanakoasksword');

    const hanakoRows = async () => ({
      customer: await world.db.customer.findUnique({ where: { address: 'hanako@example.jp' } }),
      mails: await world.db.message.findMany({
        where: { id: { in: [other.messageRowId, hanakoReply] } },
        select: { id: true, text: true, raw: true },
      }),
      attachments: await world.db.attachment.count({ where: { messageId: other.messageRowId } }),
      comments: await world.db.comment.count({ where: { ticketId: other.ticketId! } }),
      ticket: await world.db.ticket.findUniqueOrThrow({ where: { id: other.ticketId! } }),
      search: await searchHits(world.db, 'word hanakoasksword'),
    });
    const hanakoBefore = await hanakoRows();
    expect(hanakoBefore.search).toBe(1);
    const taroMails = [
      first.messageRowId,
      followUp.messageRowId,
      second.messageRowId,
      taroReply,
      intoOther.messageRowId,
    ];
    const taroParts = await world.db.messageRawPart.count({ where: { messageRowId: { in: taroMails } } });
    expect(taroParts).toBeGreaterThan(0);
    const before = await tableCounts(world.db);
    const taroSearch =
      (await searchHits(world.db, 'brokenkettleword')) + (await searchHits(world.db, 'secondquestionword'));
    expect(taroSearch).toBeGreaterThan(0);

    const answer = await forgetCustomer(
      { db: world.db, logger: silent },
      { address: ' Taro@Example.JP ', actorId: ADMIN },
    );
    expect(answer).toEqual({
      kind: 'forgotten',
      counts: {
        customer: 1,
        tickets: 2,
        mails: 5,
        rawParts: taroParts,
        attachments: 4,
        comments: 1,
        drafts: 1,
        outbox: 1,
        // Two ticket messages, the follow-up in its thread, the mail in Hanako's thread.
        redactions: 4,
      },
    });

    const after = await tableCounts(world.db);
    expect(after).toEqual({
      ...before,
      Message: before.Message! - 5,
      MessageRawPart: before.MessageRawPart! - taroParts,
      Attachment: before.Attachment! - 4,
      Customer: before.Customer! - 1,
      Comment: before.Comment! - 1,
      Draft: before.Draft! - 1,
      OutboxMail: before.OutboxMail! - 1,
      // Four redactions and the deletion of the file shared with Taro's attachment.
      SlackPost: before.SlackPost! + 5,
      AuditLog: before.AuditLog! + 1,
      // The mails' and the comment's documents; the tickets' (now empty) subjects stay.
      search_docs: before.search_docs! - 6,
    });
    expect(await searchHits(world.db, 'brokenkettleword')).toBe(0);
    expect(await searchHits(world.db, 'kettle')).toBe(0);
    expect(await world.db.message.count({ where: { id: { in: taroMails } } })).toBe(0);
    // The tickets stay as numbers, with nothing of Taro.
    const kept = await world.db.ticket.findMany({ where: { id: { in: [first.ticketId!, second.ticketId!] } } });
    expect(kept.map((ticket) => [ticket.subject, ticket.customerId, ticket.status])).toEqual([
      ['', null, 'done'],
      ['', null, 'done'],
    ]);
    // The files post keeps the Slack file's id, not its name...
    const filesPost = await world.db.slackPost.findUniqueOrThrow({
      where: { dedupeKey: `files:${first.messageRowId}` },
    });
    expect(filesPost.payload).not.toContain('taro');
    expect(JSON.parse(filesPost.payload).fileIds).toEqual([{ id: 'F0TARO1', title: '' }]);
    // ...and that file is queued to be deleted in Slack.
    const removal = await world.db.slackPost.findUniqueOrThrow({ where: { dedupeKey: `unshare:${filesPost.id}` } });
    expect([removal.kind, JSON.parse(removal.payload)]).toEqual(['file_removal', { fileIds: ['F0TARO1'] }]);
    // Hanako's rows are exactly as they were (her ticket lost only Taro's mail in it).
    expect(await hanakoRows()).toEqual(hanakoBefore);

    // The audit record names the address by its hash only.
    const record = await world.db.auditLog.findFirstOrThrow({
      where: { action: 'customer.forgotten' },
      orderBy: { id: 'desc' },
    });
    expect(record.actorId).toBe(ADMIN);
    expect(record.detail).not.toContain('taro');
    expect(JSON.parse(record.detail)).toMatchObject({ addressHash: addressHash('taro@example.jp'), mails: 5 });

    // Each redaction replaces the message in place with the note, in both languages.
    const redactions = await world.db.slackPost.findMany({ where: { kind: 'redaction', mailboxId } });
    const rendered = await Promise.all(redactions.map((post) => renderPost(world.db, post)));
    expect(rendered.map((each) => each.kind === 'ready' && each.updateTs).sort()).toEqual(
      [ticketTs(first.ticketId!), ticketTs(second.ticketId!), '1700000001.000001', '1700000001.000002'].sort(),
    );
    for (const each of rendered) {
      if (each.kind !== 'ready') throw new Error('not rendered');
      expect(each.message.text).toContain('removed at their request');
      expect(each.message.text).toContain('ご本人の依頼により削除');
      expect(JSON.stringify(each.message.blocks)).not.toMatch(/kettle|taro/i);
    }

    // Twice: nothing held, nothing changed, and it says when it was forgotten.
    const again = await forgetCustomer(
      { db: world.db, logger: silent },
      { address: 'taro@example.jp', actorId: ADMIN },
    );
    expect(again).toEqual({ kind: 'nothing', before: record.createdAt });
    expect(await tableCounts(world.db)).toEqual(after);
    expect(await buildCustomerExport(world.db, 'taro@example.jp')).toEqual({ kind: 'nothing' });
    expect(
      await forgetCustomer({ db: world.db, logger: silent }, { address: 'not an address', actorId: ADMIN }),
    ).toEqual({
      kind: 'bad_address',
    });
  });
}
