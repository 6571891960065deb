/**
 * Forwarding a ticket's mail, end to end through the running bot: "Forward…" beside the
 * customer's mail opens the forward modal (Block Kit as Slack takes it), the note and a
 * file uploaded as Slack sends a file_input are reviewed like a reply, and the mail that
 * reaches the SMTP server says `Fwd: `, carries the note, the forwarded-message block, the
 * customer's text and their attachment byte for byte, and threads to nothing of the
 * customer's. The third party's answer comes back into the ticket as an internal note: it
 * neither reopens the ticket nor becomes where replies go.
 */
import { createHash, randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { expect, it } from 'vitest';
import { mrkdwnTexts } from '../support/blocks.js';
import { appendMail } from '../support/dovecot.js';
import { mailWithAttachment } from '../support/mime.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import {
  approveDraft,
  draftInThread,
  openReplyModal,
  openedModals,
  submitReplyModal,
  type OpenedModal,
} from '../support/reply-modal.js';
import { waitFor } from '../support/net.js';
import { postedTicket } from '../support/posted-ticket.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

const sha256 = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describeWithDovecot('forwarding a mail', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture);
  const thread = (message: StoredMessage) => fixture.slack.posted(CHANNEL_ID, message.ts);

  it('forwards the mail with its attachment after review, and takes the answer in as an internal note', async () => {
    const invoice = randomBytes(40 * 1024);
    const subject = `Fw: 見積もりの件 ${Date.now()}`;
    const customerMessageId = `fwd-${Date.now()}@customer.example.jp`;
    await appendMail(dovecot, fixture.mailbox, [
      mailWithAttachment({
        headers: [
          'From: 鈴木 花子 <hanako@customer.example.jp>',
          `To: ${fixture.mailbox}`,
          'Cc: boss@customer.example.jp',
          `Subject: ${subject}`,
          `Message-ID: <${customerMessageId}>`,
          'Date: Fri, 04 Dec 2026 10:00:00 +0900',
        ],
        text: '添付の仕様で見積もりをお願いします。<!channel>',
        file: { name: 'spec.pdf', contentType: 'application/pdf', bytes: invoice },
      }),
    ]);
    const { message: ticket, ticketId } = await postedTicket(fixture, db, '見積もりの件');
    const mailRow = db.prepare("SELECT id FROM Message WHERE ticketId = ? AND direction = 'in'").get(ticketId) as {
      id: number;
    };

    // "Forward…" is offered in the menu beside the mail's text.
    const menu = JSON.stringify(ticket.blocks);
    expect(menu).toContain(`"value":"${mailRow.id}:forward"`);

    // Someone outside the channel may not forward it.
    const open = async (userId: string, responseId?: string) => {
      const before = openedModals(fixture).length;
      await fixture.requests.blockAction({
        userId,
        channelId: CHANNEL_ID,
        messageTs: ticket.ts,
        responseId,
        action: {
          action_id: 'mail.original',
          type: 'overflow',
          selected_option: { text: { type: 'plain_text', text: 'Forward…' }, value: `${mailRow.id}:forward` },
        },
      });
      return before;
    };
    await open(USERS.outsider.id, 'outsider-forward');
    await fixture.slack.answerTo('outsider-forward', 'the refusal');
    expect(db.prepare("SELECT COUNT(*) AS n FROM Draft WHERE kind = 'forward'").get()).toEqual({ n: 0 });

    const before = await open(USERS.agentEn.id);
    await waitFor(() => openedModals(fixture).length > before, 5_000, 'the forward modal');
    const modal: OpenedModal = openedModals(fixture).at(-1)!;
    expect(modal.callback_id).toBe('forward.submit');
    // The stand-in took the view (Block Kit limits); the forwarded mail is shown, escaped, with its file.
    const shownInModal = mrkdwnTexts(modal.blocks).join('\n');
    expect(shownInModal).toContain('hanako@customer.example.jp');
    expect(shownInModal).toContain('spec.pdf (40 KB)');
    expect(shownInModal).toContain('&lt;!channel&gt;');
    expect(shownInModal).not.toContain('<!channel>');
    const blocks = modal.blocks as { block_id?: string; element?: { type: string } }[];
    expect(blocks.find((block) => block.block_id === 'reply_files')?.element?.type).toBe('file_input');

    // Our own address is refused; a third party with a note and an uploaded file is taken.
    const refused = await submitReplyModal(
      fixture,
      USERS.agentEn.id,
      modal.private_metadata,
      { to: fixture.mailbox, body: 'x' },
      'forward.submit',
    );
    expect(Object.keys(JSON.parse(refused.body).errors)).toEqual(['reply_to']);
    const drawing = Buffer.from('%PDF-1.4\ndrawing\n'.repeat(500));
    const upload = fixture.slack.addUserFile({
      name: 'drawing.pdf',
      mimetype: 'application/pdf',
      bytes: drawing,
      user: USERS.agentEn.id,
    });
    const submitted = await submitReplyModal(
      fixture,
      USERS.agentEn.id,
      modal.private_metadata,
      {
        to: 'Partner Sales <sales@partner.example.com>',
        body: 'Could you quote this for our customer?',
        uploads: [upload],
      },
      'forward.submit',
    );
    expect(submitted.body).toBe('');

    // The reviewer sees the note, the recipient, the forwarded mail and every file.
    const draftPost = await draftInThread(fixture, ticket!);
    const shown = mrkdwnTexts(draftPost.blocks).join('\n');
    expect(shown).toContain('Forward by <@U0AGENTEN> (version 1)');
    expect(shown).toContain('sales@partner.example.com');
    expect(shown).toContain('Could you quote this for our customer?');
    expect(shown).toContain('hanako@customer.example.jp');
    expect(shown).toContain('spec.pdf (40 KB)');
    expect(shown).toContain('drawing.pdf');
    expect(fixture.smtp.mails).toHaveLength(0);

    // Its author is no reviewer: the refusal speaks of a forward, not a reply.
    await approveDraft(fixture, USERS.agentEn.id, ticket, draftPost, 'author-approves');
    expect(String((await fixture.slack.answerTo('author-approves', 'the refusal')).text)).toContain(
      'Only reviewers of this mailbox can approve forwards.',
    );

    await approveDraft(fixture, USERS.reviewer.id, ticket!, draftPost);
    await waitFor(() => fixture.smtp.mails.length === 1, 15_000, 'the forward at the SMTP server');
    const sent = fixture.smtp.mails[0]!;
    expect(sent.to).toEqual(['sales@partner.example.com']);
    const parsed = await simpleParser(sent.raw);
    // `Fw:` already there: not stacked.
    expect(parsed.subject).toBe(subject);
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.references).toBeUndefined();
    expect(parsed.messageId).toMatch(/^<mailroom\..+>$/);
    expect(parsed.text).toContain('Could you quote this for our customer?');
    expect(parsed.text).toContain('---------- Forwarded message ----------');
    expect(parsed.text).toContain('From: 鈴木 花子 <hanako@customer.example.jp>');
    expect(parsed.text).toContain(`Subject: ${subject}`);
    expect(parsed.text).toContain('Cc: boss@customer.example.jp');
    expect(parsed.text).toContain('添付の仕様で見積もりをお願いします。');
    expect(parsed.html).toContain('Could you quote this for our customer?');
    expect(parsed.html).toContain('添付の仕様で見積もりをお願いします。&lt;!channel&gt;');
    // multipart/mixed: the text and HTML alternatives, then the forwarded file and the upload.
    expect(sent.raw).toMatch(/Content-Type: multipart\/mixed/);
    expect(sent.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(
      parsed.attachments.map((file) => ({ name: file.filename, type: file.contentType, sum: sha256(file.content) })),
    ).toEqual([
      { name: 'spec.pdf', type: 'application/pdf', sum: sha256(invoice) },
      { name: 'drawing.pdf', type: 'application/pdf', sum: sha256(drawing) },
    ]);

    // Recorded: in the thread as a forward, and in the audit log; the ticket did not move on.
    await waitFor(
      () => thread(ticket).some((m) => (m.text ?? '').startsWith('Forwarded to Partner Sales')),
      10_000,
      'the forward in the thread',
    );
    expect(
      db.prepare("SELECT COUNT(*) AS n FROM AuditLog WHERE ticketId = ? AND action = 'forward.sent'").get(ticketId),
    ).toEqual({
      n: 1,
    });
    const ticketRow = () =>
      db.prepare('SELECT status, customerId, firstResponseAt FROM Ticket WHERE id = ?').get(ticketId) as {
        status: string;
        customerId: number;
        firstResponseAt: unknown;
      };
    expect(ticketRow().status).toBe('open');
    expect(ticketRow().firstResponseAt).toBeNull();

    // The ticket is closed meanwhile; the partner answers the forward.
    const customerBefore = ticketRow().customerId;
    await fixture.requests.blockAction({
      userId: USERS.agentEn.id,
      channelId: CHANNEL_ID,
      messageTs: ticket.ts,
      action: {
        action_id: 'ticket.status',
        type: 'static_select',
        selected_option: { text: { type: 'plain_text', text: 'Done' }, value: `${ticketId}:done` },
      },
    });
    await waitFor(() => ticketRow().status === 'done', 5_000, 'the ticket closed');
    await appendMail(dovecot, fixture.mailbox, [
      [
        'From: Partner Sales <sales@partner.example.com>',
        `To: ${fixture.mailbox}`,
        `Subject: Re: ${subject}`,
        `Message-ID: <answer-${Date.now()}@partner.example.com>`,
        `In-Reply-To: ${parsed.messageId}`,
        `References: ${parsed.messageId}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'We can do it for 120,000 yen.',
        '',
      ].join('\r\n'),
    ]);
    await waitFor(
      () => thread(ticket).some((m) => JSON.stringify(m.blocks ?? []).includes('120,000 yen')),
      15_000,
      'the answer in the thread',
    );
    const answer = thread(ticket).find((m) => JSON.stringify(m.blocks ?? []).includes('120,000 yen'))!;
    expect(mrkdwnTexts(answer.blocks).join('\n')).toContain('An answer to a forward: an internal note');
    // Not the customer's mail: the ticket stays closed, its customer the same, replies still go to the customer.
    expect(ticketRow().status).toBe('done');
    expect(ticketRow().customerId).toBe(customerBefore);
    const stored = db
      .prepare("SELECT ticketId, flags FROM Message WHERE fromAddress = 'sales@partner.example.com'")
      .get() as { ticketId: number; flags: string };
    expect(stored.ticketId).toBe(ticketId);
    expect(JSON.parse(stored.flags).forwardAnswer).toBe(true);
    const reply = await openReplyModal(fixture, USERS.agentJa.id, ticket, ticketId);
    const to = (reply.blocks as { block_id?: string; element?: { initial_value?: string } }[]).find(
      (block) => block.block_id === 'reply_to',
    )?.element?.initial_value;
    expect(to).toBe('hanako@customer.example.jp');
  });
});
