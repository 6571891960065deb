/**
 * Forwards and new mails as the mailbox keeps them, end to end through the running bot:
 * a forward's own attachments count toward REPLY_ATTACHMENT_MAX_MB with the uploads (the
 * author is told how much of the total is the forwarded mail's), and a forward and a new
 * mail, once sent, are copied to the mailbox's Sent folder in Dovecot as replies are.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { expect, it } from 'vitest';
import { appendMail, openImap } from '../support/dovecot.js';
import { mailWithAttachment } from '../support/mime.js';
import { USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { postedTicket } from '../support/posted-ticket.js';
import {
  approveDraft,
  draftInThread,
  openComposeModal,
  openForwardModal,
  submitComposeModal,
  submitReplyModal,
} from '../support/reply-modal.js';
import { describeWithDovecot } from '../support/services.js';

describeWithDovecot('forwards and new mails: size limit and Sent copy', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { bot, db } = useRunningBot(fixture, { REPLY_ATTACHMENT_MAX_MB: '1' });

  /** The Message-IDs of the mails in the mailbox's Sent folder. */
  async function sentFolder(): Promise<string[]> {
    const imap = await openImap(dovecot, fixture.mailbox);
    try {
      const lock = await imap.getMailboxLock('Sent');
      const ids: string[] = [];
      try {
        for await (const copy of imap.fetch('1:*', { envelope: true })) ids.push(copy.envelope?.messageId ?? '');
      } finally {
        lock.release();
      }
      return ids;
    } finally {
      await imap.logout();
    }
  }

  it('counts the forwarded mail’s attachments toward the limit, and copies the sent forward to Sent', async () => {
    const catalog = randomBytes(700 * 1024);
    const subject = `Catalogue request ${Date.now()}`;
    await appendMail(dovecot, fixture.mailbox, [
      mailWithAttachment({
        headers: [
          'From: Kenji <kenji@customer.example.jp>',
          `To: ${fixture.mailbox}`,
          `Subject: ${subject}`,
          `Message-ID: <catalogue-${Date.now()}@customer.example.jp>`,
        ],
        text: 'Please pass this on to your supplier.',
        file: { name: 'catalogue.pdf', contentType: 'application/pdf', bytes: catalog },
      }),
    ]);
    const { message: ticket, ticketId } = await postedTicket(fixture, db, subject);
    const mailRow = db.prepare("SELECT id FROM Message WHERE ticketId = ? AND direction = 'in'").get(ticketId) as {
      id: number;
    };
    const modal = await openForwardModal(fixture, USERS.agentEn.id, ticket, mailRow.id);

    // 700 KB forwarded + 400 KB uploaded is over 1 MB, though the upload alone is not.
    const upload = fixture.slack.addUserFile({
      name: 'pricelist.pdf',
      mimetype: 'application/pdf',
      bytes: randomBytes(400 * 1024),
      user: USERS.agentEn.id,
    });
    const forward = (uploads: Record<string, unknown>[]) =>
      submitReplyModal(
        fixture,
        USERS.agentEn.id,
        modal.private_metadata,
        { to: 'orders@supplier.example.com', body: 'See the customer’s request below.', uploads },
        'forward.submit',
      );
    const tooLarge = await forward([upload]);
    expect(JSON.parse(tooLarge.body)).toEqual({
      response_action: 'errors',
      errors: {
        reply_files:
          'The attachments come to 1.1 MB together, 0.7 MB of them the forwarded mail’s own files; this mailbox sends at most 1 MB.',
      },
    });
    expect(db.prepare("SELECT state FROM Draft WHERE kind = 'forward'").get()).toEqual({ state: 'editing' });

    // Without the upload it fits: reviewed, sent with the forwarded file, and kept in Sent.
    expect((await forward([])).body).toBe('');
    await approveDraft(fixture, USERS.reviewer.id, ticket, await draftInThread(fixture, ticket));
    await waitFor(() => fixture.smtp.mails.length === 1, 15_000, 'the forward at the SMTP server');
    const parsed = await simpleParser(fixture.smtp.mails[0]!.raw);
    expect(parsed.attachments.map((file) => [file.filename, file.size])).toEqual([['catalogue.pdf', catalog.length]]);
    await bot.waitForLog('reply_copied_to_sent');
    expect(await sentFolder()).toContain(parsed.messageId);
  });

  it('tells the writer of a new mail the mailbox’s limit, and copies the sent mail to the Sent folder', async () => {
    const fileField = (
      (await openComposeModal(fixture, USERS.agentEn.id)).blocks as { block_id?: string; hint?: { text: string } }[]
    ).find((block) => block.block_id === 'reply_files');
    expect(fileField?.hint?.text).toContain('At most 1 MB together');

    const subject = `Welcome aboard ${Date.now()}`;
    const done = await submitComposeModal(fixture, USERS.agentEn.id, {
      mailbox: 'default',
      to: 'Mika <mika@customer.example.jp>',
      subject,
      body: 'Your account is ready.',
    });
    expect(done.body).toBe('');
    const { message: ticket } = await postedTicket(fixture, db, subject, 10_000);
    const sentBefore = fixture.smtp.mails.length;
    await approveDraft(fixture, USERS.reviewer.id, ticket, await draftInThread(fixture, ticket));
    await waitFor(() => fixture.smtp.mails.length > sentBefore, 15_000, 'the new mail at the SMTP server');
    const parsed = await simpleParser(fixture.smtp.mails.at(-1)!.raw);
    expect(parsed.subject).toBe(subject);
    // The copy is made after the send (over IMAP, as for a reply).
    await waitFor(async () => (await sentFolder()).includes(parsed.messageId!), 15_000, 'the copy in Sent');
  });
});
