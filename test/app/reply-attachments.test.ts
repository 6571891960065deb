/**
 * Attachments in replies, end to end through the running bot: a customer's mail brings a
 * file into the thread, the author attaches it and a file uploaded in the modal, the
 * reviewer sees both on the draft, and the mail that reaches the SMTP server carries them
 * byte for byte; a reply over the size limit is refused on the field, and nothing is sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { expect, it } from 'vitest';
import { mrkdwnTexts } from '../support/blocks.js';
import { appendMail } from '../support/dovecot.js';
import { mailWithAttachment } from '../support/mime.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { approveDraft, draftInThread, openReplyModal, submitReplyModal } from '../support/reply-modal.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

const sha256 = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describeWithDovecot('attachments in replies', (dovecot) => {
  const fixture = useFixture(dovecot);
  // A 1 MB limit, so "too large" needs no large file.
  const { db } = useRunningBot(fixture, { REPLY_ATTACHMENT_MAX_MB: '1' });

  const thread = (message: StoredMessage) => fixture.slack.posted(CHANNEL_ID, message.ts);
  const submit = (
    userId: string,
    privateMetadata: string,
    input: { body: string; uploads: Record<string, unknown>[]; threadFiles: { text: string; value: string }[] },
  ) => submitReplyModal(fixture, userId, privateMetadata, { to: 'hanako@customer.example.jp', ...input });

  it('sends the files the reviewer saw, byte for byte, refuses too much on the field, and names them in the thread', async () => {
    // The customer's mail brings a PDF; Mailroom shares it in the ticket's thread.
    const invoice = randomBytes(48 * 1024);
    const subject = `請求書の件 ${Date.now()}`;
    await appendMail(dovecot, fixture.mailbox, [
      mailWithAttachment({
        headers: [
          `From: 鈴木 花子 <hanako@customer.example.jp>`,
          `To: ${fixture.mailbox}`,
          `Subject: ${subject}`,
          `Message-ID: <attach-${Date.now()}@customer.example.jp>`,
        ],
        text: '請求書を送ります。署名して返送してください。',
        file: { name: 'invoice.pdf', contentType: 'application/pdf', bytes: invoice },
      }),
    ]);
    let message: StoredMessage | undefined;
    await waitFor(
      () => !!(message = fixture.slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks).includes(subject))),
      15_000,
      'the ticket post',
    );
    const ticket = message!;
    const ticketId = (ticket.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
    await waitFor(
      () => thread(ticket).some((m) => m.files?.some((file) => file.name === 'invoice.pdf')),
      15_000,
      'the invoice shared in the thread',
    );
    const sharedInvoice = thread(ticket)
      .flatMap((m) => m.files ?? [])
      .find((file) => file.name === 'invoice.pdf')!;
    // A colleague shares a file of theirs in the thread (kept with their comment).
    const prices = Buffer.from('品番,価格\nA-1,1200\n', 'utf8');
    const priceList = fixture.slack.addUserFile({
      name: 'prices.csv',
      mimetype: 'text/csv',
      bytes: prices,
      user: USERS.agentEn.id,
    });
    await fixture.requests.event(fixture.slack.shareUserFile(String(priceList.id), CHANNEL_ID, ticket.ts));
    await waitFor(
      () => !!db.prepare("SELECT id FROM Comment WHERE ticketId = ? AND files LIKE '%prices.csv%'").get(ticketId),
      5_000,
      'the file comment',
    );

    // The modal offers a file upload, and the files of the thread to choose from.
    const modal = await openReplyModal(fixture, USERS.agentJa.id, ticket, ticketId);
    const inputs = modal.blocks as { block_id?: string; element?: { type: string; options?: { value: string }[] } }[];
    expect(inputs.find((block) => block.block_id === 'reply_files')?.element?.type).toBe('file_input');
    const menu = inputs.find((block) => block.block_id === 'reply_thread_files')?.element;
    expect(menu?.type).toBe('multi_static_select');
    expect(menu?.options?.map((option) => option.value)).toEqual([sharedInvoice.id, priceList.id]);

    // Over the mailbox's limit (1 MB here): refused on the upload field, in the writer's language.
    const big = fixture.slack.addUserFile({
      name: 'scan.tiff',
      mimetype: 'image/tiff',
      bytes: randomBytes(1_100_000),
      user: USERS.agentJa.id,
    });
    const invoiceOption = { text: 'invoice.pdf', value: sharedInvoice.id };
    const tooLarge = await submit(USERS.agentJa.id, modal.private_metadata, {
      body: '署名済みの請求書をお送りします。',
      uploads: [big],
      threadFiles: [invoiceOption],
    });
    expect(JSON.parse(tooLarge.body)).toEqual({
      response_action: 'errors',
      errors: { reply_files: '添付ファイルが合計 1.1 MB あります。このメールボックスから送れるのは 1 MB までです。' },
    });
    const enModal = await openReplyModal(fixture, USERS.agentEn.id, ticket, ticketId);
    const tooLargeEn = await submit(USERS.agentEn.id, enModal.private_metadata, {
      body: 'x',
      uploads: [big],
      threadFiles: [],
    });
    expect(JSON.parse(tooLargeEn.body).errors).toEqual({
      reply_files: 'The attachments come to 1.1 MB together; this mailbox sends at most 1 MB.',
    });
    // A thread file the modal did not offer is not attached.
    const stranger = fixture.slack.addUserFile({
      name: 'other.txt',
      mimetype: 'text/plain',
      bytes: Buffer.from('not from this ticket'),
      user: USERS.agentEn.id,
    });
    const forged = await submit(USERS.agentJa.id, modal.private_metadata, {
      body: 'x',
      uploads: [],
      threadFiles: [{ text: 'other.txt', value: String(stranger.id) }],
    });
    expect(JSON.parse(forged.body).errors).toEqual({
      reply_thread_files: expect.stringContaining(String(stranger.id)),
    });
    expect(db.prepare('SELECT COUNT(*) AS n FROM DraftAttachment').get()).toEqual({ n: 0 });
    expect(fixture.smtp.mails).toHaveLength(0);

    // Within the limit: the signed invoice uploaded here, and the customer's invoice from the thread.
    const signed = Buffer.from('%PDF-1.4\n署名済み\n'.repeat(2_000));
    const upload = fixture.slack.addUserFile({
      name: '請求書_署名済み.pdf',
      mimetype: 'application/pdf',
      bytes: signed,
      user: USERS.agentJa.id,
    });
    const submitted = await submit(USERS.agentJa.id, modal.private_metadata, {
      body: '署名済みの請求書をお送りします。',
      uploads: [upload],
      threadFiles: [invoiceOption, { text: 'prices.csv', value: String(priceList.id) }],
    });
    expect(submitted.body).toBe('');

    // The reviewer sees every file that will be sent, with its size.
    const draftPost = await draftInThread(fixture, ticket);
    const shown = mrkdwnTexts(draftPost.blocks).join('\n');
    expect(shown).toContain(`請求書_署名済み.pdf (${(signed.length / 1024).toFixed(0)} KB)`);
    expect(shown).toContain('invoice.pdf (48 KB)');
    expect(shown).toContain(`prices.csv (${prices.length} B)`);
    expect(fixture.smtp.mails).toHaveLength(0);

    const approve = (responseId?: string) => approveDraft(fixture, USERS.reviewer.id, ticket, draftPost, responseId);
    const actions = (draftPost.blocks as { type: string; block_id?: string; elements?: { value?: string }[] }[]).find(
      (block) => block.type === 'actions',
    )!;
    // The author reopening the draft finds its files chosen (the upload among the thread's files).
    const before = fixture.slack.callsOf('views.open').length;
    await fixture.requests.blockAction({
      userId: USERS.agentJa.id,
      channelId: CHANNEL_ID,
      messageTs: ticket.ts,
      action: {
        action_id: 'draft.edit',
        type: 'button',
        block_id: actions.block_id,
        value: actions.elements![0]!.value,
      },
    });
    await waitFor(() => fixture.slack.callsOf('views.open').length > before, 5_000, 'the edit modal');
    const editCall = fixture.slack.callsOf('views.open').at(-1)!;
    expect(editCall.error).toBeUndefined();
    const editMenu = (
      editCall.args.view as { blocks: { block_id?: string; element?: { initial_options?: { value: string }[] } }[] }
    ).blocks.find((block) => block.block_id === 'reply_thread_files')?.element;
    expect(editMenu?.initial_options?.map((option) => option.value).sort()).toEqual(
      [String(upload.id), sharedInvoice.id, String(priceList.id)].sort(),
    );

    // A file deleted in Slack before the approval: nothing is sent, and the reviewer is told which.
    fixture.slack.files.get(String(upload.id))!.deleted = true;
    await approve('approve-deleted');
    expect(String((await fixture.slack.answerTo('approve-deleted', 'the refusal')).text)).toContain(
      '請求書_署名済み.pdf',
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM OutboxMail').get()).toEqual({ n: 0 });
    expect(fixture.smtp.mails).toHaveLength(0);
    fixture.slack.files.get(String(upload.id))!.deleted = false;
    await approve();
    await waitFor(() => fixture.smtp.mails.length === 1, 15_000, 'the mail at the SMTP server');
    const parsed = await simpleParser(fixture.smtp.mails[0]!.raw);
    expect(parsed.text).toContain('署名済みの請求書をお送りします。');
    expect(
      parsed.attachments.map((file) => ({
        filename: file.filename,
        contentType: file.contentType,
        checksum: sha256(file.content),
      })),
    ).toEqual([
      { filename: '請求書_署名済み.pdf', contentType: 'application/pdf', checksum: sha256(signed) },
      { filename: 'invoice.pdf', contentType: 'application/pdf', checksum: sha256(invoice) },
      { filename: 'prices.csv', contentType: 'text/csv', checksum: sha256(prices) },
    ]);
    // Fetched with the bot token, as Slack requires.
    expect(fixture.slack.downloads.length).toBeGreaterThanOrEqual(3);
    expect(fixture.slack.downloads.every((download) => download.authorized)).toBe(true);

    // The reply as sent, in the thread, names its files.
    const sentPost = () => thread(ticket).find((m) => (m.text ?? '').startsWith('Reply sent to'));
    await waitFor(() => !!sentPost(), 10_000, 'the sent reply in the thread');
    expect(mrkdwnTexts(sentPost()!.blocks)).toContainEqual(
      `:paperclip: Attached: 請求書_署名済み.pdf (${(signed.length / 1024).toFixed(0)} KB), invoice.pdf (48 KB), prices.csv (${prices.length} B)`,
    );
  });

  it('gives a file to a download with the bot token only', async () => {
    const file = fixture.slack.addUserFile({
      name: 'private.txt',
      mimetype: 'text/plain',
      bytes: Buffer.from('secret'),
      user: USERS.agentEn.id,
    });
    const url = String(file.url_private_download);
    const anonymous = await fetch(url);
    expect(await anonymous.text()).not.toContain('secret');
    const withToken = await fetch(url, { headers: { authorization: `Bearer ${fixture.slack.botToken}` } });
    expect(await withToken.text()).toBe('secret');
  });
});
