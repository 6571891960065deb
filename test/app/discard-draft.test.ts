/**
 * Discarding a draft (`draft.discard`), end to end through the running bot: the button sits
 * behind a confirm dialog on a draft waiting for review; only its author or a reviewer may
 * use it; a discarded new mail is never sent and its ticket is closed with a note in the
 * thread; a draft already approved cannot be discarded (the outbox sends it exactly once).
 */
import { expect, it } from 'vitest';
import { mrkdwnTexts } from '../support/blocks.js';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import {
  approveDraft,
  draftInThread,
  openReplyModal,
  submitComposeModal,
  submitReplyModal,
} from '../support/reply-modal.js';
import { postedTicket } from '../support/posted-ticket.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

type Block = { type: string; block_id?: string; elements?: Record<string, unknown>[] };

describeWithDovecot('discarding drafts', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture);

  let clicks = 0;
  /** A click on the draft message's Discard button (as Slack sends it once the dialog is confirmed); what the clicker was told. */
  async function discard(userId: string, ticket: StoredMessage, draftPost: StoredMessage): Promise<string[]> {
    const actions = (draftPost.blocks as Block[]).find((block) => block.type === 'actions')!;
    const button = actions.elements!.find((element) => element.action_id === 'draft.discard')!;
    const responseId = `discard-${++clicks}`;
    const sent = await fixture.requests.blockAction({
      userId,
      channelId: CHANNEL_ID,
      messageTs: ticket.ts,
      responseId,
      action: { action_id: 'draft.discard', type: 'button', block_id: actions.block_id, value: button.value },
    });
    expect(sent.status).toBe(200);
    // Refusals come back as a notice to the clicker alone; a discard that works says nothing to them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return fixture.slack.responsesTo(responseId).map((body) => String(body.text ?? ''));
  }
  const shown = (ticket: StoredMessage, ts: string) =>
    fixture.slack.posted(CHANNEL_ID, ticket.ts).find((m) => m.ts === ts)!;

  it('discards a new mail for its author: nothing sent, its ticket closed with a note, the draft message updated', async () => {
    const subject = `Callback ${Date.now()}`;
    const done = await submitComposeModal(fixture, USERS.agentEn.id, {
      mailbox: 'default',
      to: 'jiro@customer.example.jp',
      subject,
      body: 'We will call you tomorrow.',
    });
    expect(done.body).toBe('');
    const { message: ticket } = await postedTicket(fixture, db, subject, 10_000);
    const posted = await draftInThread(fixture, ticket);
    // As the people clicking saw it (the stand-in updates the stored message in place).
    const draftPost = structuredClone(posted);
    const actions = (draftPost.blocks as Block[]).find((block) => block.type === 'actions')!;
    const button = actions.elements!.find((element) => element.action_id === 'draft.discard')!;
    // Behind a confirm dialog that says what happens to a new mail's ticket.
    expect(JSON.stringify(button.confirm)).toContain('its ticket will be closed');

    // Neither someone outside the channel nor an agent who is neither author nor reviewer.
    expect((await discard(USERS.outsider.id, ticket, draftPost)).join('\n')).not.toBe('');
    expect((await discard(USERS.agentJa.id, ticket, draftPost)).join('\n')).toContain(
      'この下書きを破棄できるのは作成者の <@U0AGENTEN> さんか承認者だけです',
    );
    const row = () =>
      db
        .prepare(
          'SELECT d.state, t.status, t.closedAt FROM Draft d JOIN Ticket t ON t.id = d.ticketId WHERE t.subject = ?',
        )
        .get(subject) as { state: string; status: string; closedAt: number | null };
    expect(row().state).toBe('in_review');

    expect(await discard(USERS.agentEn.id, ticket, draftPost)).toEqual([]);
    expect(row()).toMatchObject({ state: 'discarded', status: 'done' });
    expect(row().closedAt).not.toBeNull();
    const audit = db.prepare("SELECT actorId, detail FROM AuditLog WHERE action = 'draft.discarded'").all() as {
      actorId: string;
      detail: string;
    }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(USERS.agentEn.id);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ draftKind: 'new', closed: true, to: 'done' });

    await waitFor(
      () =>
        fixture.slack
          .posted(CHANNEL_ID, ticket.ts)
          .some((m) =>
            (m.text ?? '').includes(
              'discarded the new mail by <@U0AGENTEN>; it was not sent, and this ticket is closed',
            ),
          ),
      10_000,
      'the note in the thread',
    );
    await waitFor(
      () => mrkdwnTexts(shown(ticket, draftPost.ts).blocks).join('\n').includes('Discarded by <@U0AGENTEN>'),
      10_000,
      'the draft message updated',
    );
    expect((shown(ticket, draftPost.ts).blocks as Block[]).some((block) => block.type === 'actions')).toBe(false);
    // The ticket's own message shows it closed.
    await waitFor(
      () => JSON.stringify(fixture.slack.posted(CHANNEL_ID).find((m) => m.ts === ticket.ts)!.blocks).includes('Done'),
      10_000,
      'the ticket message closed',
    );

    // The old message's Approve changes nothing now: nothing reaches the SMTP server.
    await approveDraft(fixture, USERS.reviewer.id, ticket, draftPost);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(fixture.smtp.mails).toHaveLength(0);
    expect(row().state).toBe('discarded');
  });

  it('lets a reviewer discard a reply (the ticket stays open) and refuses to discard an approved one', async () => {
    const subject = `Where is my parcel ${Date.now()}`;
    await appendMail(dovecot, fixture.mailbox, [
      `From: Saburo <saburo@customer.example.jp>\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <parcel-${Date.now()}@customer.example.jp>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nStill waiting.\r\n`,
    ]);
    const { message: ticket, ticketId } = await postedTicket(fixture, db, subject);
    const write = async (body: string) => {
      const modal = await openReplyModal(fixture, USERS.agentEn.id, ticket, ticketId);
      const sent = await submitReplyModal(fixture, USERS.agentEn.id, modal.private_metadata, {
        to: 'saburo@customer.example.jp',
        body,
      });
      expect(sent.status).toBe(200);
      let post: StoredMessage | undefined;
      await waitFor(
        () =>
          !!(post = fixture.slack
            .posted(CHANNEL_ID, ticket.ts)
            .find(
              (m) =>
                JSON.stringify(m.blocks ?? []).includes(body) && JSON.stringify(m.blocks).includes('draft.discard'),
            )),
        10_000,
        'the draft',
      );
      return structuredClone(post!);
    };

    const first = await write('It left our warehouse today.');
    expect(await discard(USERS.reviewer.id, ticket, first)).toEqual([]);
    await waitFor(
      () =>
        fixture.slack
          .posted(CHANNEL_ID, ticket.ts)
          .some((m) => (m.text ?? '').includes('破棄しました') || (m.text ?? '').includes('discarded the reply draft')),
      10_000,
      'the trace',
    );
    const status = () =>
      (db.prepare('SELECT status FROM Ticket WHERE id = ?').get(ticketId) as { status: string }).status;
    expect(status()).toBe('open');

    const second = await write('It arrives tomorrow.');
    await approveDraft(fixture, USERS.reviewer.id, ticket, second);
    await waitFor(() => fixture.smtp.mails.length === 1, 15_000, 'the reply at the SMTP server');
    const told = await discard(USERS.agentEn.id, ticket, second);
    expect(told.join('\n')).toMatch(/can no longer be discarded/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(fixture.smtp.mails).toHaveLength(1);
    const states = db.prepare('SELECT state FROM Draft WHERE ticketId = ? ORDER BY id').all(ticketId) as {
      state: string;
    }[];
    expect(states.map((row) => row.state)).toEqual(['discarded', 'sent']);
  });
});
