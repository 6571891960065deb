/**
 * Replies end to end, driven as Slack drives the app: mail arrives through real Dovecot,
 * people click and submit modals with signed requests, the reply goes out through a real
 * SMTP server, a copy lands in the Sent folder, and the customer's answer threads back.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendMail, openImap } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { openReplyModal, submitReplyModal } from '../support/reply-modal.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

describeWithDovecot('replies with review', (dovecot) => {
  const fixture = useFixture(dovecot);
  let bot: MailroomProcess;
  let db: Database.Database;
  let mails = 0;
  // Another address of the same mailbox: mail to it is answered from it.
  const alias = () => fixture.mailbox.replace('support-', 'billing-');

  const startBot = async () => {
    // The author may approve others' replies, but never their own.
    bot = new MailroomProcess(
      'src/main.ts',
      fixture.env({
        REVIEWERS: `${USERS.reviewer.id},${USERS.agentJa.id}`,
        // `\n` in the environment is a line break; the variables are filled for each author.
        SIGNATURE: '{{agent_name}}\\n{{mailbox_name}} <{{mailbox_address}}>',
        ALIASES: alias(),
      }),
      fixture.dir,
    );
    await bot.waitForLog('started');
    await bot.waitForLog('imap_connected');
  };
  beforeAll(async () => {
    await startBot();
    db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
  });
  afterAll(async () => {
    db?.close();
    await bot?.stop();
  });

  async function newTicket(
    subject: string,
    from: string,
    moreHeaders = '',
    { to = fixture.mailbox, text = '注文した商品が届きません。\r\n確認をお願いします。\r\n' } = {},
  ): Promise<{ message: StoredMessage; ticketId: number; messageId: string }> {
    mails += 1;
    const messageId = `reply-${mails}-${Date.now()}@customer.example.jp`;
    await appendMail(dovecot, fixture.mailbox, [
      `From: 山田 太郎 <${from}>\r\n${moreHeaders}To: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${messageId}>\r\nReferences: <earlier-${mails}@customer.example.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}`,
    ]);
    let message: StoredMessage | undefined;
    await waitFor(
      () => !!(message = fixture.slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks).includes(subject))),
      15_000,
      `the post of ${subject}`,
    );
    const ticketId = (message!.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
    await waitFor(
      () =>
        (db.prepare('SELECT slackTs FROM Ticket WHERE id = ?').get(ticketId) as { slackTs: string | null } | undefined)
          ?.slackTs != null,
      5_000,
      'the ticket ts',
    );
    return { message: message!, ticketId, messageId };
  }

  const answers = (responseId: string) => fixture.slack.responsesTo(responseId).map((body) => String(body.text ?? ''));
  const thread = (message: StoredMessage) => fixture.slack.posted(CHANNEL_ID, message.ts);
  const opened = () =>
    fixture.slack.calls
      .filter((call) => call.method === 'views.open' && !call.error)
      .map((call) => call.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] });
  const draftRow = (ticketId: number) =>
    db
      .prepare('SELECT id, state, revision FROM Draft WHERE ticketId = ? AND state != ? ORDER BY id DESC')
      .get(ticketId, 'discarded') as { id: number; state: string; revision: number };

  async function click(userId: string, message: StoredMessage, action: Record<string, unknown>): Promise<string> {
    const responseId = `r-${Math.random().toString(36).slice(2)}`;
    const response = await fixture.requests.blockAction({
      userId,
      channelId: CHANNEL_ID,
      messageTs: message.ts,
      action,
      responseId,
    });
    expect(response.status).toBe(200);
    return responseId;
  }

  /** Opens the reply modal on a ticket and submits it; returns Slack's HTTP answer body. */
  async function writeReply(
    userId: string,
    message: StoredMessage,
    ticketId: number,
    values: { to?: string; cc?: string; body: string },
  ) {
    const modal = await openReplyModal(fixture, userId, message, ticketId);
    // What the modal was opened with, as the person leaves it unless they type something else.
    const prefilled = (blockId: string) =>
      (modal.blocks as { block_id?: string; element?: { initial_value?: string } }[]).find(
        (block) => block.block_id === blockId,
      )?.element?.initial_value ?? '';
    return submitModal(userId, modal.private_metadata, {
      to: values.to ?? prefilled('reply_to'),
      cc: values.cc ?? prefilled('reply_cc'),
      body: values.body,
    });
  }

  const submitModal = (userId: string, privateMetadata: string, values: { to: string; cc: string; body: string }) =>
    submitReplyModal(fixture, userId, privateMetadata, values);

  /** The review buttons on the newest draft message in the thread. */
  function reviewButtons(message: StoredMessage): { blockId: string; draftId: string } {
    const draftMessage = [...thread(message)]
      .reverse()
      .find((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve'));
    if (!draftMessage) return { blockId: '', draftId: '' };
    const actions = (
      draftMessage.blocks as { type: string; block_id?: string; elements?: { value?: string }[] }[]
    ).find((block) => block.type === 'actions')!;
    return { blockId: actions.block_id!, draftId: actions.elements![0]!.value! };
  }
  const review = (actionId: string, buttons: { blockId: string; draftId: string }) => ({
    action_id: actionId,
    type: 'button',
    block_id: buttons.blockId,
    value: buttons.draftId,
  });

  it('sends exactly one reviewed reply with the right headers, refusing non-reviewers and self-approval, and threads the answer back', async () => {
    const { message, ticketId, messageId } = await newTicket('商品が届きません', 'taro@customer.example.jp');
    await click(USERS.agentJa.id, message, { action_id: 'ticket.claim', type: 'button', value: String(ticketId) });

    // Bad input is refused on the field, and nothing is stored as submitted.
    const bad = await writeReply(USERS.agentJa.id, message, ticketId, { to: 'not an address', body: '' });
    const errors = (JSON.parse(bad.body) as { response_action: string; errors: Record<string, string> }).errors;
    expect(Object.keys(errors).sort()).toEqual(['reply_body', 'reply_to']);
    expect(draftRow(ticketId).state).toBe('editing');
    // Our own address would bring the reply straight back in as new mail.
    const toOurselves = await writeReply(USERS.agentJa.id, message, ticketId, { cc: fixture.mailbox, body: 'x' });
    expect((JSON.parse(toOurselves.body) as { errors: Record<string, string> }).errors).toEqual({
      reply_cc: expect.stringContaining(fixture.mailbox),
    });
    expect(draftRow(ticketId).state).toBe('editing');
    // A +tag variant in another case reaches the same mailbox.
    const tagged = fixture.mailbox.replace('@', '+billing@').toUpperCase();
    const toTagged = await writeReply(USERS.agentJa.id, message, ticketId, { to: tagged, body: 'x' });
    expect((JSON.parse(toTagged.body) as { errors: Record<string, string> }).errors).toEqual({
      reply_to: expect.stringContaining(tagged),
    });
    expect(draftRow(ticketId).state).toBe('editing');

    const submitted = await writeReply(USERS.agentJa.id, message, ticketId, {
      body: '山田様\n\nご連絡ありがとうございます。本日発送いたしました。',
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');
    expect(draftRow(ticketId).state).toBe('in_review');
    await waitFor(
      () => thread(message).some((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve')),
      5_000,
      'the draft in the thread',
    );
    const draftPost = thread(message).find((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve'))!;
    // The reviewers are told a reply waits for them.
    expect(JSON.stringify(draftPost.blocks)).toContain(`<@${USERS.reviewer.id}>`);
    const buttons = reviewButtons(message);

    const notReviewer = await click(USERS.agentEn.id, message, review('draft.approve', buttons));
    await waitFor(() => answers(notReviewer).length > 0, 5_000, 'the refusal');
    expect(answers(notReviewer)[0]).toContain('Only reviewers');
    const own = await click(USERS.agentJa.id, message, review('draft.approve', buttons));
    await waitFor(() => answers(own).length > 0, 5_000, 'the refusal');
    expect(answers(own)[0]).toContain('自分の返信は承認できません');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(fixture.smtp.mails).toHaveLength(0);

    await click(USERS.reviewer.id, message, review('draft.approve', buttons));
    await waitFor(() => fixture.smtp.mails.length === 1, 10_000, 'the mail at the SMTP server');
    const sent = fixture.smtp.mails[0]!;
    expect(sent.to).toEqual(['taro@customer.example.jp']);
    expect(sent.from).toBe(fixture.mailbox);
    const parsed = await simpleParser(sent.raw);
    expect(parsed.subject).toBe('Re: 商品が届きません');
    expect(parsed.inReplyTo).toBe(`<${messageId}>`);
    expect(parsed.references).toEqual([`<earlier-${mails}@customer.example.jp>`, `<${messageId}>`]);
    expect(parsed.from?.value[0]).toMatchObject({ address: fixture.mailbox, name: 'Example Support' });
    expect(parsed.headers.get('auto-submitted')).toBe('no');
    expect(parsed.text).toContain('本日発送いたしました。');
    // The customer's text below, quoted unchanged.
    expect(parsed.text).toContain('> 注文した商品が届きません。\n> 確認をお願いします。');
    const ourId = parsed.messageId!;
    expect(
      (db.prepare('SELECT messageId FROM OutboxMail WHERE draftId = ?').get(buttons.draftId) as { messageId: string })
        .messageId,
    ).toBe(ourId.slice(1, -1));

    // The ticket moves on; the thread shows what was sent; the Sent folder has a copy.
    await waitFor(
      () =>
        (db.prepare('SELECT status FROM Ticket WHERE id = ?').get(ticketId) as { status: string }).status === 'done',
      5_000,
      'the status after the reply',
    );
    expect(
      (
        db.prepare('SELECT firstResponseAt FROM Ticket WHERE id = ?').get(ticketId) as {
          firstResponseAt: number | null;
        }
      ).firstResponseAt,
    ).not.toBeNull();
    await waitFor(
      () =>
        thread(message).some(
          (m) =>
            (m.text ?? '').includes('taro@customer.example.jp') && JSON.stringify(m.blocks ?? []).includes('本日発送'),
        ),
      5_000,
      'the sent reply in the thread',
    );
    await bot.waitForLog('reply_copied_to_sent');
    const imap = await openImap(dovecot, fixture.mailbox);
    try {
      const lock = await imap.getMailboxLock('Sent');
      const copies: string[] = [];
      for await (const copy of imap.fetch('1:*', { envelope: true })) copies.push(copy.envelope?.messageId ?? '');
      lock.release();
      expect(copies).toContain(ourId);
    } finally {
      await imap.logout();
    }

    // Approving again sends nothing.
    const again = await click(USERS.reviewer.id, message, review('draft.approve', buttons));
    await waitFor(() => answers(again).length > 0, 5_000, 'the answer');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(fixture.smtp.mails).toHaveLength(1);

    // The customer answers our reply: same thread, the ticket open again.
    const threadBefore = thread(message).length;
    await appendMail(dovecot, fixture.mailbox, [
      `From: taro@customer.example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: Re: 商品が届きません\r\nMessage-ID: <answer-${Date.now()}@customer.example.jp>\r\nIn-Reply-To: ${ourId}\r\nReferences: <${messageId}> ${ourId}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n届きました。ありがとうございます。\r\n`,
    ]);
    await waitFor(
      () =>
        thread(message)
          .slice(threadBefore)
          .some((m) => JSON.stringify(m.blocks ?? []).includes('届きました。')),
      15_000,
      'the answer in the same thread',
    );
    expect((db.prepare('SELECT status FROM Ticket WHERE id = ?').get(ticketId) as { status: string }).status).toBe(
      'open',
    );
    // The channel sees it open again, and the thread says why.
    await waitFor(
      () => thread(message).some((m) => (m.text ?? '').includes('The customer wrote again')),
      10_000,
      'the reopen trace',
    );
    await waitFor(
      () => JSON.stringify(fixture.slack.messages.find((m) => m.ts === message.ts)!.blocks).includes('*Status*\\nOpen'),
      10_000,
      'the ticket message open again',
    );
  });

  /** The newest draft message in the ticket's thread, as Block Kit JSON. */
  const draftShown = (message: StoredMessage) =>
    JSON.stringify(
      [...thread(message)].reverse().find((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve'))?.blocks,
    );

  it('sends text and HTML with the signature the reviewer was shown, the customer’s mail quoted in both and escaped in HTML', async () => {
    const { message, ticketId } = await newTicket('署名と HTML', 'taro@customer.example.jp', '', {
      text: '注文した商品が届きません。\r\n<script>alert("x")</script> & <b>太字</b>\r\n',
    });
    const body = '山田様\n\nご連絡ありがとうございます。\n本日発送いたしました。';
    await writeReply(USERS.agentJa.id, message, ticketId, { body });
    await waitFor(() => reviewButtons(message).draftId !== '', 5_000, 'the draft in the thread');
    // The signature as it will be sent: the author's name and the mailbox filled in.
    const signature = `佐藤 花子\nExample Support <${fixture.mailbox}>`;
    const shown = draftShown(message);
    expect(shown).toContain('Signature, sent below the text:');
    expect(shown).toContain(JSON.stringify(`佐藤 花子\nExample Support &lt;${fixture.mailbox}&gt;`).slice(1, -1));

    const mailsBefore = fixture.smtp.mails.length;
    await click(USERS.reviewer.id, message, review('draft.approve', reviewButtons(message)));
    await waitFor(() => fixture.smtp.mails.length === mailsBefore + 1, 10_000, 'the mail');
    const sent = await simpleParser(fixture.smtp.mails.at(-1)!.raw);
    expect(sent.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    // The text part is the reply as before, with the signature below it; the quote as always.
    const [own, quoted] = sent.text!.split(/\n(?=On .+ wrote:\n)/);
    expect(own).toBe(`${body}\n\n${signature}\n`);
    expect(quoted).toMatch(
      /^On .+, 山田 太郎 <taro@customer\.example\.jp> wrote:\n> 注文した商品が届きません。\n> <script>alert\("x"\)<\/script> & <b>太字<\/b>\n?$/,
    );
    // The HTML part says the same; the customer's markup is text in the blockquote.
    expect(sent.html).toContain('ご連絡ありがとうございます。<br>\n本日発送いたしました。');
    expect(sent.html).toContain(`佐藤 花子<br>\nExample Support &lt;${fixture.mailbox}&gt;`);
    expect(sent.html).toMatch(
      /<blockquote[^>]*>注文した商品が届きません。<br>\n&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;b&gt;太字&lt;\/b&gt;<\/blockquote>/,
    );
    expect(sent.html).not.toContain('<script');
  });

  it('prefills reply-all, warns author and reviewer of recipients not as on the customer’s mail, and answers from the alias written to', async () => {
    const { message, ticketId } = await newTicket(
      'Cc の件',
      'taro@customer.example.jp',
      `Cc: =?UTF-8?B?${Buffer.from('部長').toString('base64')}?= <boss@customer.example.jp>, hanako@customer.example.jp, ${fixture.mailbox}\r\n`,
      { to: alias() },
    );
    const before = opened().length;
    const answer = await writeReply(USERS.agentJa.id, message, ticketId, {
      cc: '部長 <boss@customer.example.jp>, intruder@other.example',
      body: 'ご確認ください。',
    });
    // Cc: the customer's To and Cc without our own addresses (the alias, the mailbox) and the To.
    expect(JSON.stringify(opened()[before]!.blocks)).toContain(
      '"initial_value":"部長 <boss@customer.example.jp>, hanako@customer.example.jp"',
    );
    // The author is told, in their language, and nothing is held back.
    const confirmation = JSON.parse(answer.body) as { response_action: string; view: { blocks: unknown[] } };
    expect(confirmation.response_action).toBe('update');
    const said = JSON.stringify(confirmation.view.blocks);
    expect(said).toContain('追加 intruder@other.example（お客様のメールにない宛先）');
    expect(said).toContain('削除 hanako@customer.example.jp（お客様のメールにあった宛先）');
    expect(draftRow(ticketId).state).toBe('in_review');
    // The reviewer sees the same warning on the draft, in the mailbox's language.
    await waitFor(() => reviewButtons(message).draftId !== '', 5_000, 'the draft in the thread');
    expect(draftShown(message)).toContain(
      'The recipients differ from the customer’s mail: added intruder@other.example (not on the customer’s mail); removed hanako@customer.example.jp (on the customer’s mail)',
    );
    // It goes out from the alias the customer wrote to, and the reviewer sees so.
    expect(draftShown(message)).toContain(`*From:* Example Support &lt;${alias()}&gt;`);
    expect(draftShown(message)).toContain(JSON.stringify(`佐藤 花子\nExample Support &lt;${alias()}&gt;`).slice(1, -1));

    const mailsBefore = fixture.smtp.mails.length;
    await click(USERS.reviewer.id, message, review('draft.approve', reviewButtons(message)));
    await waitFor(() => fixture.smtp.mails.length === mailsBefore + 1, 10_000, 'the mail');
    const sent = fixture.smtp.mails.at(-1)!;
    // The envelope stays the mailbox's own address: a bounce comes back to the mailbox.
    expect(sent.from).toBe(fixture.mailbox);
    expect(sent.to.sort()).toEqual(['boss@customer.example.jp', 'intruder@other.example', 'taro@customer.example.jp']);
    const parsed = await simpleParser(sent.raw);
    expect(parsed.from?.value[0]).toMatchObject({ address: alias(), name: 'Example Support' });
    expect(parsed.text).toContain(`佐藤 花子\nExample Support <${alias()}>`);
  });

  it('sends a draft back with the reviewer’s comment; the author’s new version is reviewed and sent', async () => {
    const { message, ticketId } = await newTicket('Invoice question', 'hanako@customer.example.jp');
    await writeReply(USERS.agentEn.id, message, ticketId, { body: 'Dear customer, see attached.' });
    await waitFor(
      () => thread(message).some((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve')),
      5_000,
      'the draft',
    );
    const first = reviewButtons(message);

    const before = opened().length;
    await click(USERS.reviewer.id, message, review('draft.request_changes', first));
    await waitFor(() => opened().length > before, 5_000, 'the comment modal');
    const commentModal = opened().at(-1)!;
    expect(commentModal.callback_id).toBe('draft.changes');
    const sentBack = await fixture.requests.viewSubmission({
      userId: USERS.reviewer.id,
      callbackId: 'draft.changes',
      privateMetadata: commentModal.private_metadata,
      values: {
        changes_comment: {
          comment: { type: 'plain_text_input', value: 'Nothing is attached. Name the invoice number instead.' },
        },
      },
    });
    expect(sentBack.body).toBe('');
    expect(draftRow(ticketId).state).toBe('changes_requested');
    // The author is told (mentioned), and the comment is kept with the draft.
    await waitFor(
      () =>
        thread(message).some(
          (m) =>
            (m.text ?? '').includes(`<@${USERS.agentEn.id}>`) && (m.text ?? '').includes('Name the invoice number'),
        ),
      5_000,
      'the request in the thread',
    );
    expect(db.prepare('SELECT decision, comment FROM Review WHERE draftId = ?').all(first.draftId)).toEqual([
      { decision: 'changes_requested', comment: 'Nothing is attached. Name the invoice number instead.' },
    ]);

    // Only the author edits; the edit is a new version, and the old message is marked replaced.
    const notAuthor = await click(USERS.agentJa.id, message, review('draft.edit', first));
    await waitFor(() => answers(notAuthor).length > 0, 5_000, 'the refusal');
    const editBefore = opened().length;
    await click(USERS.agentEn.id, message, review('draft.edit', first));
    await waitFor(() => opened().length > editBefore, 5_000, 'the edit modal');
    const editModal = opened().at(-1)!;
    expect(JSON.stringify(editModal.blocks)).toContain('Dear customer, see attached.');
    await submitModal(USERS.agentEn.id, editModal.private_metadata, {
      to: 'hanako@customer.example.jp',
      cc: 'boss@customer.example.jp',
      body: 'Dear customer, the invoice number is INV-2026-114.',
    });
    expect(draftRow(ticketId)).toMatchObject({ state: 'in_review', revision: 2 });
    await waitFor(() => reviewButtons(message).blockId.endsWith('-r2'), 5_000, 'the new version in the thread');

    // Approving the old version's buttons is refused; the new one is sent, once.
    const stale = await click(USERS.reviewer.id, message, review('draft.approve', first));
    await waitFor(() => answers(stale).length > 0, 5_000, 'the refusal');
    const mailsBefore = fixture.smtp.mails.length;
    await click(USERS.reviewer.id, message, review('draft.approve', reviewButtons(message)));
    await waitFor(() => fixture.smtp.mails.length === mailsBefore + 1, 10_000, 'the mail');
    const sent = fixture.smtp.mails.at(-1)!;
    expect(sent.to.sort()).toEqual(['boss@customer.example.jp', 'hanako@customer.example.jp']);
    expect((await simpleParser(sent.raw)).text).toContain('INV-2026-114');
  });

  it('answers the mail its author saw, and leaves the ticket open when the customer wrote again meanwhile', async () => {
    const { message, ticketId, messageId } = await newTicket('二通目が来る件', 'jiro@customer.example.jp');
    await writeReply(USERS.agentJa.id, message, ticketId, { body: 'ご連絡ありがとうございます。確認いたします。' });
    await waitFor(() => reviewButtons(message).draftId !== '', 5_000, 'the draft in the thread');
    const buttons = reviewButtons(message);
    // While the reply waits for its reviewer, the customer writes again.
    await appendMail(dovecot, fixture.mailbox, [
      `From: jiro@customer.example.jp\r\nTo: ${fixture.mailbox}\r\nSubject: Re: 二通目が来る件\r\nMessage-ID: <second-${messageId}>\r\nIn-Reply-To: <${messageId}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n追加の質問です。\r\n`,
    ]);
    await waitFor(
      () => thread(message).some((m) => JSON.stringify(m.blocks ?? []).includes('追加の質問です')),
      15_000,
      'the second mail in the thread',
    );
    const mailsBefore = fixture.smtp.mails.length;
    await click(USERS.reviewer.id, message, review('draft.approve', buttons));
    await waitFor(() => fixture.smtp.mails.length === mailsBefore + 1, 10_000, 'the mail');
    // It threads to and quotes the mail that was answered, not the one nobody has read yet.
    const parsed = await simpleParser(fixture.smtp.mails.at(-1)!.raw);
    expect(parsed.inReplyTo).toBe(`<${messageId}>`);
    expect(parsed.text).not.toContain('追加の質問です');
    await waitFor(() => draftRow(ticketId)?.state === 'sent', 5_000, 'the reply recorded as sent');
    // The second mail still waits for an answer: the ticket is not closed.
    expect(
      (
        db.prepare('SELECT status, closedAt FROM Ticket WHERE id = ?').get(ticketId) as {
          status: string;
          closedAt: unknown;
        }
      ).status,
    ).not.toBe('done');
  });

  it('shows a Reply-To that is not the sender, and a stranger joining the thread does not move the reply', async () => {
    const { message, ticketId, messageId } = await newTicket(
      '返信先が違う件',
      'saburo@customer.example.jp',
      'Reply-To: saburo.home@customer.example.jp\r\n',
    );
    expect(JSON.stringify(message.blocks)).toContain('*Reply-To:* saburo.home@customer.example.jp — not the sender');
    // Someone who got hold of the Message-ID answers, asking for the reply themselves.
    await appendMail(dovecot, fixture.mailbox, [
      `From: mallory@evil.example\r\nReply-To: mallory@evil.example\r\nTo: ${fixture.mailbox}\r\nSubject: Re: 返信先が違う件\r\nMessage-ID: <stranger-${messageId}>\r\nIn-Reply-To: <${messageId}>\r\n\r\nPlease send the answer to me.\r\n`,
    ]);
    await waitFor(
      () => thread(message).some((m) => JSON.stringify(m.blocks ?? []).includes('Please send the answer to me.')),
      15_000,
      'the stranger’s mail in the thread',
    );
    const strangerPost = thread(message).find((m) =>
      JSON.stringify(m.blocks ?? []).includes('Please send the answer to me.'),
    )!;
    expect(JSON.stringify(strangerPost.blocks)).toContain('it does not change where replies go');

    const before = opened().length;
    const mailsBefore = fixture.smtp.mails.length;
    await writeReply(USERS.agentEn.id, message, ticketId, { body: 'We will look into it.' });
    const modal = JSON.stringify(opened()[before]!.blocks);
    expect(modal).toContain('"initial_value":"saburo.home@customer.example.jp"');
    expect(modal).toContain(
      'Replies go to saburo.home@customer.example.jp, the mail’s Reply-To: it is not the sender, saburo@customer.example.jp.',
    );
    await waitFor(() => reviewButtons(message).draftId !== '', 5_000, 'the draft in the thread');
    await click(USERS.reviewer.id, message, review('draft.approve', reviewButtons(message)));
    await waitFor(() => fixture.smtp.mails.length === mailsBefore + 1, 10_000, 'the mail');
    expect(fixture.smtp.mails.at(-1)!.to).toEqual(['saburo.home@customer.example.jp']);
    expect((await simpleParser(fixture.smtp.mails.at(-1)!.raw)).inReplyTo).toBe(`<${messageId}>`);
  });

  it('reports a refusal by the mail server in the thread and sends nothing else', async () => {
    const { message, ticketId } = await newTicket('Bounce me', 'nobody@customer.example.jp');
    fixture.smtp.refuseNext = { code: 550, message: '5.1.1 <nobody@customer.example.jp>: user unknown', times: 1 };
    await writeReply(USERS.agentEn.id, message, ticketId, { body: 'Hello' });
    await waitFor(
      () => thread(message).some((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve')),
      5_000,
      'the draft',
    );
    const mailsBefore = fixture.smtp.mails.length;
    await click(USERS.reviewer.id, message, review('draft.approve', reviewButtons(message)));
    await waitFor(
      () => thread(message).some((m) => (m.text ?? '').includes('user unknown')),
      10_000,
      'the server’s reason in the thread',
    );
    expect(draftRow(ticketId).state).toBe('failed');
    expect(fixture.smtp.mails.length).toBe(mailsBefore);
  });

  it('never sends a second mail when killed between the server taking the mail and recording it', async () => {
    const { message, ticketId } = await newTicket('Crash while sending', 'jiro@customer.example.jp');
    await writeReply(USERS.agentEn.id, message, ticketId, { body: 'This goes out once.' });
    await waitFor(
      () => thread(message).some((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve')),
      5_000,
      'the draft',
    );
    const mailsBefore = fixture.smtp.mails.length;
    fixture.smtp.beforeAccept = async () => {
      bot.child.kill('SIGKILL');
      await bot.exited;
    };
    await click(USERS.reviewer.id, message, review('draft.approve', reviewButtons(message)));
    await bot.exited;
    fixture.smtp.beforeAccept = undefined;
    // Our reading connection must not be what the restarted bot waits for.
    db.close();
    expect(fixture.smtp.mails.length).toBe(mailsBefore + 1);

    await startBot();
    db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
    await waitFor(
      () => thread(message).some((m) => (m.text ?? '').includes('not certain whether the customer got it')),
      10_000,
      'the notice in the thread',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(fixture.smtp.mails.length).toBe(mailsBefore + 1);
    expect(draftRow(ticketId).state).toBe('uncertain');
  }, 60_000);
});
