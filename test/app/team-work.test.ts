/**
 * Team work on a ticket, driven the way Slack drives the app: signed block_actions,
 * view submissions and events against the running bot, with real Dovecot delivering the
 * mail and the Slack stand-in showing what people would see.
 */
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, METRICS_TOKEN, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

interface TicketRow {
  id: number;
  assigneeId: string | null;
  status: string;
  urgency: string;
  junk: number;
}

describeWithDovecot('team work on a ticket', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { bot, db } = useRunningBot(fixture);
  let mails = 0;

  /** A new mail, delivered and posted; its ticket's Slack message and row. */
  async function newTicket(subject: string): Promise<{ message: StoredMessage; ticketId: number }> {
    mails += 1;
    await appendMail(dovecot, fixture.mailbox, [
      `From: Customer ${mails} <customer${mails}@example.jp>\r\nTo: ${fixture.mailbox}\r\nSubject: ${subject}\r\nMessage-ID: <team-${mails}-${Date.now()}@example.jp>\r\n\r\nHello, about ${subject}.\r\n`,
    ]);
    let message: StoredMessage | undefined;
    await waitFor(
      () => !!(message = fixture.slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks).includes(subject))),
      15_000,
      `the post of ${subject}`,
    );
    const ticketId = (message!.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
    // The ticket's ts is recorded before people can click on it.
    await waitFor(
      () =>
        !!db.prepare('SELECT slackTs FROM Ticket WHERE id = ?').get(ticketId) &&
        (db.prepare('SELECT slackTs FROM Ticket WHERE id = ?').get(ticketId) as { slackTs: string | null }).slackTs !==
          null,
      5_000,
      'the ticket ts',
    );
    return { message: message!, ticketId };
  }

  const ticketRow = (id: number) =>
    db.prepare('SELECT id, assigneeId, status, urgency, junk FROM Ticket WHERE id = ?').get(id) as TicketRow;
  const audits = (ticketId: number, action: string) =>
    (
      db.prepare('SELECT COUNT(*) AS n FROM AuditLog WHERE ticketId = ? AND action = ?').get(ticketId, action) as {
        n: number;
      }
    ).n;
  const current = (message: StoredMessage) =>
    fixture.slack.messages.find((m) => m.ts === message.ts && m.channel === CHANNEL_ID)!;
  const blocksOf = (message: StoredMessage) => JSON.stringify(current(message).blocks);
  /** The status / urgency / assignee fields as shown (the menus list every choice, so not those). */
  const fieldsOf = (message: StoredMessage) =>
    ((current(message).blocks ?? []) as { fields?: { text: string }[] }[])
      .flatMap((block) => block.fields ?? [])
      .map((field) => field.text)
      .join('\n');
  const thread = (message: StoredMessage) => fixture.slack.posted(CHANNEL_ID, message.ts).map((m) => m.text ?? '');
  const answers = (responseId: string) => fixture.slack.responsesTo(responseId).map((body) => String(body.text ?? ''));

  function click(
    userId: string,
    message: StoredMessage,
    action: Record<string, unknown>,
    responseId = `r-${Math.random().toString(36).slice(2)}`,
  ) {
    return {
      responseId,
      sent: fixture.requests.blockAction({ userId, channelId: CHANNEL_ID, messageTs: message.ts, action, responseId }),
    };
  }
  const button = (actionId: string, ticketId: number) => ({
    action_id: actionId,
    type: 'button',
    value: String(ticketId),
  });
  const select = (actionId: string, ticketId: number, key: string) => ({
    action_id: actionId,
    type: 'static_select',
    block_id: `ticket-${ticketId}-controls`,
    selected_option: { value: `${ticketId}:${key}`, text: { type: 'plain_text', text: key } },
  });

  it('lets exactly one of two simultaneous claims win, and tells the other who has it', async () => {
    const { message, ticketId } = await newTicket('Claim race');
    const first = click(USERS.agentEn.id, message, button('ticket.claim', ticketId));
    const second = click(USERS.agentJa.id, message, button('ticket.claim', ticketId));
    const [a, b] = await Promise.all([first.sent, second.sent]);
    expect([a.status, b.status]).toEqual([200, 200]);

    await waitFor(() => ticketRow(ticketId).assigneeId !== null, 5_000, 'an assignee');
    const winner = ticketRow(ticketId).assigneeId!;
    const loser = winner === USERS.agentEn.id ? second : first;
    await waitFor(() => answers(loser.responseId).length > 0, 5_000, 'the loser is told');
    expect(answers(loser.responseId)[0]).toContain(`<@${winner}>`);
    // The loser is answered in their own language.
    expect(answers(loser.responseId)[0]).toMatch(loser === second ? /担当しています/ : /already has this ticket/);
    expect(audits(ticketId, 'ticket.claimed')).toBe(1);
    // Claiming an untouched ticket means working on it: in progress.
    expect(ticketRow(ticketId).status).toBe('in_progress');

    // The message in the channel shows the winner, and the thread one trace line.
    await waitFor(
      () => blocksOf(message).includes(`<@${winner}>`) && blocksOf(message).includes('ticket.unclaim'),
      5_000,
      'the updated message',
    );
    expect(fieldsOf(message)).toContain('*Status*\nIn progress');
    await waitFor(() => thread(message).some((line) => line.includes('claimed this ticket')), 5_000, 'the trace line');
    expect(thread(message).filter((line) => line.includes('claimed this ticket'))).toHaveLength(1);
  });

  it('changes status and urgency in place, with a trace and an audit record each', async () => {
    const { message, ticketId } = await newTicket('Status and urgency');
    await click(USERS.agentEn.id, message, select('ticket.urgency', ticketId, 'critical')).sent;
    await click(USERS.agentJa.id, message, select('ticket.status', ticketId, 'done')).sent;
    await waitFor(
      () => fieldsOf(message).includes('*Urgency*\nCritical') && fieldsOf(message).includes('*Status*\nDone'),
      5_000,
      'the message showing both changes',
    );
    expect(ticketRow(ticketId)).toMatchObject({ urgency: 'critical', status: 'done' });
    expect(
      (db.prepare('SELECT closedAt FROM Ticket WHERE id = ?').get(ticketId) as { closedAt: number | null }).closedAt,
    ).not.toBeNull();
    // Two clicks in a row may leave their trace lines in one thread message (folded).
    await waitFor(
      () =>
        (
          thread(message)
            .join('\n')
            .match(/changed the/g) ?? []
        ).length === 2,
      5_000,
      'two trace lines',
    );
    expect(thread(message).join('\n')).toContain(`<@${USERS.agentEn.id}> changed the urgency: Normal → Critical`);
    expect(thread(message).join('\n')).toContain(`<@${USERS.agentJa.id}> changed the status: Open → Done`);
    expect(audits(ticketId, 'ticket.urgency_changed')).toBe(1);
    expect(audits(ticketId, 'ticket.status_changed')).toBe(1);

    // A status that does not exist (a tampered payload) changes nothing.
    const tampered = click(USERS.agentEn.id, message, select('ticket.status', ticketId, 'deleted_everything'));
    await tampered.sent;
    await waitFor(() => answers(tampered.responseId).length > 0, 5_000, 'the refusal');
    expect(answers(tampered.responseId)[0]).toContain('Nothing was changed');
    expect(ticketRow(ticketId).status).toBe('done');
  });

  it('only the assignee unclaims; assigning someone mentions them in the thread', async () => {
    const { message, ticketId } = await newTicket('Assign and unclaim');
    await click(USERS.agentEn.id, message, button('ticket.claim', ticketId)).sent;
    await waitFor(() => ticketRow(ticketId).assigneeId === USERS.agentEn.id, 5_000, 'the claim');

    const steal = click(USERS.agentJa.id, message, button('ticket.unclaim', ticketId));
    await steal.sent;
    await waitFor(() => answers(steal.responseId).length > 0, 5_000, 'the refusal');
    expect(answers(steal.responseId)[0]).toContain(`<@${USERS.agentEn.id}>`);
    expect(ticketRow(ticketId).assigneeId).toBe(USERS.agentEn.id);

    await click(USERS.agentEn.id, message, {
      action_id: 'ticket.assign',
      type: 'users_select',
      block_id: `ticket-${ticketId}-controls`,
      selected_user: USERS.agentJa.id,
    }).sent;
    await waitFor(() => ticketRow(ticketId).assigneeId === USERS.agentJa.id, 5_000, 'the assignment');
    await waitFor(
      () => thread(message).some((line) => line.includes(`assigned this ticket to <@${USERS.agentJa.id}>`)),
      5_000,
      'the mention',
    );

    // Assigning someone outside the channel would give them a ticket they cannot open.
    const outside = click(USERS.agentJa.id, message, {
      action_id: 'ticket.assign',
      type: 'users_select',
      block_id: `ticket-${ticketId}-controls`,
      selected_user: USERS.outsider.id,
    });
    await outside.sent;
    await waitFor(() => answers(outside.responseId).length > 0, 5_000, 'the refusal');
    expect(ticketRow(ticketId).assigneeId).toBe(USERS.agentJa.id);

    await click(USERS.agentJa.id, message, button('ticket.unclaim', ticketId)).sent;
    await waitFor(() => ticketRow(ticketId).assigneeId === null, 5_000, 'the unclaim');
    await waitFor(
      () => blocksOf(message).includes('ticket.claim') && fieldsOf(message).includes('Nobody yet'),
      5_000,
      'the message back to unclaimed',
    );
  });

  it('refuses people outside the channel and changes nothing; joining and leaving the channel take effect at once', async () => {
    const { message, ticketId } = await newTicket('Outsider');
    const updatesBefore = fixture.slack.calls.filter((call) => call.method === 'chat.update').length;
    const attempt = click(USERS.outsider.id, message, button('ticket.claim', ticketId));
    await attempt.sent;
    await waitFor(() => answers(attempt.responseId).length > 0, 5_000, 'the refusal');
    expect(answers(attempt.responseId)[0]).toContain(`<#${CHANNEL_ID}>`);
    expect(ticketRow(ticketId).assigneeId).toBeNull();
    expect(audits(ticketId, 'ticket.claimed')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fixture.slack.calls.filter((call) => call.method === 'chat.update').length).toBe(updatesBefore);

    await fixture.requests.event({
      type: 'member_joined_channel',
      user: USERS.outsider.id,
      channel: CHANNEL_ID,
      channel_type: 'C',
      team: 'T0STANDIN',
    });
    await click(USERS.outsider.id, message, select('ticket.urgency', ticketId, 'urgent')).sent;
    await waitFor(() => ticketRow(ticketId).urgency === 'urgent', 5_000, 'the change by the new member');

    await fixture.requests.event({
      type: 'member_left_channel',
      user: USERS.outsider.id,
      channel: CHANNEL_ID,
      channel_type: 'C',
      team: 'T0STANDIN',
    });
    const after = click(USERS.outsider.id, message, select('ticket.urgency', ticketId, 'critical'));
    await after.sent;
    await waitFor(() => answers(after.responseId).length > 0, 5_000, 'the refusal after leaving');
    expect(ticketRow(ticketId).urgency).toBe('urgent');
  });

  it('ignores a forged click and answers a click on a ticket that no longer exists politely', async () => {
    const { message, ticketId } = await newTicket('Forgery');
    const forged = await fixture.requests.blockAction(
      {
        userId: USERS.agentEn.id,
        channelId: CHANNEL_ID,
        messageTs: message.ts,
        action: button('ticket.claim', ticketId),
      },
      { secret: 'not-the-signing-secret' },
    );
    expect(forged.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ticketRow(ticketId).assigneeId).toBeNull();

    const gone = click(USERS.agentJa.id, message, button('ticket.claim', 987_654));
    expect((await gone.sent).status).toBe(200);
    await waitFor(() => answers(gone.responseId).length > 0, 5_000, 'the answer');
    expect(answers(gone.responseId)[0]).toContain('このチケットはもう存在しません');
    expect(bot.ended).toBe(false);
  });

  it('snoozes a ticket for the person who asks, with a trace saying until when', async () => {
    const { message, ticketId } = await newTicket('Snooze me');
    const before = Date.now();
    await click(USERS.agentJa.id, message, {
      action_id: 'ticket.snooze',
      type: 'overflow',
      selected_option: { value: `${ticketId}:3h` },
    }).sent;
    const row = () =>
      db.prepare('SELECT snoozedUntil, snoozedBy FROM Ticket WHERE id = ?').get(ticketId) as {
        snoozedUntil: string | number | null;
        snoozedBy: string | null;
      };
    await waitFor(() => row().snoozedBy === USERS.agentJa.id, 5_000, 'the snooze');
    const until = new Date(row().snoozedUntil!).getTime();
    expect(until - before).toBeGreaterThanOrEqual(3 * 60 * 60_000 - 5_000);
    expect(until - before).toBeLessThan(3 * 60 * 60_000 + 60_000);
    await waitFor(
      () => thread(message).some((line) => line.includes(`<@${USERS.agentJa.id}> will be reminded`)),
      5_000,
      'the trace',
    );
  });

  it('folds a junk ticket and brings it back', async () => {
    const { message, ticketId } = await newTicket('Junk me');
    await click(USERS.agentEn.id, message, button('ticket.junk', ticketId)).sent;
    await waitFor(
      () => ticketRow(ticketId).junk === 1 && blocksOf(message).includes('Not junk'),
      5_000,
      'the folded message',
    );
    expect(blocksOf(message)).not.toContain('ticket.claim');
    await click(USERS.agentEn.id, message, button('ticket.junk', ticketId)).sent;
    await waitFor(
      () => ticketRow(ticketId).junk === 0 && blocksOf(message).includes('ticket.claim'),
      5_000,
      'the restored message',
    );
    expect(audits(ticketId, 'ticket.junked')).toBe(1);
    expect(audits(ticketId, 'ticket.unjunked')).toBe(1);
  });

  it('keeps thread messages as internal comments, with edits, deletions and files; retried events count once', async () => {
    const { message, ticketId } = await newTicket('Comments');
    const ts = `${Math.floor(Date.now() / 1000)}.000100`;
    const comment = {
      type: 'message',
      channel: CHANNEL_ID,
      channel_type: 'channel',
      user: USERS.agentJa.id,
      text: '返品の件、先方に電話しました',
      ts,
      thread_ts: message.ts,
    };
    const eventId = 'EvCOMMENT0001';
    await fixture.requests.event(comment, { eventId });
    await fixture.requests.event(comment, { eventId, retryNum: 1 });
    const comments = () =>
      db.prepare('SELECT text, authorId, files, editedAt, deletedAt FROM Comment WHERE ticketId = ?').all(ticketId) as {
        text: string;
        authorId: string;
        files: string;
        editedAt: unknown;
        deletedAt: unknown;
      }[];
    await waitFor(() => comments().length === 1, 5_000, 'the comment');
    await bot.waitForLog('slack_event_repeat');
    expect(comments()[0]).toMatchObject({
      text: '返品の件、先方に電話しました',
      authorId: USERS.agentJa.id,
      editedAt: null,
    });

    // Not comments: the bot's own thread messages, top-level channel chatter, other threads.
    await fixture.requests.event({
      type: 'message',
      channel: CHANNEL_ID,
      user: 'U0MAILBOT',
      bot_id: 'B0MAILROOM',
      text: 'bot',
      ts: `${ts}1`,
      thread_ts: message.ts,
    });
    await fixture.requests.event({
      type: 'message',
      channel: CHANNEL_ID,
      user: USERS.agentEn.id,
      text: 'lunch?',
      ts: `${ts}2`,
    });
    await fixture.requests.event({
      type: 'message',
      channel: CHANNEL_ID,
      user: USERS.agentEn.id,
      text: 'elsewhere',
      ts: `${ts}3`,
      thread_ts: '1.000001',
    });

    await fixture.requests.event({
      type: 'message',
      subtype: 'message_changed',
      channel: CHANNEL_ID,
      message: {
        ...comment,
        text: '返品の件、先方に電話しました（折り返し待ち）',
        edited: { user: USERS.agentJa.id, ts: `${ts}9` },
      },
      previous_message: comment,
      ts: `${ts}9`,
    });
    await waitFor(() => comments()[0]?.editedAt != null, 5_000, 'the edit');
    expect(comments()[0]!.text).toBe('返品の件、先方に電話しました（折り返し待ち）');
    expect(audits(ticketId, 'comment.edited')).toBe(1);

    const fileTs = `${Math.floor(Date.now() / 1000)}.000200`;
    await fixture.requests.event({
      type: 'message',
      subtype: 'file_share',
      channel: CHANNEL_ID,
      user: USERS.agentEn.id,
      text: '',
      ts: fileTs,
      thread_ts: message.ts,
      files: [{ id: 'F0SCREEN', name: 'screenshot.png' }],
    });
    await waitFor(() => comments().length === 2, 5_000, 'the file comment');
    expect(JSON.parse(comments()[1]!.files)).toEqual([{ id: 'F0SCREEN', name: 'screenshot.png' }]);

    await fixture.requests.event({
      type: 'message',
      subtype: 'message_deleted',
      channel: CHANNEL_ID,
      deleted_ts: ts,
      previous_message: comment,
      ts: `${ts}8`,
    });
    await waitFor(() => comments()[0]?.deletedAt != null, 5_000, 'the deletion');
    expect(comments()).toHaveLength(2);
    // Nothing of it was emailed.
    expect(fixture.smtp.mails).toHaveLength(0);
  });

  it('warns before a second person replies, who may still go on deliberately', async () => {
    const { message, ticketId } = await newTicket('Collision');
    await click(USERS.agentEn.id, message, button('ticket.claim', ticketId)).sent;
    await waitFor(() => ticketRow(ticketId).assigneeId === USERS.agentEn.id, 5_000, 'the claim');

    const opened = () => fixture.slack.calls.filter((call) => call.method === 'views.open' && !call.error);
    const before = opened().length;
    await click(USERS.agentJa.id, message, button('ticket.reply', ticketId)).sent;
    await waitFor(() => opened().length === before + 1, 5_000, 'a modal');
    const warning = opened().at(-1)!.args.view as { callback_id: string; blocks: unknown[]; private_metadata: string };
    expect(warning.callback_id).toBe('reply.collision');
    expect(JSON.stringify(warning.blocks)).toContain(`<@${USERS.agentEn.id}> さんがこのチケットを担当しています`);

    // "Reply anyway": the warning turns into the reply modal.
    const goOn = await fixture.requests.viewSubmission({
      userId: USERS.agentJa.id,
      callbackId: 'reply.collision',
      values: {},
      privateMetadata: warning.private_metadata,
    });
    expect(goOn.status).toBe(200);
    const answer = JSON.parse(goOn.body) as {
      response_action: string;
      view: { callback_id: string; blocks: unknown[] };
    };
    expect(answer).toMatchObject({ response_action: 'update', view: { callback_id: 'reply.submit' } });
    expect(JSON.stringify(answer.view.blocks)).toContain(`customer${mails}@example.jp`);

    // Now the assignee is warned of the reply being written by the other.
    await click(USERS.agentEn.id, message, button('ticket.reply', ticketId)).sent;
    await waitFor(() => opened().length === before + 2, 5_000, 'the second modal');
    const second = opened().at(-1)!.args.view as { callback_id: string; blocks: unknown[] };
    expect(second.callback_id).toBe('reply.collision');
    expect(JSON.stringify(second.blocks)).toContain(`<@${USERS.agentJa.id}> started a reply`);
  });

  it('counts what it did at GET /metrics on its own listener, behind its token, in Prometheus format, with queue depths from the database', async () => {
    await newTicket('Metrics');
    // Not beside Slack's public endpoint; on the metrics listener only with the token.
    expect((await fetch(`http://127.0.0.1:${fixture.port}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${fixture.metricsPort}/metrics`)).status).toBe(401);
    const response = await fetch(`http://127.0.0.1:${fixture.metricsPort}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^mailroom_events_total\{code="slack_posted"\} [1-9]\d*$/m);
    expect(text).toMatch(/^mailroom_events_total\{code="imap_synced"\} [1-9]\d*$/m);
    expect(text).toMatch(/^mailroom_slack_posts_waiting \d+$/m);
    expect(text).toMatch(/^mailroom_outbox_waiting 0$/m);
    expect(text).toMatch(/^mailroom_sync_lag_seconds\{mailbox="default"\} \d+(\.\d+)?$/m);
    expect(text).toMatch(/^mailroom_process_resident_memory_bytes \d+$/m);
    // Never a secret.
    expect(text).not.toContain(fixture.slack.botToken);
  });
});
