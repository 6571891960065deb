/**
 * Templates through the running bot, driven the way Slack drives it: `/mail template`,
 * the new / edit modal submitted with signed requests, the announcement in the channel,
 * and a template picked in the reply modal of a ticket whose mail came through Dovecot.
 */
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

type Json = Record<string, unknown>;

describeWithDovecot('reply templates', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { bot, db } = useRunningBot(fixture);

  /** `/mail template` typed in the channel: the ephemeral answer. */
  async function listTemplates(userId: string): Promise<Json> {
    const { responseId } = await fixture.requests.command({ text: 'template', userId, channelId: CHANNEL_ID });
    return fixture.slack.answerTo(responseId, 'the template list');
  }
  /** The buttons of a list: action id and value. */
  function buttons(message: Json): { actionId: string; value: string }[] {
    const found: { actionId: string; value: string }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const object = node as Json;
      if (object.type === 'button' && String(object.action_id).startsWith('template.'))
        found.push({ actionId: String(object.action_id), value: String(object.value) });
      Object.values(object).forEach(walk);
    };
    walk(message.blocks);
    return found;
  }

  const opened = () => fixture.slack.callsOf('views.open').filter((call) => !call.error);
  /** Clicks a button of an ephemeral list; the modal it opens. */
  async function click(userId: string, action: { actionId: string; value: string }): Promise<Json> {
    const before = opened().length;
    await fixture.requests.blockAction({
      userId,
      channelId: CHANNEL_ID,
      messageTs: '1700000000.000100',
      action: { action_id: action.actionId, type: 'button', value: action.value },
    });
    await waitFor(() => opened().length > before, 5_000, 'a modal');
    return opened().at(-1)!.args.view as Json;
  }
  const text = (value: string) => ({ type: 'plain_text_input', value });
  function submit(
    userId: string,
    modal: Json,
    fields: { name: string; category?: string; scope?: string; body: string; note?: string },
  ) {
    return fixture.requests.viewSubmission({
      userId,
      callbackId: 'template.save',
      privateMetadata: modal.private_metadata as string,
      values: {
        template_name: { name: text(fields.name) },
        template_category: { category: text(fields.category ?? '') },
        ...(fields.scope
          ? { template_scope: { scope: { type: 'static_select', selected_option: { value: fields.scope } } } }
          : {}),
        template_body: { body: text(fields.body) },
        ...(fields.note !== undefined ? { template_note: { note: text(fields.note) } } : {}),
      },
    });
  }
  const versions = (name: string) =>
    db
      .prepare(
        'SELECT v.id, v.version, v.body, v.changeNote, t.currentVersion FROM TemplateVersion v JOIN Template t ON t.id = v.templateId WHERE t.name = ? ORDER BY v.version',
      )
      .all(name) as {
      id: number;
      version: number;
      body: string;
      changeNote: string | null;
      currentVersion: number;
    }[];
  const channelText = () =>
    fixture.slack.posted(CHANNEL_ID).map((message) => `${message.text}\n${JSON.stringify(message.blocks)}`);

  const V1 =
    'Dear {{customer_name}},\nThank you for your mail of {{original_date}}.\nShipping takes 3 days.\n{{agent_name}}, {{mailbox_name}}';
  const V2 =
    'Dear {{customer_name}},\nThank you for your mail of {{original_date}} (ticket #{{ticket_number}}).\nShipping takes 5 days; order {{order_id}}.\n{{agent_name}}, {{mailbox_name}}';

  it('creates a template from /mail template, refusing bad input and people outside the channel, and announces it', async () => {
    const empty = await listTemplates(USERS.agentEn.id);
    expect(JSON.stringify(empty.blocks)).toContain('No templates yet');
    const newButton = buttons(empty).find((button) => button.actionId === 'template.new')!;
    expect(newButton.value).toBe('default');
    const modal = await click(USERS.agentEn.id, newButton);
    expect(modal.callback_id).toBe('template.save');

    // Nothing saved without a name; the error is on the field.
    const unnamed = await submit(USERS.agentEn.id, modal, { name: '  ', scope: 'mailbox:default', body: V1 });
    expect(JSON.parse(unnamed.body)).toEqual({
      response_action: 'errors',
      errors: { template_name: 'Give the template a name.' },
    });
    // Someone outside the mailbox channel may not create its templates (told in their language).
    const outsider = await submit(USERS.outsider.id, modal, {
      name: 'Shipping delay',
      scope: 'mailbox:default',
      body: V1,
    });
    expect(JSON.parse(outsider.body)).toMatchObject({
      response_action: 'errors',
      errors: { template_scope: expect.stringContaining('Only members') },
    });
    expect(versions('Shipping delay')).toEqual([]);

    const saved = await submit(USERS.agentEn.id, modal, {
      name: 'Shipping delay',
      category: 'Shipping',
      scope: 'mailbox:default',
      body: V1,
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toBe('');
    expect(versions('Shipping delay')).toMatchObject([{ version: 1, body: V1, currentVersion: 1 }]);
    await waitFor(
      () => channelText().some((message) => message.includes('created the template *Shipping delay*')),
      5_000,
      'the announcement',
    );
    expect(channelText().find((message) => message.includes('created the template'))).toContain(
      `<@${USERS.agentEn.id}>`,
    );

    // The same name again in the same mailbox is refused on the name field.
    const again = await submit(USERS.agentJa.id, modal, {
      name: 'Shipping delay',
      scope: 'mailbox:default',
      body: 'x',
    });
    expect(JSON.parse(again.body)).toEqual({
      response_action: 'errors',
      errors: { template_name: '「Shipping delay」という名前のテンプレートはすでにあります。' },
    });
  });

  it('edits it into version 2 and announces who changed what, with the note and the changed lines', async () => {
    const list = await listTemplates(USERS.agentJa.id);
    expect(JSON.stringify(list.blocks)).toContain('*Shipping delay* · 第1版');
    const modal = await click(USERS.agentJa.id, buttons(list).find((button) => button.actionId === 'template.edit')!);
    expect(JSON.stringify(modal.blocks)).toContain('Shipping takes 3 days.');

    // Saving the same text is not a new version.
    const unchanged = await submit(USERS.agentJa.id, modal, {
      name: 'Shipping delay',
      category: 'Shipping',
      body: V1,
      note: '',
    });
    expect(JSON.parse(unchanged.body)).toMatchObject({
      response_action: 'errors',
      errors: { template_body: expect.stringContaining('第1版と同じ') },
    });

    const saved = await submit(USERS.agentJa.id, modal, {
      name: 'Shipping delay',
      category: 'Shipping',
      body: V2,
      note: 'The carrier is slower <!channel>',
    });
    expect(saved.body).toBe('');
    expect(versions('Shipping delay').map((row) => [row.version, row.currentVersion, row.changeNote])).toEqual([
      [1, 2, null],
      [2, 2, 'The carrier is slower <!channel>'],
    ]);
    let announcement: string | undefined;
    await waitFor(
      () => !!(announcement = channelText().find((message) => message.includes('saved version 2'))),
      5_000,
      'the version 2 announcement',
    );
    expect(announcement).toContain(`<@${USERS.agentJa.id}> saved version 2 of the template *Shipping delay*`);
    expect(announcement).toContain('The carrier is slower &lt;!channel&gt;');
    expect(announcement).toContain('- Shipping takes 3 days.');
    expect(announcement).toContain('+ Shipping takes 5 days; order {{order_id}}.');
    // Unchanged lines are not repeated.
    expect(announcement).not.toContain('- Dear');
    const list2 = await listTemplates(USERS.agentEn.id);
    expect(JSON.stringify(list2.blocks)).toContain('*Shipping delay* · v2');
    // Someone in no mailbox channel sees no template names, wherever they ask.
    const outsiders = await listTemplates(USERS.outsider.id);
    expect(JSON.stringify(outsiders.blocks)).not.toContain('Shipping delay');
    const { responseId } = await fixture.requests.command({
      text: 'template',
      userId: USERS.outsider.id,
      channelId: 'D0OUTSIDER',
    });
    expect(JSON.stringify(await fixture.slack.answerTo(responseId, 'the answer in a DM'))).not.toContain(
      'Shipping delay',
    );
  });

  it('lets exactly one of two simultaneous edits become the next version; the other sees it and saves on top', async () => {
    const modal = await click(
      USERS.agentEn.id,
      buttons(await listTemplates(USERS.agentEn.id)).find((button) => button.actionId === 'template.new')!,
    );
    await submit(USERS.agentEn.id, modal, { name: 'Race', scope: 'shared', body: 'base' });
    const editButton = buttons(await listTemplates(USERS.agentEn.id)).filter(
      (button) => button.actionId === 'template.edit',
    );
    const raceId = (db.prepare("SELECT id FROM Template WHERE name = 'Race'").get() as { id: number }).id;
    const edit = await click(USERS.agentEn.id, editButton.find((button) => button.value === String(raceId))!);

    const [a, b] = await Promise.all([
      submit(USERS.agentEn.id, edit, { name: 'Race', body: 'from A', note: 'A' }),
      submit(USERS.agentJa.id, edit, { name: 'Race', body: 'from B', note: 'B' }),
    ]);
    const answers = [a.body, b.body];
    expect(answers.filter((body) => body === '')).toHaveLength(1);
    const loser = JSON.parse(answers.find((body) => body !== '')!) as { response_action: string; view: Json };
    expect(loser.response_action).toBe('update');
    expect(JSON.stringify(loser.view.blocks)).toMatch(/saved version 2 while you were editing|第2版を保存しました/);
    expect(versions('Race').map((row) => row.version)).toEqual([1, 2]);

    // Their text is kept; saving again makes version 3 on top of the winner's.
    const loserId = a.body === '' ? USERS.agentJa.id : USERS.agentEn.id;
    const again = await submit(loserId, loser.view, { name: 'Race', body: 'from the loser', note: 'after all' });
    expect(again.body).toBe('');
    expect(versions('Race').map((row) => [row.version, row.currentVersion])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('fills the reply modal from the latest version with variables substituted, keeps what was typed, and records the version on the draft', async () => {
    await appendMail(dovecot, fixture.mailbox, [
      `From: Hanako Yamada <hanako@example.jp>\r\nTo: ${fixture.mailbox}\r\nSubject: Where is my parcel\r\nDate: Tue, 24 Nov 2026 10:00:00 +0900\r\nMessage-ID: <parcel-${Date.now()}@example.jp>\r\n\r\nIt has not arrived.\r\n`,
    ]);
    let post: StoredMessage | undefined;
    await waitFor(
      () =>
        !!(post = fixture.slack
          .posted(CHANNEL_ID)
          .find((m) => JSON.stringify(m.blocks).includes('Where is my parcel'))),
      15_000,
      'the ticket',
    );
    const ticketId = (post!.metadata as { event_payload: { ticket_id: number } }).event_payload.ticket_id;
    const ticket = db.prepare('SELECT number FROM Ticket WHERE id = ?').get(ticketId) as { number: number };
    await waitFor(
      () =>
        (db.prepare('SELECT slackTs FROM Ticket WHERE id = ?').get(ticketId) as { slackTs: string | null }).slackTs !==
        null,
      5_000,
      'the ticket ts',
    );

    const before = opened().length;
    await fixture.requests.blockAction({
      userId: USERS.agentEn.id,
      channelId: CHANNEL_ID,
      messageTs: post!.ts,
      action: { action_id: 'ticket.reply', type: 'button', value: String(ticketId) },
    });
    await waitFor(() => opened().length > before, 5_000, 'the reply modal');
    const viewId = [...fixture.slack.views.values()].filter((view) => view.callback_id === 'reply.submit').at(-1)!
      .id as string;
    const menu = JSON.stringify(fixture.slack.views.get(viewId)!.blocks);
    // Only the latest version is offered, grouped under its category.
    const [v1, v2] = versions('Shipping delay');
    expect(menu).toContain('"label":{"type":"plain_text","text":"Shipping"}');
    expect(menu).toContain(`"value":"${v2!.id}"`);
    expect(menu).not.toContain(`"value":"${v1!.id}"`);

    // The person has typed a Cc and started a text before choosing.
    fixture.slack.type(viewId, 'reply_cc', 'cc', 'boss@example.jp');
    fixture.slack.type(viewId, 'reply_body', 'body', 'my own start');
    const staleView = fixture.slack.viewPayload(viewId);
    const choose = (view: Json, versionId: number) =>
      fixture.requests.viewAction({
        userId: USERS.agentEn.id,
        view,
        action: {
          action_id: 'reply.template',
          type: 'static_select',
          block_id: 'reply_template',
          selected_option: { value: String(versionId), text: { type: 'plain_text', text: 'Shipping delay (v2)' } },
        },
      });
    const updates = () => fixture.slack.callsOf('views.update').filter((call) => !call.error);
    await choose(staleView, v2!.id);
    await waitFor(() => updates().length === 1, 5_000, 'the modal updated');
    expect(updates()[0]!.args).toMatchObject({ view_id: viewId, hash: staleView.hash });

    const blocks = fixture.slack.views.get(viewId)!.blocks as Json[];
    const bodyBlock = blocks.find((block) => String(block.block_id).startsWith('reply_body'))!.block_id as string;
    const body = fixture.slack.shownValue(viewId, bodyBlock, 'body');
    expect(body).toBe(
      `Dear Hanako Yamada,\nThank you for your mail of November 24, 2026 (ticket #${ticket.number}).\nShipping takes 5 days; order {{order_id}}.\nAlex Agent, Example Support`,
    );
    expect(fixture.slack.shownValue(viewId, 'reply_cc', 'cc')).toBe('boss@example.jp');
    expect(fixture.slack.shownValue(viewId, 'reply_to', 'to')).toBe('hanako@example.jp');
    expect(JSON.stringify(blocks)).toContain('Filled in from “Shipping delay” (version 2)');
    const draft = db
      .prepare("SELECT templateVersionId FROM Draft WHERE ticketId = ? AND authorId = ? AND state = 'editing'")
      .get(ticketId, USERS.agentEn.id) as { templateVersionId: number };
    expect(draft.templateVersionId).toBe(v2!.id);

    // A choice made on the modal as it was before the update is refused by its hash.
    await choose(staleView, v2!.id);
    await bot.waitForLog('reply_template_superseded');
    expect(updates()).toHaveLength(1);

    // An option of an older version (a modal opened before an edit) fills in the latest.
    await choose(fixture.slack.viewPayload(viewId), v1!.id);
    await waitFor(() => updates().length === 2, 5_000, 'the second update');
    expect(JSON.stringify(fixture.slack.views.get(viewId)!.blocks)).toContain(
      'has a newer version since this opened: version 2 is filled in',
    );
    expect(
      (
        db.prepare('SELECT templateVersionId FROM Draft WHERE ticketId = ?').get(ticketId) as {
          templateVersionId: number;
        }
      ).templateVersionId,
    ).toBe(v2!.id);

    // Sent for review as filled in (the body under its current block id).
    const filledBlock = (fixture.slack.views.get(viewId)!.blocks as Json[]).find((block) =>
      String(block.block_id).startsWith('reply_body'),
    )!.block_id as string;
    const filled = fixture.slack.shownValue(viewId, filledBlock, 'body');
    const sent = await fixture.requests.viewSubmission({
      userId: USERS.agentEn.id,
      callbackId: 'reply.submit',
      privateMetadata: fixture.slack.views.get(viewId)!.private_metadata as string,
      values: {
        reply_to: { to: text('hanako@example.jp') },
        reply_cc: { cc: text('boss@example.jp') },
        [filledBlock]: { body: text((filled ?? '').replace('{{order_id}}', 'A-77')) },
      },
    });
    // boss@ was not on the customer's mail: its author is told so, and nothing is held back.
    expect(JSON.parse(sent.body)).toMatchObject({
      response_action: 'update',
      view: { callback_id: 'reply.submitted' },
    });
    expect(sent.body).toContain('added boss@example.jp (not on the customer’s mail)');
    const draftPost = () =>
      fixture.slack.posted(CHANNEL_ID, post!.ts).find((m) => JSON.stringify(m.blocks ?? []).includes('draft.approve'));
    await waitFor(() => !!draftPost(), 5_000, 'the draft for review');

    // The template changes while the draft waits: its reviewer is told.
    const list = await listTemplates(USERS.agentJa.id);
    const edit = buttons(list).find((button) => button.actionId === 'template.edit')!;
    const editModal = await click(USERS.agentJa.id, edit);
    await submit(USERS.agentJa.id, editModal, {
      name: 'Shipping delay',
      category: 'Shipping',
      body: `${V2}\nP.S. holidays`,
      note: 'holiday note',
    });
    await waitFor(() => versions('Shipping delay').length === 3, 5_000, 'version 3');
    await waitFor(
      () => JSON.stringify(draftPost()!.blocks).includes('version 2; the template has changed since (now version 3)'),
      10_000,
      'the reviewer warned before approving',
    );
    const actions = (
      draftPost()!.blocks as { type: string; block_id?: string; elements?: { value?: string }[] }[]
    ).find((block) => block.type === 'actions')!;
    await fixture.requests.blockAction({
      userId: USERS.reviewer.id,
      channelId: CHANNEL_ID,
      messageTs: draftPost()!.ts,
      action: {
        action_id: 'draft.approve',
        type: 'button',
        block_id: actions.block_id,
        value: actions.elements![0]!.value,
      },
    });
    await waitFor(() => fixture.smtp.mails.length === 1, 10_000, 'the reply at the SMTP server');
    expect(fixture.smtp.mails[0]!.raw).toContain('Shipping takes 5 days; order A-77.');
    expect(fixture.smtp.mails[0]!.to.sort()).toEqual(['boss@example.jp', 'hanako@example.jp']);
  });
});
