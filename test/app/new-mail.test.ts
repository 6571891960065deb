/**
 * New outbound mail, end to end through the running bot: `/mail new` opens the compose
 * modal (Block Kit as Slack takes it, only the mailboxes whose channel the person is in),
 * submitting it with a file uploaded as Slack sends a file_input makes a ticket in the
 * mailbox's channel with the draft waiting for review; approved, the mail reaching the SMTP
 * server has its own Message-ID and no threading headers, text and HTML and the file byte
 * for byte; the customer's answer threads into that ticket as the customer's mail.
 */
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { expect, it } from 'vitest';
import { mrkdwnTexts } from '../support/blocks.js';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import {
  approveDraft,
  draftInThread,
  openComposeModal,
  openedModals,
  submitComposeModal,
} from '../support/reply-modal.js';
import { waitFor } from '../support/net.js';
import { postedTicket } from '../support/posted-ticket.js';
import { describeWithDovecot } from '../support/services.js';

const sha256 = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describeWithDovecot('new outbound mail', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture);

  const compose = (userId: string) => openComposeModal(fixture, userId);
  const submit = (
    userId: string,
    values: { mailbox: string; to: string; subject: string; body: string },
    uploads: Record<string, unknown>[] = [],
  ) => submitComposeModal(fixture, userId, values, uploads);

  it('opens a ticket for a new mail, sends it after review and threads the answer into it', async () => {
    // Someone in no mailbox's channel has nothing to write from; a forged submission changes nothing.
    const refusedModal = await compose(USERS.outsider.id);
    expect(refusedModal.callback_id).not.toBe('compose.submit');
    const mailboxKey = (db.prepare('SELECT key FROM Mailbox').get() as { key: string }).key;
    const forged = await submit(USERS.outsider.id, {
      mailbox: mailboxKey,
      to: 'taro@customer.example.jp',
      subject: 'x',
      body: 'x',
    });
    expect(Object.keys(JSON.parse(forged.body).errors)).toEqual(['compose_mailbox']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM Draft').get()).toEqual({ n: 0 });

    const modal = await compose(USERS.agentEn.id);
    expect(modal.callback_id).toBe('compose.submit');
    const blocks = modal.blocks as { block_id?: string; element?: { type: string; options?: { value: string }[] } }[];
    expect(blocks.find((block) => block.block_id === 'compose_mailbox')?.element?.options?.map((o) => o.value)).toEqual(
      [mailboxKey],
    );
    expect(blocks.find((block) => block.block_id === 'reply_files')?.element?.type).toBe('file_input');

    // Missing subject and our own address in To: said on the fields, nothing made.
    const invalid = await submit(USERS.agentEn.id, {
      mailbox: mailboxKey,
      to: fixture.mailbox,
      subject: ' ',
      body: 'Hello',
    });
    expect(Object.keys(JSON.parse(invalid.body).errors).sort()).toEqual(['compose_subject', 'reply_to']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM Ticket').get()).toEqual({ n: 0 });

    const brochure = Buffer.from('%PDF-1.4\nbrochure\n'.repeat(300));
    const upload = fixture.slack.addUserFile({
      name: 'brochure.pdf',
      mimetype: 'application/pdf',
      bytes: brochure,
      user: USERS.agentEn.id,
    });
    const subject = `Your renewal ${Date.now()}`;
    const done = await submit(
      USERS.agentEn.id,
      {
        mailbox: mailboxKey,
        to: 'Taro Yamada <taro@customer.example.jp>',
        subject,
        body: 'Your contract renews next month.',
      },
      [upload],
    );
    expect(done.body).toBe('');

    // The ticket is in the channel while the mail waits for review, its customer the To.
    const { message: ticket } = await postedTicket(fixture, db, subject, 10_000);
    const shownTicket = mrkdwnTexts(ticket.blocks).join('\n');
    expect(shownTicket).toContain('taro@customer.example.jp');
    expect(shownTicket).toContain('Your contract renews next month.');
    const row = db
      .prepare('SELECT t.id, t.number, t.status, c.address FROM Ticket t JOIN Customer c ON c.id = t.customerId')
      .get() as { id: number; number: number; status: string; address: string };
    expect(row.address).toBe('taro@customer.example.jp');
    const draftPost = await draftInThread(fixture, ticket);
    const shownDraft = mrkdwnTexts(draftPost.blocks).join('\n');
    expect(shownDraft).toContain('New mail by <@U0AGENTEN> (version 1)');
    expect(shownDraft).toContain('this new mail waits for your review');
    expect(shownDraft).toContain('Taro Yamada &lt;taro@customer.example.jp&gt;');
    expect(shownDraft).toContain('brochure.pdf');
    expect(fixture.smtp.mails).toHaveLength(0);

    await approveDraft(fixture, USERS.reviewer.id, ticket, draftPost);
    await waitFor(() => fixture.smtp.mails.length === 1, 15_000, 'the mail at the SMTP server');
    const sent = fixture.smtp.mails[0]!;
    expect(sent.to).toEqual(['taro@customer.example.jp']);
    const parsed = await simpleParser(sent.raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.references).toBeUndefined();
    expect(parsed.messageId).toMatch(/^<mailroom\..+>$/);
    expect(parsed.headers.get('auto-submitted')).toBe('no');
    expect(parsed.text).toContain('Your contract renews next month.');
    expect(parsed.html).toContain('Your contract renews next month.');
    expect(sent.raw).toMatch(/Content-Type: multipart\/mixed/);
    expect(sent.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(parsed.attachments.map((file) => [file.filename, sha256(file.content)])).toEqual([
      ['brochure.pdf', sha256(brochure)],
    ]);
    await waitFor(
      () => fixture.slack.posted(CHANNEL_ID, ticket.ts).some((m) => (m.text ?? '').startsWith('Mail sent to')),
      10_000,
      'the sent mail in the thread',
    );

    // The customer answers: the answer joins the ticket as the customer's mail, and reopens it.
    await appendMail(dovecot, fixture.mailbox, [
      [
        'From: Taro Yamada <taro@customer.example.jp>',
        `To: ${fixture.mailbox}`,
        `Subject: Re: ${subject}`,
        `Message-ID: <renewal-answer-${Date.now()}@customer.example.jp>`,
        `In-Reply-To: ${parsed.messageId}`,
        `References: ${parsed.messageId}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Thanks, please renew.',
        '',
      ].join('\r\n'),
    ]);
    await waitFor(
      () =>
        fixture.slack
          .posted(CHANNEL_ID, ticket.ts)
          .some((m) => JSON.stringify(m.blocks ?? []).includes('Thanks, please renew.')),
      15_000,
      'the answer in the thread',
    );
    const answer = db
      .prepare(
        "SELECT ticketId, flags FROM Message WHERE direction = 'in' AND fromAddress = 'taro@customer.example.jp'",
      )
      .get() as { ticketId: number; flags: string };
    expect(answer.ticketId).toBe(row.id);
    expect(JSON.parse(answer.flags).stranger).toBeUndefined();
    expect(db.prepare('SELECT COUNT(*) AS n FROM Ticket').get()).toEqual({ n: 1 });
  });
  it('starts a new mail from a template chosen in the compose modal and records its version', async () => {
    // A template of the mailbox, made as an agent makes one (`template.new`, then `template.save`).
    const opened = () => openedModals(fixture).length;
    const before = opened();
    await fixture.requests.blockAction({
      userId: USERS.agentEn.id,
      channelId: CHANNEL_ID,
      messageTs: '1700000000.000100',
      action: { action_id: 'template.new', type: 'button', value: 'default' },
    });
    await waitFor(() => opened() > before, 5_000, 'the template modal');
    const text = (value: string) => ({ type: 'plain_text_input', value });
    const saved = await fixture.requests.viewSubmission({
      userId: USERS.agentEn.id,
      callbackId: 'template.save',
      privateMetadata: openedModals(fixture).at(-1)!.private_metadata,
      values: {
        template_name: { name: text('Renewal notice') },
        template_category: { category: text('') },
        template_scope: { scope: { type: 'static_select', selected_option: { value: 'mailbox:default' } } },
        template_body: {
          body: text(
            'Dear {{customer_name}},\nyour plan renews soon.\n{{agent_name}}, {{mailbox_name}} #{{ticket_number}}',
          ),
        },
      },
    });
    expect(saved.body).toBe('');
    const version = db
      .prepare(
        "SELECT v.id FROM TemplateVersion v JOIN Template t ON t.id = v.templateId WHERE t.name = 'Renewal notice'",
      )
      .get() as { id: number };

    const modal = await compose(USERS.agentEn.id);
    expect(JSON.stringify(modal.blocks)).toContain(`"value":"${version.id}"`);
    const viewId = [...fixture.slack.views.values()].filter((view) => view.callback_id === 'compose.submit').at(-1)!
      .id as string;
    fixture.slack.type(viewId, 'reply_to', 'to', 'Hanako Sato <hanako@customer.example.jp>');
    fixture.slack.type(viewId, 'compose_subject', 'subject', 'Your renewal');
    const updates = () => fixture.slack.callsOf('views.update').filter((call) => !call.error);
    const updatesBefore = updates().length;
    await fixture.requests.viewAction({
      userId: USERS.agentEn.id,
      view: fixture.slack.viewPayload(viewId),
      action: {
        action_id: 'compose.template',
        type: 'static_select',
        block_id: 'compose_template',
        selected_option: { value: String(version.id), text: { type: 'plain_text', text: 'Renewal notice (v1)' } },
      },
    });
    await waitFor(() => updates().length > updatesBefore, 5_000, 'the compose modal filled in');
    const updated = fixture.slack.views.get(viewId)!;
    const blocks = updated.blocks as { block_id?: string }[];
    const bodyBlock = blocks.find((block) => String(block.block_id).startsWith('reply_body'))!.block_id!;
    expect(bodyBlock).toBe('reply_body.1');
    // Known before the ticket exists: the customer (first To), the agent, the mailbox; the number stays for the author to see.
    const body = fixture.slack.shownValue(viewId, bodyBlock, 'body')!;
    expect(body).toMatch(/^Dear Hanako Sato,\nyour plan renews soon\.\nAlex Agent, .+ #\{\{ticket_number\}\}$/);
    expect(fixture.slack.shownValue(viewId, 'compose_subject', 'subject')).toBe('Your renewal');
    expect(JSON.stringify(blocks)).toContain('Filled in from “Renewal notice” (version 1)');

    const done = await submitComposeModal(
      fixture,
      USERS.agentEn.id,
      { mailbox: 'default', to: 'Hanako Sato <hanako@customer.example.jp>', subject: 'Your renewal', body },
      [],
      { privateMetadata: updated.private_metadata as string, bodyBlock },
    );
    expect(done.body).toBe('');
    const draft = db
      .prepare("SELECT kind, templateVersionId, body FROM Draft WHERE subject = 'Your renewal'")
      .get() as {
      kind: string;
      templateVersionId: number | null;
      body: string;
    };
    expect(draft).toEqual({ kind: 'new', templateVersionId: version.id, body });
  });
});

describeWithDovecot('a new mail sent without review', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture, {
    REVIEW_POLICY: 'none',
    SIGNATURE: 'Example Support\\nYour ticket: #{{ticket_number}}',
  });

  it('is signed with the number its ticket got, when a mail arriving as it was built took the next number', async () => {
    const mailboxKey = (db.prepare('SELECT key FROM Mailbox').get() as { key: string }).key;
    const upload = fixture.slack.addUserFile({
      name: 'terms.pdf',
      mimetype: 'application/pdf',
      bytes: Buffer.from('%PDF-1.4\nterms\n'.repeat(100)),
      user: USERS.agentEn.id,
    });
    // While the bot fetches the file to build the mail, a customer's mail comes in and is
    // made a ticket first.
    const arriving = `Meanwhile ${Date.now()}`;
    let arrived = false;
    fixture.slack.beforeAnswer = async (call) => {
      if (call.method !== 'files.info' || arrived) return;
      arrived = true;
      await appendMail(dovecot, fixture.mailbox, [
        [
          'From: Jiro Suzuki <jiro@customer.example.jp>',
          `To: ${fixture.mailbox}`,
          `Subject: ${arriving}`,
          `Message-ID: <meanwhile-${Date.now()}@customer.example.jp>`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          'A question.',
          '',
        ].join('\r\n'),
      ]);
      await waitFor(
        () => (db.prepare('SELECT COUNT(*) AS n FROM Ticket').get() as { n: number }).n === 1,
        15_000,
        'the arriving mail’s ticket',
      );
    };
    const subject = `Your terms ${Date.now()}`;
    const done = await submitComposeModal(
      fixture,
      USERS.agentEn.id,
      { mailbox: mailboxKey, to: 'taro@customer.example.jp', subject, body: 'Here are the new terms.' },
      [upload],
    );
    fixture.slack.beforeAnswer = undefined;
    expect(done.body).toBe('');
    expect(arrived).toBe(true);

    await waitFor(() => fixture.smtp.mails.length === 1, 15_000, 'the mail at the SMTP server');
    const tickets = db.prepare('SELECT id, number, subject FROM Ticket ORDER BY number').all() as {
      id: number;
      number: number;
      subject: string;
    }[];
    expect(tickets.map((ticket) => ticket.subject)).toEqual([arriving, subject]);
    const number = tickets[1]!.number;
    expect(number).toBe(tickets[0]!.number + 1);
    const parsed = await simpleParser(fixture.smtp.mails[0]!.raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.text).toContain(`Your ticket: #${number}`);
    expect(parsed.html).toContain(`Your ticket: #${number}`);
    expect(parsed.attachments.map((file) => file.filename)).toEqual(['terms.pdf']);
    // The draft, the stored copy of the mail and the sent mail say the same.
    const draft = db.prepare('SELECT signature FROM Draft WHERE ticketId = ?').get(tickets[1]!.id) as {
      signature: string;
    };
    expect(draft.signature).toBe(`Example Support\nYour ticket: #${number}`);
    const stored = db
      .prepare("SELECT COUNT(*) AS n FROM Message WHERE ticketId = ? AND direction = 'out' AND text LIKE ?")
      .get(tickets[1]!.id, `%Your ticket: #${number}%`) as { n: number };
    expect(stored.n).toBe(1);
    // Exactly one staged copy was kept: the one built with the number taken first was removed.
    expect((db.prepare("SELECT COUNT(*) AS n FROM Message WHERE direction = 'out'").get() as { n: number }).n).toBe(1);
  });
});
