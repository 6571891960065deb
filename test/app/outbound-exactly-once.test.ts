/**
 * Exactly once for a new mail and for a forward (both are drafts sent through the reply's
 * outbox): with REVIEW_POLICY=none the mail is queued as the modal is submitted; the bot is
 * killed with SIGKILL just as the SMTP server takes it, restarted, and never sends it
 * again — it says in the thread that it is not certain.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHANNEL_ID, USERS, useFixture } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { appendMail } from '../support/dovecot.js';
import { postedTicket } from '../support/posted-ticket.js';
import { openForwardModal, submitComposeModal, submitReplyModal } from '../support/reply-modal.js';
import { describeWithDovecot } from '../support/services.js';

describeWithDovecot('a new mail under SIGKILL', (dovecot) => {
  const fixture = useFixture(dovecot);
  let bot: MailroomProcess;
  const startBot = async () => {
    bot = new MailroomProcess('src/main.ts', fixture.env({ REVIEW_POLICY: 'none' }), fixture.dir);
    await bot.waitForLog('started');
    await bot.waitForLog('imap_connected');
  };
  beforeAll(startBot);
  afterAll(async () => {
    await bot?.stop();
  });

  it('never sends a second mail when killed between the server taking it and recording it', async () => {
    const subject = `Killed while sending ${Date.now()}`;
    const dbPath = path.join(fixture.dir, 'data', 'mailroom.db');
    const readDb = () => new Database(dbPath, { readonly: true });
    const first = readDb();
    const { key } = first.prepare('SELECT key FROM Mailbox').get() as { key: string };
    first.close();
    fixture.smtp.beforeAccept = async () => {
      bot.child.kill('SIGKILL');
      await bot.exited;
    };
    const submitted = await submitComposeModal(fixture, USERS.agentEn.id, {
      mailbox: key,
      to: 'jiro@customer.example.jp',
      subject,
      body: 'This goes out once.',
    });
    expect(submitted.body).toBe('');
    await bot.exited;
    fixture.smtp.beforeAccept = undefined;
    expect(fixture.smtp.mails.length).toBe(1);

    await startBot();
    const ticket = () => fixture.slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks ?? []).includes(subject));
    await waitFor(
      () =>
        !!ticket() &&
        fixture.slack.posted(CHANNEL_ID, ticket()!.ts).some((m) => (m.text ?? '').includes('not certain whether')),
      15_000,
      'the notice in the thread',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(fixture.smtp.mails.length).toBe(1);
    const db = readDb();
    try {
      expect(db.prepare("SELECT state FROM Draft WHERE kind = 'new'").all()).toEqual([{ state: 'uncertain' }]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM OutboxMail').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  }, 90_000);

  it('never sends a forward twice when killed between the server taking it and recording it', async () => {
    const subject = `Forward killed while sending ${Date.now()}`;
    const dbPath = path.join(fixture.dir, 'data', 'mailroom.db');
    const readDb = () => new Database(dbPath, { readonly: true });
    await appendMail(dovecot, fixture.mailbox, [
      `From: Hanako <hanako@customer.example.jp>\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <fwd-kill-${Date.now()}@customer.example.jp>\r\n\r\nPlease ask your supplier.\r\n`,
    ]);
    const watch = readDb();
    const { message, ticketId } = await postedTicket(fixture, watch, subject);
    const { id: mailRowId } = watch
      .prepare("SELECT id FROM Message WHERE ticketId = ? AND direction = 'in'")
      .get(ticketId) as { id: number };
    watch.close();
    const modal = await openForwardModal(fixture, USERS.agentEn.id, message, mailRowId);
    const sentBefore = fixture.smtp.mails.length;
    fixture.smtp.beforeAccept = async () => {
      bot.child.kill('SIGKILL');
      await bot.exited;
    };
    const submitted = await submitReplyModal(
      fixture,
      USERS.agentEn.id,
      modal.private_metadata,
      { to: 'sales@partner.example.com', body: 'Could you quote this?' },
      'forward.submit',
    );
    expect(submitted.body).toBe('');
    await bot.exited;
    fixture.smtp.beforeAccept = undefined;
    expect(fixture.smtp.mails.length).toBe(sentBefore + 1);

    await startBot();
    await waitFor(
      () => fixture.slack.posted(CHANNEL_ID, message.ts).some((m) => (m.text ?? '').includes('not certain whether')),
      15_000,
      'the notice in the thread',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(fixture.smtp.mails.length).toBe(sentBefore + 1);
    const db = readDb();
    try {
      expect(db.prepare("SELECT state FROM Draft WHERE kind = 'forward'").all()).toEqual([{ state: 'uncertain' }]);
    } finally {
      db.close();
    }
  }, 90_000);
});
