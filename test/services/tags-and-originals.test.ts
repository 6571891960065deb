/**
 * Tags and a mail's original, as services on both databases: the tag editor offers the
 * mailbox's tags, several people editing one ticket's tags at once all keep their edits
 * (each audited, each shown), outsiders change nothing; a mail's original goes to the
 * asker's DM alone — its source byte for byte however large, its HTML sanitised with its
 * inline images — and only for members of the ticket's channel.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawMailStoreOf, type Db } from '../../src/db/client.js';
import type { DatabaseProvider } from '../../src/db/schema-source.js';
import { createLogger } from '../../src/logging/logger.js';
import type { TicketActionDeps } from '../../src/services/tickets/change-ticket.js';
import { sendOriginal, type OriginalMailDeps } from '../../src/services/tickets/original-mail.js';
import { mailboxTags, openTagEditor, saveTags } from '../../src/services/tickets/ticket-tags.js';
import type { DirectFile } from '../../src/slack-api/direct-files.js';
import { buildTagModal } from '../../src/slack/views/tag-modal.js';
import { checkView } from '../support/block-kit-rules.js';
import { fixedMembers } from '../support/fixed-members.js';
import { migratedDatabase, type MigratedDatabase } from '../support/migrated-database.js';
import { describeWithPostgres } from '../support/services.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==',
  'base64',
);

function on(provider: DatabaseProvider, adminUrl?: string) {
  let database: MigratedDatabase;
  let db: Db;
  let tagDeps: TicketActionDeps;
  let originalDeps: OriginalMailDeps;
  let mailboxId: number;
  const sent: { userId: string; file: DirectFile; bytes: Buffer }[] = [];
  let failNext: Error | null = null;
  let number = 0;

  beforeAll(async () => {
    database = await migratedDatabase(provider, adminUrl);
    db = database.db;
    const members = fixedMembers({ C0SUPPORT: Array.from({ length: 6 }, (_, i) => `U0AGENT${i}`) });
    const logger = createLogger('silent');
    tagDeps = { db, members, logger, userLocales: { localeOf: async () => 'en' }, wakePoster: () => {} };
    originalDeps = {
      db,
      members,
      logger,
      directFiles: {
        async send(userId, file) {
          if (failNext) {
            const error = failNext;
            failNext = null;
            throw error;
          }
          const chunks: Buffer[] = [];
          for await (const chunk of file.chunks) chunks.push(Buffer.from(chunk));
          const bytes = Buffer.concat(chunks);
          expect(bytes.byteLength).toBe(file.length);
          sent.push({ userId, file, bytes });
        },
      },
    };
    const mailbox = await db.mailbox.create({
      data: { key: 'support', address: 'support@example.com', name: 'Support', channelId: 'C0SUPPORT' },
    });
    mailboxId = mailbox.id;
    await db.routingRule.create({
      data: {
        mailboxId,
        name: 'key accounts',
        conditions: '{"fromDomain":"big.example"}',
        actions: JSON.stringify({ tag: ['Key Account', 'VIP'] }),
        source: 'config',
      },
    });
  });
  afterAll(async () => database?.drop());

  async function postedTicket(tags: string[] = []) {
    number += 1;
    return db.ticket.create({
      data: {
        mailboxId,
        number,
        subject: `ticket ${number}`,
        tags: JSON.stringify(tags),
        slackChannelId: 'C0SUPPORT',
        slackTs: `1700000000.${String(number).padStart(6, '0')}`,
      },
    });
  }

  it(`${provider}: the editor offers the rules' tags and those in use, the ticket's own chosen; outsiders are refused`, async () => {
    await postedTicket(['billing', 'vip']);
    await postedTicket(['billing']);
    const ticket = await postedTicket(['refund']);
    expect(await mailboxTags(db, mailboxId)).toEqual(['key account', 'vip', 'billing', 'refund']);
    const editor = await openTagEditor(tagDeps, { userId: 'U0AGENT0', ticketId: ticket.id });
    expect(editor).toMatchObject({
      kind: 'editor',
      current: ['refund'],
      choices: ['billing', 'key account', 'refund', 'vip'],
    });
    if (editor.kind !== 'editor') throw new Error('no editor');
    const view = buildTagModal('ja', editor);
    expect(checkView(view)).toEqual([]);
    expect(JSON.parse(view.private_metadata!)).toEqual({ ticketId: ticket.id, shown: ['refund'] });
    expect(await openTagEditor(tagDeps, { userId: 'U0OUTSIDE', ticketId: ticket.id })).toEqual({
      kind: 'refused',
      refusal: { kind: 'not_member', channelId: 'C0SUPPORT' },
    });
    expect(await openTagEditor(tagDeps, { userId: 'U0AGENT0', ticketId: 99_999 })).toEqual({
      kind: 'refused',
      refusal: { kind: 'ticket_gone' },
    });
  });

  it(`${provider}: people editing one ticket's tags at once all keep their edits, each audited and shown`, async () => {
    const ticket = await postedTicket(['old']);
    // Three at the same moment: each write that loses to another is planned again on what it found.
    const answers = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        saveTags(tagDeps, {
          actorId: `U0AGENT${i}`,
          ticketId: ticket.id,
          shown: ['old'],
          // Everyone leaves "old" chosen; the first takes it off.
          chosen: i === 0 ? [] : ['old'],
          typed: `Tag ${i}`,
        }),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 3 }, () => ({ kind: 'done' })));
    const row = await db.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect((JSON.parse(row.tags) as string[]).sort()).toEqual(['tag 0', 'tag 1', 'tag 2']);
    const audits = await db.auditLog.findMany({ where: { ticketId: ticket.id, action: 'ticket.tags_changed' } });
    expect(audits).toHaveLength(3);
    expect(
      audits
        .map((audit) => JSON.parse(audit.detail) as { added: string[] })
        .flatMap((d) => d.added)
        .sort(),
    ).toEqual(['tag 0', 'tag 1', 'tag 2']);
    const posts = await db.slackPost.findMany({ where: { ticketId: ticket.id } });
    expect(posts.filter((post) => post.kind === 'ticket_update')).toHaveLength(3);
    expect(posts.filter((post) => post.kind === 'trace')).toHaveLength(3);
  });

  it(`${provider}: too long, too many, not a member, or nothing changed: nothing is written`, async () => {
    const ticket = await postedTicket(Array.from({ length: 19 }, (_, i) => `t${i}`));
    const edit = (actorId: string, typed: string) =>
      saveTags(tagDeps, { actorId, ticketId: ticket.id, shown: [], chosen: [], typed });
    expect(await edit('U0AGENT0', `ok, ${'x'.repeat(41)}`)).toEqual({ kind: 'too_long', tags: ['x'.repeat(41)] });
    expect(await edit('U0OUTSIDE', 'sneaky')).toEqual({
      kind: 'refused',
      refusal: { kind: 'not_member', channelId: 'C0SUPPORT' },
    });
    expect(await edit('U0AGENT0', 'a, b')).toEqual({ kind: 'refused', refusal: { kind: 'too_many_tags', max: 20 } });
    expect(await edit('U0AGENT0', 'T0, t1')).toEqual({ kind: 'done' });
    expect(await edit('U0AGENT0', 'twentieth')).toEqual({ kind: 'done' });
    expect(JSON.parse((await db.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).tags)).toHaveLength(20);
    expect(await db.auditLog.count({ where: { ticketId: ticket.id } })).toBe(1);
  });

  async function storedMail(ticketId: number, raw: Buffer, html: string | null) {
    const [stored] = await rawMailStoreOf(db).storeBatch([
      {
        mailboxId,
        direction: 'in',
        dedupeKey: createHash('sha256').update(raw).digest('hex'),
        contentHash: createHash('sha256').update(raw).digest('hex'),
        raw,
        messageId: null,
        receivedAt: new Date(),
        flags: '{}',
      },
    ]);
    if (!stored?.stored) throw new Error('not stored');
    await db.message.update({
      where: { id: stored.messageRowId },
      data: { ticketId, parseState: 'parsed', subject: 'Hello <b>', html },
    });
    return stored.messageRowId;
  }

  it(`${provider}: the source of a mail, byte for byte however large, to the asker's DM alone, audited`, async () => {
    const ticket = await postedTicket();
    // 2.5 MiB: stored in three parts, sent as they are read.
    const raw = Buffer.concat([
      Buffer.from('From: a@example.jp\r\nSubject: big\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n'),
      Buffer.from(Array.from({ length: 2_600_000 }, (_, i) => (i % 97) + 27)),
      Buffer.from([0x1b, 0x24, 0x42, 0x30, 0x21, 0x1b, 0x28, 0x42, 0x0d, 0x0a]),
    ]);
    const mailId = await storedMail(ticket.id, raw, null);
    const comments: string[] = [];
    const answer = await sendOriginal(originalDeps, {
      userId: 'U0AGENT1',
      messageRowId: mailId,
      format: 'eml',
      comment: (info) => {
        comments.push(`${info.format} ${info.filename}`);
        return 'here';
      },
    });
    expect(answer).toMatchObject({
      kind: 'sent',
      format: 'eml',
      filename: `ticket-${ticket.number}-mail-${mailId}.eml`,
    });
    const delivery = sent.at(-1)!;
    expect(delivery.userId).toBe('U0AGENT1');
    expect(delivery.bytes.equals(raw)).toBe(true);
    expect(comments).toEqual([`eml ticket-${ticket.number}-mail-${mailId}.eml`]);
    const audit = await db.auditLog.findFirstOrThrow({ where: { ticketId: ticket.id, action: 'mail.original_sent' } });
    expect(audit).toMatchObject({ actorId: 'U0AGENT1' });
    expect(JSON.parse(audit.detail)).toEqual({ messageRowId: mailId, format: 'eml' });

    // HTML asked of a mail without any; an outsider; a mail that does not exist.
    const before = sent.length;
    const ask = (userId: string, messageRowId: number, format: 'html' | 'eml') =>
      sendOriginal(originalDeps, { userId, messageRowId, format, comment: () => '' });
    expect(await ask('U0AGENT1', mailId, 'html')).toEqual({ kind: 'no_html' });
    expect(await ask('U0OUTSIDE', mailId, 'eml')).toEqual({
      kind: 'refused',
      refusal: { kind: 'not_member', channelId: 'C0SUPPORT' },
    });
    expect(await ask('U0AGENT1', 987_654, 'eml')).toEqual({ kind: 'refused', refusal: { kind: 'ticket_gone' } });
    expect(sent.length).toBe(before);

    // Slack refusing the file is said, not thrown, and not audited.
    failNext = Object.assign(new Error('An API error occurred: file_uploads_disabled'), {
      data: { ok: false, error: 'file_uploads_disabled' },
    });
    expect(await ask('U0AGENT1', mailId, 'eml')).toEqual({ kind: 'failed', code: 'file_uploads_disabled' });
    expect(await db.auditLog.count({ where: { ticketId: ticket.id, action: 'mail.original_sent' } })).toBe(1);
  });

  it(`${provider}: a hostile mail's HTML, sanitised, with its inline image, in a page that forbids the rest`, async () => {
    const ticket = await postedTicket();
    const html = [
      '<html><head><script>alert("head")</script><link rel=stylesheet href="https://evil.example/x.css"></head>',
      '<body onload="alert(1)"><p style="background:url(https://evil.example/track.png)">Hello</p>',
      '<img src="cid:logo@example.jp" alt="logo"><img src="https://evil.example/pixel.gif">',
      '<iframe src="https://evil.example"></iframe><a href="javascript:alert(2)">click</a></body></html>',
    ].join('');
    const mailId = await storedMail(ticket.id, Buffer.from('From: a@example.jp\r\n\r\nx\r\n'), html);
    await db.attachment.create({
      data: {
        messageId: mailId,
        filename: 'logo.png',
        contentType: 'image/png',
        size: PNG.byteLength,
        contentId: 'logo@example.jp',
        inline: true,
        content: PNG,
      },
    });
    const answer = await sendOriginal(originalDeps, {
      userId: 'U0AGENT2',
      messageRowId: mailId,
      format: 'html',
      comment: () => 'html',
    });
    expect(answer).toMatchObject({ kind: 'sent', format: 'html', subject: 'Hello <b>' });
    const page = sent.at(-1)!.bytes.toString('utf8');
    expect(page).toContain('Content-Security-Policy');
    expect(page).toContain('<title>Hello &lt;b&gt;</title>');
    expect(page).toContain('Hello</p>');
    expect(page).toContain(`<img src="data:image/png;base64,${PNG.toString('base64')}" alt="logo">`);
    expect(page).not.toMatch(/<script|onload|evil\.example|javascript:|<iframe|alert/);
  });
}

describe('SQLite', () => on('sqlite'));
describeWithPostgres('PostgreSQL', (adminUrl) => on('postgresql', adminUrl));
