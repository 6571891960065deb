/**
 * Merging two tickets of one customer and splitting a mail out, driven the way Slack
 * drives the app (signed block_actions and view submissions against the running bot),
 * with real Dovecot delivering the mail and the Slack stand-in showing what people see:
 * the pointer, the note, both ticket messages updated, a later reply landing in the
 * target, the undo, who may, and a split mail becoming a numbered ticket in the channel.
 * (The undo's one-day limit is in test/services/merge-tickets.test.ts, on a clock.)
 */
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

describeWithDovecot('merging and splitting tickets', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture);
  const run = Date.now();

  async function deliver(
    messageId: string,
    subject: string,
    body: string,
    { from = 'Kenji Sato <kenji@example.jp>', inReplyTo }: { from?: string; inReplyTo?: string } = {},
  ) {
    await appendMail(dovecot, fixture.mailbox, [
      `From: ${from}\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <${messageId}>\r\n${
        inReplyTo ? `In-Reply-To: <${inReplyTo}>\r\nReferences: <${inReplyTo}>\r\n` : ''
      }\r\n${body}\r\n`,
    ]);
  }

  const ticketRow = (id: number) =>
    db.prepare('SELECT id, number, status, mergedIntoId, slackTs FROM Ticket WHERE id = ?').get(id) as {
      id: number;
      number: number;
      status: string;
      mergedIntoId: number | null;
      slackTs: string | null;
    };

  /** A new mail, delivered and posted as a ticket; its Slack message and ticket. */
  async function newTicket(subject: string, messageId: string, from?: string) {
    await deliver(messageId, subject, `About ${subject}.`, { from });
    let message: StoredMessage | undefined;
    await waitFor(
      () =>
        !!(message = fixture.slack
          .posted(CHANNEL_ID)
          .find((m) => JSON.stringify(m.blocks).includes(`"text":"#`) && JSON.stringify(m.blocks).includes(subject))),
      15_000,
      `the post of ${subject}`,
    );
    const ticketId = (message!.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
    await waitFor(() => ticketRow(ticketId)?.slackTs != null, 5_000, 'the ticket ts');
    return { message: message!, ticketId, number: ticketRow(ticketId).number };
  }

  const current = (message: StoredMessage) =>
    fixture.slack.messages.find((m) => m.ts === message.ts && m.channel === CHANNEL_ID)!;
  const json = (message: StoredMessage) => JSON.stringify(current(message).blocks);
  const thread = (message: StoredMessage) => fixture.slack.posted(CHANNEL_ID, message.ts);
  const threadText = (message: StoredMessage) => thread(message).map((m) => JSON.stringify(m.blocks) + (m.text ?? ''));
  const answers = (responseId: string) => fixture.slack.responsesTo(responseId).map((body) => String(body.text ?? ''));
  const opened = () =>
    fixture.slack.calls
      .filter((call) => call.method === 'views.open' && !call.error)
      .map((call) => call.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] });
  const audits = (ticketId: number, action: string) =>
    (
      db.prepare('SELECT COUNT(*) AS n FROM AuditLog WHERE ticketId = ? AND action = ?').get(ticketId, action) as {
        n: number;
      }
    ).n;

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

  /** The value of the first control with this action id in a message. */
  function controlValue(message: StoredMessage, actionId: string): string {
    type Node = { action_id?: string; value?: string };
    const find = (node: unknown): Node | undefined => {
      if (!node || typeof node !== 'object') return undefined;
      if ((node as Node).action_id === actionId) return node as Node;
      for (const child of Object.values(node)) {
        const found = find(child);
        if (found) return found;
      }
      return undefined;
    };
    const control = find(current(message).blocks);
    const value = control?.value;
    if (!value) throw new Error(`no ${actionId} in ${json(message)}`);
    return value;
  }

  it('merges a customer’s new mail into their earlier ticket; their reply to it lands there; undo restores both', async () => {
    const earlier = await newTicket('Order 1001 has not arrived', `order-1.${run}@example.jp`);
    const later = await newTicket('Order 1001, once more', `order-2.${run}@example.jp`);
    const laterMail = `order-2.${run}@example.jp`;

    // Someone outside the channel may not.
    const outsider = await click(USERS.outsider.id, later.message, {
      action_id: 'ticket.merge',
      type: 'button',
      value: String(later.ticketId),
    });
    await waitFor(() => answers(outsider).length > 0, 5_000, 'the refusal');
    expect(answers(outsider)[0]).toContain('Only members of');

    // The modal offers the customer's earlier ticket.
    const before = opened().length;
    await click(USERS.agentEn.id, later.message, {
      action_id: 'ticket.merge',
      type: 'button',
      value: String(later.ticketId),
    });
    await waitFor(() => opened().length > before, 5_000, 'the merge modal');
    const modal = opened().at(-1)!;
    expect(modal.callback_id).toBe('ticket.merge');
    expect(JSON.stringify(modal.blocks)).toContain(`#${earlier.number} Order 1001 has not arrived (Open)`);

    // A number of no ticket is said on the field, and nothing happens.
    const wrong = await fixture.requests.viewSubmission({
      userId: USERS.agentEn.id,
      callbackId: 'ticket.merge',
      privateMetadata: modal.private_metadata,
      values: { merge_target_number: { number: { type: 'plain_text_input', value: '#999999' } } },
    });
    expect(JSON.parse(wrong.body)).toEqual({
      response_action: 'errors',
      errors: { merge_target_number: 'There is no ticket #999999 in this mailbox.' },
    });

    const merged = await fixture.requests.viewSubmission({
      userId: USERS.agentEn.id,
      callbackId: 'ticket.merge',
      privateMetadata: modal.private_metadata,
      values: {
        merge_target_choice: {
          ticket: { type: 'static_select', selected_option: { value: String(earlier.number) } },
        },
        merge_target_number: { number: { type: 'plain_text_input', value: null } },
      },
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toBe('');
    expect(ticketRow(later.ticketId)).toMatchObject({ mergedIntoId: earlier.ticketId, status: 'done' });
    expect(audits(later.ticketId, 'ticket.merged')).toBe(1);
    expect(audits(earlier.ticketId, 'ticket.merged_in')).toBe(1);

    // The merged ticket's message says where it went, and its controls are gone.
    await waitFor(() => json(later.message).includes('Merged into'), 5_000, 'the merged ticket message');
    expect(json(later.message)).not.toMatch(/"action_id":"ticket\./);
    // Its thread has the pointer, linking the target's thread, with Undo.
    const earlierLink = `https://standin.slack.test/archives/${CHANNEL_ID}/p${earlier.message.ts.replace('.', '')}`;
    await waitFor(
      () => threadText(later.message).some((text) => text.includes('merged this ticket into')),
      5_000,
      'the pointer',
    );
    const pointer = threadText(later.message).find((text) => text.includes('merged this ticket into'))!;
    expect(pointer).toContain(`<${earlierLink}|#${earlier.number}>`);
    expect(pointer).toContain('ticket.merge_undo');
    // The target's thread has the note; its message counts both mails now.
    await waitFor(() => threadText(earlier.message).some((text) => text.includes('merged in by')), 5_000, 'the note');
    const laterLink = `https://standin.slack.test/archives/${CHANNEL_ID}/p${later.message.ts.replace('.', '')}`;
    expect(threadText(earlier.message).find((text) => text.includes('merged in by'))).toContain(
      `<${laterLink}|#${later.number}> merged in by <@${USERS.agentEn.id}>: 1 mail(s).`,
    );
    await waitFor(() => json(earlier.message).includes('merged in · 2 mails'), 5_000, 'the target message');

    // A click on the merged ticket (an old message, a stale client) is refused, naming the target.
    const stale = await click(USERS.agentJa.id, later.message, {
      action_id: 'ticket.claim',
      type: 'button',
      value: String(later.ticketId),
    });
    await waitFor(() => answers(stale).length > 0, 5_000, 'the refusal');
    expect(answers(stale)[0]).toContain(`#${earlier.number} に統合されています`);

    // The customer answers the mail of the merged ticket: it lands in the target's thread.
    await deliver(`order-3.${run}@example.jp`, 'Re: Order 1001, once more', 'Any news about my order?', {
      inReplyTo: laterMail,
    });
    await waitFor(
      () => threadText(earlier.message).some((text) => text.includes('Any news about my order?')),
      15_000,
      'the reply in the target thread',
    );
    expect(threadText(later.message).some((text) => text.includes('Any news about my order?'))).toBe(false);
    const reply = db.prepare('SELECT ticketId FROM Message WHERE messageId = ?').get(`order-3.${run}@example.jp`) as {
      ticketId: number;
    };
    expect(reply.ticketId).toBe(earlier.ticketId);
    await waitFor(() => json(earlier.message).includes('merged in · 3 mails'), 5_000, 'the count after the reply');

    // Undo from the note in the target's thread: the source's own mail goes back, the reply stays.
    const note = thread(earlier.message).find((m) => JSON.stringify(m.blocks).includes('merged in by'))!;
    await click(USERS.agentJa.id, note, {
      action_id: 'ticket.merge_undo',
      type: 'button',
      value: controlValue(note, 'ticket.merge_undo'),
    });
    await waitFor(() => ticketRow(later.ticketId).mergedIntoId === null, 5_000, 'the undo');
    expect(ticketRow(later.ticketId).status).toBe('open');
    expect(
      (db.prepare('SELECT ticketId FROM Message WHERE messageId = ?').get(laterMail) as { ticketId: number }).ticketId,
    ).toBe(later.ticketId);
    expect(
      (
        db.prepare('SELECT ticketId FROM Message WHERE messageId = ?').get(`order-3.${run}@example.jp`) as {
          ticketId: number;
        }
      ).ticketId,
    ).toBe(earlier.ticketId);
    await waitFor(() => json(later.message).includes('ticket.claim'), 5_000, 'the controls back');
    await waitFor(
      () =>
        threadText(later.message).some((text) => text.includes('undid the merge')) &&
        threadText(earlier.message).some((text) => text.includes('undid the merge')),
      5_000,
      'both traces of the undo',
    );
    await waitFor(() => !json(earlier.message).includes('merged in'), 5_000, 'the target message without the merge');

    // The same button again: the merge is no longer there to undo.
    const again = await click(USERS.agentJa.id, note, {
      action_id: 'ticket.merge_undo',
      type: 'button',
      value: controlValue(note, 'ticket.merge_undo'),
    });
    await waitFor(() => answers(again).length > 0, 5_000, 'the refusal');
    expect(answers(again)[0]).toContain('この統合はもう有効ではありません');
  });

  it('splits a follow-up out into a new numbered ticket, posted in the channel, with a trace in both threads', async () => {
    const printer = await newTicket('Printer is broken', `printer-1.${run}@example.jp`);
    await deliver(`printer-2.${run}@example.jp`, 'Re: Printer is broken', 'Also, my invoice #77 is wrong.', {
      inReplyTo: `printer-1.${run}@example.jp`,
    });
    let followUp: StoredMessage | undefined;
    await waitFor(
      () =>
        !!(followUp = thread(printer.message).find((m) =>
          JSON.stringify(m.blocks).includes('my invoice #77 is wrong'),
        )),
      15_000,
      'the follow-up',
    );
    const messageRowId = controlValue(followUp!, 'mail.split');
    const nextNumber = (db.prepare('SELECT nextTicketNumber AS n FROM Mailbox').get() as { n: number }).n;

    const outsider = await click(USERS.outsider.id, followUp!, {
      action_id: 'mail.split',
      type: 'button',
      value: messageRowId,
    });
    await waitFor(() => answers(outsider).length > 0, 5_000, 'the refusal');
    expect(answers(outsider)[0]).toContain('Only members of');

    await click(USERS.agentEn.id, followUp!, { action_id: 'mail.split', type: 'button', value: messageRowId });
    let split: StoredMessage | undefined;
    await waitFor(
      () =>
        !!(split = fixture.slack
          .posted(CHANNEL_ID)
          .find((m) => JSON.stringify(m.blocks).includes(`#${nextNumber} Re: Printer is broken`))),
      10_000,
      'the new ticket in the channel',
    );
    expect(JSON.stringify(split!.blocks)).toContain('my invoice #77 is wrong');
    expect(JSON.stringify(split!.blocks)).toContain('ticket.claim');
    const newTicketId = (split!.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
    expect(ticketRow(newTicketId)).toMatchObject({ number: nextNumber, status: 'open', mergedIntoId: null });
    expect(
      (
        db.prepare('SELECT ticketId FROM Message WHERE messageId = ?').get(`printer-2.${run}@example.jp`) as {
          ticketId: number;
        }
      ).ticketId,
    ).toBe(newTicketId);
    await waitFor(
      () => threadText(split!).some((text) => text.includes(`split this mail out of`)),
      5_000,
      'the trace in the new thread',
    );
    expect(threadText(split!).find((text) => text.includes('split this mail out of'))).toContain(
      `|#${printer.number}>`,
    );
    await waitFor(
      () => threadText(printer.message).some((text) => text.includes(`out into a new ticket,`)),
      5_000,
      'the trace in the old thread',
    );
    expect(audits(printer.ticketId, 'ticket.split')).toBe(1);
    expect(audits(newTicketId, 'ticket.split_from')).toBe(1);
    // The follow-up in the old thread now says where the mail went (chat.update), linked to its thread.
    await waitFor(
      () => JSON.stringify(followUp!.blocks).includes(`|#${nextNumber}> by <@${USERS.agentEn.id}>`),
      10_000,
      'the follow-up updated',
    );
    expect(followUp!.text).toContain(`Moved to`);
    expect(JSON.stringify(followUp!.blocks)).not.toContain('my invoice #77 is wrong');
    expect(JSON.stringify(followUp!.blocks)).not.toContain('mail.split');

    // The same menu again: the mail is its new ticket's first mail now.
    const again = await click(USERS.agentEn.id, followUp!, {
      action_id: 'mail.split',
      type: 'button',
      value: messageRowId,
    });
    await waitFor(() => answers(again).length > 0, 5_000, 'the refusal');
    expect(answers(again)[0]).toContain('first mail');
  });
});
