/**
 * From stored mail to tickets and queued posts, on a real SQLite file and a real PostgreSQL
 * database with the real parser: threading, reopening, bounces, what is queued for Slack,
 * and the same for mails committed together in one batch.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { IngestQueue, type QueueOutcome } from '../../src/services/ingest/ingest-queue.js';
import { providerOfDb } from '../../src/db/client.js';
import {
  commitStoredMails,
  ingestStoredMail,
  prepareStoredMail,
  type IngestOutcome,
} from '../../src/services/ingest/ingest-stored-mail.js';
import { storeRawMail } from '../../src/services/ingest/store-raw-mail.js';
import { rawMailStoreOf } from '../../src/db/client.js';
import { RAW_PART_BYTES } from '../../src/db/raw-mail-store.js';
import { readWhole } from '../../src/util/raw-source.js';
import { loadThreadFiles } from '../../src/services/tickets/load-thread-files.js';
import { SourceUnreadableError } from '../../src/errors.js';
import { latestInbound } from '../../src/services/replies/open-reply.js';
import { useScratchDatabase, useScratchSqlite, type ScratchWorld } from '../support/scratch-sqlite.js';
import { describeWithPostgres } from '../support/services.js';

describe('ingesting stored mail (SQLite)', () => ingestSuite(useScratchSqlite()));
describeWithPostgres('ingesting stored mail (PostgreSQL)', (adminUrl) =>
  ingestSuite(useScratchDatabase('postgresql', adminUrl)),
);

function ingestSuite(world: ScratchWorld) {
  let mailboxId: number;

  beforeEach(async () => {
    const mailbox = await world.db.mailbox.create({
      data: {
        key: `box-${Date.now()}-${Math.random()}`,
        address: 'support@example.com',
        name: 'Support',
        channelId: 'C0SUPPORT',
      },
    });
    mailboxId = mailbox.id;
  });

  const deps = () => ({
    db: world.db,
    parser: world.pool,
    logger: createLogger('silent'),
    ownAddresses: ['support@example.com'],
  });

  async function receive(raw: string) {
    const stored = await storeRawMail(world.db, { mailboxId, raw: Buffer.from(raw) });
    if (!stored.stored) throw new Error('duplicate');
    return ingestStoredMail(deps(), stored.messageRowId);
  }

  const mail = (headers: string, body = 'hello') => `${headers}\r\nTo: support@example.com\r\n\r\n${body}\r\n`;

  describe('one mail at a time', () => {
    it('opens numbered tickets, queues the ticket (and its full text only where the ticket message cannot show it whole), and remembers the customer', async () => {
      const quoting =
        'Thank you, that helps.\r\n\r\nOn Mon, 1 Dec 2026 at 09:00, Support <support@example.com> wrote:\r\n> Could you send the order number?';
      const a = await receive(mail('From: Taro <taro@yahoo.co.jp>\r\nSubject: one\r\nMessage-ID: <a@x>', quoting));
      const b = await receive(mail('From: hanako@corp.example\r\nSubject: two\r\nMessage-ID: <b@x>'));
      expect(a.kind).toBe('new_ticket');
      const tickets = await world.db.ticket.findMany({
        where: { mailboxId },
        orderBy: { number: 'asc' },
        include: { customer: true },
      });
      expect(tickets.map((t) => [t.number, t.subject, t.status])).toEqual([
        [1, 'one', 'open'],
        [2, 'two', 'open'],
      ]);
      expect(tickets[0]!.customer).toMatchObject({ address: 'taro@yahoo.co.jp', name: 'Taro', freeMail: true });
      const posts = await world.db.slackPost.findMany({ where: { mailboxId }, orderBy: { id: 'asc' } });
      // The second mail is short and quotes nothing: its ticket message shows it all.
      expect(posts.map((p) => p.kind)).toEqual(['ticket', 'mail_body', 'ticket']);
      expect(b.kind === 'new_ticket' && b.ticketId).toBe(tickets[1]!.id);
    });

    it("puts one sender's burst of new tickets behind other customers' once five of theirs wait, and not once those are posted", async () => {
      const loop = (n: number) => mail(`From: loop@robot.example\r\nSubject: alert ${n}\r\nMessage-ID: <loop${n}@x>`);
      for (let n = 1; n <= 6; n += 1) await receive(loop(n));
      await receive(mail('From: taro@example.jp\r\nSubject: a person\r\nMessage-ID: <person@x>'));
      const priorities = async () =>
        (
          await world.db.slackPost.findMany({
            where: { mailboxId, kind: 'ticket' },
            orderBy: { id: 'asc' },
            include: { ticket: true },
          })
        ).map((post) => [post.ticket!.subject, post.priority]);
      expect(await priorities()).toEqual([
        ...[1, 2, 3, 4, 5].map((n) => [`alert ${n}`, 1]),
        ['alert 6', 0],
        ['a person', 1],
      ]);
      // Once the sender's ticket messages are in the channel, their next ticket is as urgent as anyone's.
      await world.db.slackPost.updateMany({ where: { mailboxId }, data: { state: 'posted' } });
      await receive(loop(7));
      expect((await priorities()).at(-1)).toEqual(['alert 7', 1]);
      // A sender with more tickets than are looked at (their newest), all posted: a new burst
      // of theirs is seen all the same.
      for (let n = 8; n <= 30; n += 1) await receive(loop(n));
      await world.db.slackPost.updateMany({ where: { mailboxId }, data: { state: 'posted' } });
      for (let n = 31; n <= 36; n += 1) await receive(loop(n));
      expect((await priorities()).slice(-6)).toEqual([
        ...[31, 32, 33, 34, 35].map((n) => [`alert ${n}`, 1]),
        ['alert 36', 0],
      ]);
    });

    it('threads by In-Reply-To/References only, never by subject, and reopens a closed ticket', async () => {
      const first = await receive(mail('From: taro@example.jp\r\nSubject: refund\r\nMessage-ID: <r1@x>'));
      if (first.kind !== 'new_ticket') throw new Error('expected a ticket');
      await world.db.ticket.update({ where: { id: first.ticketId }, data: { status: 'done', closedAt: new Date() } });

      const sameSubject = await receive(mail('From: other@example.jp\r\nSubject: refund\r\nMessage-ID: <r2@x>'));
      expect(sameSubject.kind).toBe('new_ticket');

      const answer = await receive(
        mail(
          'From: taro@example.jp\r\nSubject: something else\r\nMessage-ID: <r3@x>\r\nReferences: <unknown@x> <r1@x>',
        ),
      );
      expect(answer).toEqual({ kind: 'follow_up', ticketId: first.ticketId });
      const ticket = await world.db.ticket.findUniqueOrThrow({ where: { id: first.ticketId } });
      expect(ticket.status).toBe('open');
      expect(ticket.reopenedAt).not.toBeNull();
    });

    it('does not let an auto-reply reopen a closed ticket', async () => {
      const first = await receive(mail('From: taro@example.jp\r\nSubject: q\r\nMessage-ID: <o1@x>'));
      if (first.kind !== 'new_ticket') throw new Error('expected a ticket');
      await world.db.ticket.update({ where: { id: first.ticketId }, data: { status: 'done' } });
      await receive(
        mail(
          'From: taro@example.jp\r\nSubject: Out of Office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <o2@x>\r\nIn-Reply-To: <o1@x>',
        ),
      );
      expect((await world.db.ticket.findUniqueOrThrow({ where: { id: first.ticketId } })).status).toBe('done');
    });

    it('puts a bounce into the thread of the mail it reports on', async () => {
      const first = await receive(mail('From: taro@example.jp\r\nSubject: order\r\nMessage-ID: <orig-1@example.jp>'));
      if (first.kind !== 'new_ticket') throw new Error('expected a ticket');
      const dsn = [
        'From: Mail Delivery Subsystem <mailer-daemon@mx.example.com>',
        'To: support@example.com',
        'Subject: Undelivered Mail Returned to Sender',
        'Message-ID: <dsn-1@mx.example.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.com',
        '',
        'Final-Recipient: rfc822; taro@example.jp',
        'Action: failed',
        'Status: 5.1.1',
        '--b',
        'Content-Type: text/rfc822-headers',
        '',
        'From: support@example.com',
        'To: taro@example.jp',
        'Subject: Re: order',
        'Message-ID: <orig-1@example.jp>',
        '--b--',
        '',
      ].join('\r\n');
      expect(await receive(dsn)).toEqual({ kind: 'follow_up', ticketId: first.ticketId });
    });

    it('still opens a ticket for mail the parser cannot read, marked unreadable, raw kept', async () => {
      const broken = Buffer.from('From: taro@example.jp\r\nSubject: broken\r\nMessage-ID: <broken@x>\r\n\r\nbody');
      const stored = await storeRawMail(world.db, { mailboxId, raw: broken });
      if (!stored.stored) throw new Error('duplicate');
      const failing = {
        parse: async () => {
          throw new Error('boom');
        },
      };
      const outcome = await ingestStoredMail({ ...deps(), parser: failing }, stored.messageRowId);
      expect(outcome.kind).toBe('new_ticket');
      const row = await world.db.message.findUniqueOrThrow({ where: { id: stored.messageRowId } });
      expect(row).toMatchObject({ parseState: 'failed', parseError: 'boom', subject: 'broken' });
      expect(Buffer.from(row.raw).equals(broken)).toBe(true);
    });

    describe('a large mail, stored in parts', () => {
      // 3.5 MB of attachment: a mail of ~4.6 MiB, stored as its first MiB and four more parts.
      const attachment = Buffer.alloc(3_500_000);
      for (let i = 0; i < attachment.length; i += 1) attachment[i] = (i * 2654435761) >>> 24;
      const big = Buffer.from(
        mail(
          'From: big@example.jp\r\nSubject: 大きな添付\r\nMessage-ID: <big@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"',
          `--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n添付をご確認ください。\r\n--b\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--b--`,
        ),
      );

      it('keeps the source byte for byte, parses it part by part, and decodes its attachment for the thread', async () => {
        const stored = await storeRawMail(world.db, { mailboxId, raw: big });
        if (!stored.stored) throw new Error('duplicate');
        const row = await world.db.message.findUniqueOrThrow({
          where: { id: stored.messageRowId },
          select: { raw: true, size: true },
        });
        expect([row.raw.byteLength, row.size]).toEqual([RAW_PART_BYTES, big.length]);
        expect(await world.db.messageRawPart.count({ where: { messageRowId: stored.messageRowId } })).toBe(
          Math.ceil(big.length / RAW_PART_BYTES) - 1,
        );
        expect(
          Buffer.from(await readWhole((await rawMailStoreOf(world.db).openRaw(stored.messageRowId))!)).equals(big),
        ).toBe(true);

        const outcome = await ingestStoredMail(deps(), stored.messageRowId);
        expect(outcome.kind).toBe('new_ticket');
        const parsed = await world.db.message.findUniqueOrThrow({
          where: { id: stored.messageRowId },
          include: { attachments: true },
        });
        expect(parsed).toMatchObject({ parseState: 'parsed', subject: '大きな添付' });
        expect(parsed.text).toContain('添付をご確認ください。');
        expect(parsed.attachments.map((a) => [a.filename, a.size])).toEqual([['data.bin', attachment.length]]);

        const [file] = await loadThreadFiles(world.db, stored.messageRowId);
        const decoded: Buffer[] = [];
        for await (const chunk of file!.chunks()) decoded.push(Buffer.from(chunk));
        expect(Buffer.concat(decoded).equals(attachment)).toBe(true);
      });

      it('posts what the headers say when a part has gone missing, naming the damage', async () => {
        const stored = await storeRawMail(world.db, { mailboxId, raw: big });
        if (!stored.stored) throw new Error('duplicate');
        await world.db.messageRawPart.delete({
          where: { messageRowId_seq: { messageRowId: stored.messageRowId, seq: 2 } },
        });
        expect((await ingestStoredMail(deps(), stored.messageRowId)).kind).toBe('new_ticket');
        const row = await world.db.message.findUniqueOrThrow({
          where: { id: stored.messageRowId },
          select: { parseState: true, parseError: true, subject: true },
        });
        expect(row).toMatchObject({ parseState: 'failed', subject: '大きな添付' });
        expect(row.parseError).toContain('part 2');
      });
    });

    it('leaves a mail waiting, to be tried again, when its source could not be read (not posted as unreadable)', async () => {
      const stored = await storeRawMail(world.db, {
        mailboxId,
        raw: Buffer.from(mail('From: a@b.example\r\nSubject: later\r\nMessage-ID: <later@x>')),
      });
      if (!stored.stored) throw new Error('duplicate');
      const unreadable = {
        parse: async () => {
          throw new SourceUnreadableError('reading the mail failed: connection reset');
        },
      };
      await expect(ingestStoredMail({ ...deps(), parser: unreadable }, stored.messageRowId)).rejects.toThrow(
        'connection reset',
      );
      expect(
        await world.db.message.findUniqueOrThrow({
          where: { id: stored.messageRowId },
          select: { parseState: true, ticketId: true },
        }),
      ).toEqual({ parseState: 'stored', ticketId: null });
      expect((await ingestStoredMail(deps(), stored.messageRowId)).kind).toBe('new_ticket');
    });

    it('takes mail with NUL characters in an address and a file name (PostgreSQL refuses them in text)', async () => {
      const outcome = await receive(
        mail(
          'From: Taro <a=?utf-8?q?=00?=b@example.com>\r\nSubject: nul\r\nMessage-ID: <nul@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"',
          `--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: text/plain; name="x.txt"\r\nContent-Disposition: attachment; filename*=utf-8''a%00b.txt\r\n\r\nhello\r\n--b--`,
        ),
      );
      if (outcome.kind !== 'new_ticket') throw new Error(`expected a ticket, got ${outcome.kind}`);
      const ticket = await world.db.ticket.findUniqueOrThrow({
        where: { id: outcome.ticketId },
        include: { customer: true, messages: { include: { attachments: true } } },
      });
      expect(ticket.customer?.address).toBe('ab@example.com');
      expect(ticket.messages[0]!.attachments.map((attachment) => attachment.filename)).toEqual(['ab.txt']);
    });

    it("keeps the customer by the sender, by Reply-To only for a web form's robot sender", async () => {
      const person = await receive(
        mail(
          'From: Taro <taro@example.jp>\r\nReply-To: Mallory <mallory@evil.example>\r\nSubject: a person\r\nMessage-ID: <key-1@x>',
        ),
      );
      const form = await receive(
        mail(
          'From: WordPress <wordpress@shop.example>\r\nReply-To: Hanako <hanako@gmail.com>\r\nSubject: Contact form\r\nMessage-ID: <key-2@x>',
        ),
      );
      const noreply = await receive(
        mail(
          'From: no-reply@forms.example\r\nReply-To: jiro@corp.example\r\nSubject: Inquiry\r\nMessage-ID: <key-3@x>',
        ),
      );
      const customerOf = async (outcome: IngestOutcome) =>
        outcome.kind === 'new_ticket'
          ? (await world.db.ticket.findUniqueOrThrow({ where: { id: outcome.ticketId }, include: { customer: true } }))
              .customer
          : null;
      expect(await customerOf(person)).toMatchObject({ address: 'taro@example.jp', name: 'Taro' });
      expect(await customerOf(form)).toMatchObject({ address: 'hanako@gmail.com', name: 'Hanako', freeMail: true });
      expect(await customerOf(noreply)).toMatchObject({ address: 'jiro@corp.example' });
      expect(await world.db.customer.count({ where: { address: 'mallory@evil.example' } })).toBe(0);
    });

    it("lets only a mail from the customer's own address change the name kept for them", async () => {
      await receive(mail('From: Taro <taro@rename.example>\r\nSubject: first\r\nMessage-ID: <name-1@x>'));
      // Anyone can fill in a web form with someone else's address and any name.
      await receive(
        mail(
          'From: noreply@forms.example\r\nReply-To: "Not Taro" <taro@rename.example>\r\nSubject: form\r\nMessage-ID: <name-2@x>',
        ),
      );
      // Nor does a sender guessed from Reply-To when From is unreadable.
      await receive(
        mail(
          'From: undisclosed recipients\r\nReply-To: "Not Taro" <taro@rename.example>\r\nSubject: guessed\r\nMessage-ID: <name-3@x>',
        ),
      );
      const kept = () => world.db.customer.findUniqueOrThrow({ where: { address: 'taro@rename.example' } });
      expect((await kept()).name).toBe('Taro');
      await receive(mail('From: Taro Yamada <taro@rename.example>\r\nSubject: again\r\nMessage-ID: <name-4@x>'));
      expect((await kept()).name).toBe('Taro Yamada');
      expect(await world.db.ticket.count({ where: { mailboxId, customer: { address: 'taro@rename.example' } } })).toBe(
        4,
      );
    });

    it("keeps and posts a stranger's follow-up, marked, without letting it decide where the reply goes", async () => {
      const first = await receive(
        mail('From: Taro <taro@example.jp>\r\nCc: hanako@example.jp\r\nSubject: order\r\nMessage-ID: <p1@x>'),
      );
      if (first.kind !== 'new_ticket') throw new Error('expected a ticket');
      const flagsOf = async (messageId: string) =>
        JSON.parse((await world.db.message.findFirstOrThrow({ where: { mailboxId, messageId } })).flags) as Record<
          string,
          unknown
        >;
      const recipient = async () => {
        const original = await latestInbound(world.db, first.ticketId);
        return original?.replyTo || original?.fromAddress;
      };

      // Someone who saw the Message-ID answers, asking for replies to come to them.
      const stranger = await receive(
        mail(
          'From: mallory@evil.example\r\nReply-To: mallory@evil.example\r\nCc: eve@evil.example\r\nSubject: Re: order\r\nMessage-ID: <p2@x>\r\nIn-Reply-To: <p1@x>',
          'send it to me instead',
        ),
      );
      expect(stranger).toEqual({ kind: 'follow_up', ticketId: first.ticketId });
      expect(await flagsOf('p2@x')).toMatchObject({ stranger: true });
      expect(await world.db.slackPost.count({ where: { ticketId: first.ticketId, kind: 'follow_up' } })).toBe(1);
      expect(await recipient()).toBe('taro@example.jp');
      // Whom the stranger brought along is no participant either.
      await receive(mail('From: eve@evil.example\r\nSubject: Re: order\r\nMessage-ID: <p3@x>\r\nIn-Reply-To: <p2@x>'));
      expect(await flagsOf('p3@x')).toMatchObject({ stranger: true });
      expect(await recipient()).toBe('taro@example.jp');

      // Someone on the ticket's mails (Cc of the first) does steer it, visibly, Reply-To and all.
      await receive(
        mail(
          'From: hanako@example.jp\r\nReply-To: hanako.home@example.jp\r\nSubject: Re: order\r\nMessage-ID: <p4@x>\r\nIn-Reply-To: <p1@x>',
        ),
      );
      expect(await flagsOf('p4@x')).not.toHaveProperty('stranger');
      expect(await recipient()).toBe('hanako.home@example.jp');
      // The customer, in any case.
      await receive(mail('From: TARO@example.jp\r\nSubject: Re: order\r\nMessage-ID: <p5@x>\r\nIn-Reply-To: <p4@x>'));
      expect(await recipient()).toBe('taro@example.jp');
    });

    it('applies routing rules to a new ticket: urgency, tags, assignee; junk is kept but not posted', async () => {
      await world.db.routingRule.createMany({
        data: [
          {
            mailboxId,
            name: 'VIP',
            position: 0,
            conditions: JSON.stringify({ fromDomain: 'bigclient.co.jp' }),
            actions: JSON.stringify({ urgency: 'critical', tag: 'vip', assignee: 'U0LEAD' }),
          },
          {
            mailboxId,
            name: 'spam',
            position: 1,
            conditions: JSON.stringify({ subject: { matches: '(?i)lottery' } }),
            actions: JSON.stringify({ junk: true }),
          },
        ],
      });
      const vip = await receive(mail('From: buyer@mail.bigclient.co.jp\r\nSubject: order\r\nMessage-ID: <vip@x>'));
      const spam = await receive(
        mail('From: win@spam.example\r\nSubject: You won the LOTTERY\r\nMessage-ID: <spam@x>'),
      );
      if (vip.kind !== 'new_ticket' || spam.kind !== 'new_ticket') throw new Error('expected tickets');
      expect(await world.db.ticket.findUniqueOrThrow({ where: { id: vip.ticketId } })).toMatchObject({
        urgency: 'critical',
        tags: '["vip"]',
        assigneeId: 'U0LEAD',
        junk: false,
      });
      expect(await world.db.ticket.findUniqueOrThrow({ where: { id: spam.ticketId } })).toMatchObject({ junk: true });
      expect(await world.db.slackPost.count({ where: { ticketId: spam.ticketId } })).toBe(0);
      expect(await world.db.slackPost.count({ where: { ticketId: vip.ticketId } })).toBe(1);
    });

    it('does the same mail only once, even when asked twice', async () => {
      const stored = await storeRawMail(world.db, {
        mailboxId,
        raw: Buffer.from(mail('From: a@b.example\r\nSubject: once\r\nMessage-ID: <once@x>')),
      });
      if (!stored.stored) throw new Error('duplicate');
      const [one, two] = await Promise.all([
        ingestStoredMail(deps(), stored.messageRowId),
        ingestStoredMail(deps(), stored.messageRowId),
      ]);
      expect([one.kind, two.kind].sort()).toEqual(['already_done', 'new_ticket']);
      expect(await world.db.ticket.count({ where: { mailboxId } })).toBe(1);
    });
  });

  describe('in batches', () => {
    async function store(raw: string) {
      const stored = await storeRawMail(world.db, { mailboxId, raw: Buffer.from(raw) });
      if (!stored.stored) throw new Error('duplicate');
      return stored.messageRowId;
    }

    it('commits in order: a follow-up to an earlier mail of the batch joins the ticket that mail opens', async () => {
      const ids = [
        await store(mail('From: taro@example.jp\r\nSubject: first\r\nMessage-ID: <batch-1@x>')),
        await store(mail('From: other@example.jp\r\nSubject: second\r\nMessage-ID: <batch-2@x>')),
        await store(
          mail('From: taro@example.jp\r\nSubject: Re: first\r\nMessage-ID: <batch-3@x>\r\nIn-Reply-To: <batch-1@x>'),
        ),
        await store(
          mail(
            'From: taro@example.jp\r\nSubject: Re: Re: first\r\nMessage-ID: <batch-4@x>\r\nReferences: <batch-1@x> <batch-3@x>',
          ),
        ),
      ];
      const prepared = await Promise.all(ids.map((id) => prepareStoredMail(deps(), id)));
      const outcomes = await commitStoredMails(deps(), prepared);
      const [first, second] = await world.db.ticket.findMany({ where: { mailboxId }, orderBy: { number: 'asc' } });
      expect(outcomes).toEqual([
        { kind: 'new_ticket', ticketId: first!.id },
        { kind: 'new_ticket', ticketId: second!.id },
        { kind: 'follow_up', ticketId: first!.id },
        { kind: 'follow_up', ticketId: first!.id },
      ]);
      expect([first!.number, second!.number]).toEqual([1, 2]);
      const messages = await world.db.message.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
      expect(messages.map((m) => [m.parseState, m.ticketId])).toEqual([
        ['parsed', first!.id],
        ['parsed', second!.id],
        ['parsed', first!.id],
        ['parsed', first!.id],
      ]);
      const posts = await world.db.slackPost.findMany({ where: { ticketId: first!.id }, orderBy: { id: 'asc' } });
      expect(posts.map((p) => p.kind)).toEqual(['ticket', 'follow_up', 'follow_up']);
      // Done is done: committing the same mails again changes nothing.
      expect(await commitStoredMails(deps(), prepared)).toEqual(ids.map(() => ({ kind: 'already_done' })));
    });

    it('writes nothing of a batch that fails, and the queue then isolates the mail at fault', async () => {
      const ids = [
        await store(mail('From: a@example.jp\r\nSubject: fine 1\r\nMessage-ID: <fine-1@x>')),
        await store(mail('From: b@example.jp\r\nSubject: poison\r\nMessage-ID: <poison@x>')),
        await store(mail('From: c@example.jp\r\nSubject: fine 2\r\nMessage-ID: <fine-2@x>')),
      ];
      // An attachment without a content type breaks a NOT NULL column: the database refuses the mail.
      const parser = {
        parse: async (raw: Uint8Array) => {
          const parsed = await world.pool.parse(raw);
          if (parsed.subject !== 'poison') return parsed;
          const broken = {
            filename: 'x',
            contentType: null,
            size: 1,
            contentId: null,
            inline: false,
            checksum: 'x',
            content: null,
          };
          return { ...parsed, attachments: [broken as unknown as (typeof parsed.attachments)[number]] };
        },
      };
      const prepared = await Promise.all(ids.map((id) => prepareStoredMail({ ...deps(), parser }, id)));
      await expect(commitStoredMails(deps(), prepared)).rejects.toThrow();
      expect((await world.db.message.findMany({ where: { id: { in: ids } } })).map((m) => m.parseState)).toEqual([
        'stored',
        'stored',
        'stored',
      ]);
      expect(await world.db.ticket.count({ where: { mailboxId } })).toBe(0);

      const outcomes: QueueOutcome[] = [];
      const logger = createLogger('silent');
      const queue = new IngestQueue(
        { ...deps(), parser, mailboxIds: [mailboxId] },
        (outcome) => outcomes.push(outcome),
        logger,
      );
      queue.kick();
      await vi.waitFor(() => expect(outcomes).toHaveLength(2), { timeout: 10_000 });
      await queue.stop();
      const states = await world.db.message.findMany({
        where: { id: { in: ids } },
        orderBy: { id: 'asc' },
        select: { parseState: true, ticketId: true },
      });
      expect(states.map((m) => m.parseState)).toEqual(['parsed', 'stored', 'parsed']);
      expect(outcomes.map((o) => o.kind)).toEqual(['new_ticket', 'new_ticket']);
    });

    it('the queue comes back by itself when a source could not be read, without counting it against the mail', async () => {
      const id = await store(mail('From: d@example.jp\r\nSubject: later\r\nMessage-ID: <queue-later@x>'));
      let refusals = 0;
      const parser = {
        parse: async (raw: Parameters<typeof world.pool.parse>[0]) => {
          if (refusals < 6) {
            refusals += 1;
            throw new SourceUnreadableError('reading the mail failed: connection reset');
          }
          return world.pool.parse(raw);
        },
      };
      const outcomes: QueueOutcome[] = [];
      const queue = new IngestQueue(
        { ...deps(), parser, mailboxIds: [mailboxId] },
        (outcome) => outcomes.push(outcome),
        createLogger('silent'),
      );
      queue.kick();
      // Five failures of a mail would mark it failed; these are the database's, not the mail's.
      for (let kicks = 0; kicks < 6; kicks += 1) {
        await vi.waitFor(() => expect(refusals).toBeGreaterThan(kicks), { timeout: 10_000 });
        queue.kick();
      }
      await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 10_000 });
      await queue.stop();
      expect(outcomes[0]!.kind).toBe('new_ticket');
      expect(
        (await world.db.message.findUniqueOrThrow({ where: { id }, select: { parseState: true } })).parseState,
      ).toBe('parsed');
    });

    it('retries a mail that fails later and later, counting on its row, then posts it from its headers', async () => {
      const id = await store(mail('From: Jiro <jiro@example.jp>\r\nSubject: poison\r\nMessage-ID: <slow-poison@x>'));
      // The database refuses what the parser makes of this mail (a NOT NULL column), every time.
      const parser = {
        parse: async (raw: Parameters<typeof world.pool.parse>[0]) => {
          const parsed = await world.pool.parse(raw);
          const broken = {
            filename: 'x',
            contentType: null,
            size: 1,
            contentId: null,
            inline: false,
            checksum: 'x',
            content: null,
          };
          return { ...parsed, attachments: [broken as unknown as (typeof parsed.attachments)[number]] };
        },
      };
      const outcomes: QueueOutcome[] = [];
      const queue = new IngestQueue(
        { ...deps(), parser, mailboxIds: [mailboxId] },
        (outcome) => outcomes.push(outcome),
        createLogger('silent'),
      );
      const row = () =>
        world.db.message.findUniqueOrThrow({
          where: { id },
          select: { parseState: true, ingestAttempts: true, ingestRetryAt: true, ticketId: true, parseError: true },
        });
      const before = Date.now();
      queue.kick();
      await vi.waitFor(async () => expect((await row()).ingestAttempts).toBe(1), { timeout: 10_000 });
      const first = await row();
      expect(first.parseState).toBe('stored');
      expect(first.parseError).toMatch(/contentType|null|NOT NULL/i);
      // Not tried again for about a minute (not within seconds, as before), whatever kicks it.
      expect(first.ingestRetryAt!.getTime()).toBeGreaterThan(before + 40_000);
      queue.kick();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await row()).ingestAttempts).toBe(1);

      // Hours later, after its third failure, it is taken from its headers: posted with what could be read.
      await world.db.message.update({
        where: { id },
        data: { ingestAttempts: 3, ingestRetryAt: new Date(Date.now() - 1000) },
      });
      queue.kick();
      await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 10_000 });
      await queue.stop();
      expect(outcomes[0]!.kind).toBe('new_ticket');
      const done = await row();
      expect(done.ticketId).not.toBeNull();
      expect(done.parseState).toBe('failed');
      const ticket = await world.db.ticket.findUniqueOrThrow({
        where: { id: done.ticketId! },
        include: { customer: true },
      });
      expect(ticket.subject).toBe('poison');
      expect(ticket.customer?.address).toBe('jiro@example.jp');
      expect(
        (await world.db.slackPost.findMany({ where: { ticketId: ticket.id } })).map((post) => post.kind),
      ).toContain('ticket');
    });

    it('gives a mail up only after a day of tries, with a post in the channel naming it', async () => {
      // A mail the database refuses however it is read (a trigger standing in for any lasting refusal).
      if (providerOfDb(world.db) === 'sqlite') {
        await world.db.$executeRawUnsafe(
          `CREATE TRIGGER "refuse_poison" BEFORE UPDATE OF "ticketId" ON "Message" WHEN NEW."subject" = 'refused always' BEGIN SELECT RAISE(ABORT, 'refused by a rule of this database'); END`,
        );
      } else {
        await world.db.$executeRawUnsafe(
          `CREATE FUNCTION "refuse_poison"() RETURNS trigger AS $$ BEGIN IF NEW."subject" = 'refused always' THEN RAISE EXCEPTION 'refused by a rule of this database'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
        );
        await world.db.$executeRawUnsafe(
          `CREATE TRIGGER "refuse_poison" BEFORE UPDATE ON "Message" FOR EACH ROW EXECUTE FUNCTION "refuse_poison"()`,
        );
      }
      try {
        const id = await store(
          mail('From: Saburo <saburo@example.jp>\r\nSubject: refused always\r\nMessage-ID: <refused-always@x>'),
        );
        const outcomes: QueueOutcome[] = [];
        const queue = new IngestQueue(
          { ...deps(), mailboxIds: [mailboxId] },
          (outcome) => outcomes.push(outcome),
          createLogger('silent'),
        );
        // The eleventh failure (as if a day had passed): one more try is left.
        await world.db.message.update({ where: { id }, data: { ingestAttempts: 10 } });
        queue.kick();
        await vi.waitFor(
          async () => expect((await world.db.message.findUniqueOrThrow({ where: { id } })).ingestAttempts).toBe(11),
          { timeout: 10_000 },
        );
        expect(await world.db.slackPost.count({ where: { mailboxId, kind: 'mail_given_up' } })).toBe(0);
        await world.db.message.update({ where: { id }, data: { ingestRetryAt: new Date(Date.now() - 1000) } });
        queue.kick();
        await vi.waitFor(() => expect(outcomes).toEqual([{ kind: 'given_up' }]), { timeout: 10_000 });
        await queue.stop();
        const row = await world.db.message.findUniqueOrThrow({ where: { id } });
        expect(row.parseState).toBe('given_up');
        expect(row.parseError).toMatch(/refused by a rule/);
        const [post] = await world.db.slackPost.findMany({ where: { mailboxId, kind: 'mail_given_up' } });
        expect(post!.channelId).toBe('C0SUPPORT');
        expect(JSON.parse(post!.payload)).toMatchObject({
          stage: 'ingest',
          messageRowId: id,
          from: 'saburo@example.jp',
          subject: 'refused always',
          attempts: 12,
        });
      } finally {
        await world.db.$executeRawUnsafe(
          `DROP TRIGGER IF EXISTS "refuse_poison"${providerOfDb(world.db) === 'sqlite' ? '' : ' ON "Message"'}`,
        );
      }
    });
  });
}
