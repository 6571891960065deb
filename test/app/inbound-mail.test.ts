import { afterEach, expect, it } from 'vitest';
import { appendMail, changeUidValidity, openImap } from '../support/dovecot.js';
import path from 'node:path';
import Database from 'better-sqlite3';
import { corpusMail } from '../support/corpus.js';
import { CHANNEL_ID, useFixture } from '../support/fixture.js';
import { MailroomProcess } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { mrkdwnTexts } from '../support/blocks.js';
import { describeWithDovecot } from '../support/services.js';

const mrkdwnOf = (blocks: unknown) => JSON.stringify(blocks);

describeWithDovecot('inbound mail', (dovecot) => {
  const fixture = useFixture(dovecot);
  let bot: MailroomProcess | undefined;
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
  });

  async function startBot(extra: Record<string, string> = {}): Promise<MailroomProcess> {
    bot = new MailroomProcess('src/main.ts', fixture.env(extra), fixture.dir);
    await bot.waitForLog('started');
    await bot.waitForLog('imap_connected');
    return bot;
  }

  /**
   * A mailbox of its own (user and database) holding one mail from `year`, before Mailroom;
   * started once, so the mail is behind the cursor.
   */
  async function mailboxWithOldMail(name: string, year: number) {
    const user = `${name}-${path.basename(fixture.dir)}@example.test`;
    const dbFile = path.join(fixture.dir, `${name}.db`);
    const env = fixture.env({ IMAP_USER: user, MAILBOX_ADDRESS: user, DATABASE_URL: `file:${dbFile}` });
    const imap = await openImap(dovecot, user);
    await imap.append(
      'INBOX',
      `From: old@customer.example\r\nTo: support@example.test\r\nSubject: from ${year}\r\nMessage-ID: <old-${year}@customer.example>\r\n\r\nold\r\n`,
      [],
      new Date(`${year}-01-01T00:00:00Z`),
    );
    await imap.logout();
    bot = new MailroomProcess('src/main.ts', env, fixture.dir);
    await bot.waitForLog('imap_connected');
    await bot.stop();
    return { user, dbFile, env };
  }

  it('posts each new mail as one ticket message when it shows the whole text, and a reply into the same thread', async () => {
    await startBot();
    await appendMail(dovecot, fixture.mailbox, [
      corpusMail('mikel-mail/multi_charset/japanese_iso_2022.eml'),
      'From: Mallory <mallory@evil.example>\r\nTo: support@example.test\r\nSubject: <!channel> urgent <https://evil.example|your bank>\r\nMessage-ID: <m1@evil.example>\r\n\r\nPlease click <!here>\r\n',
    ]);
    await waitFor(() => fixture.slack.posted(CHANNEL_ID).length >= 2, 15_000, 'two ticket posts');
    const [first, second] = fixture.slack.posted(CHANNEL_ID);
    expect(first!.blocks![0]).toMatchObject({ type: 'header', text: { text: '#1 まみむめも' } });
    expect(mrkdwnOf(first!.blocks)).toContain('ticket.claim');
    expect(first!.metadata).toMatchObject({
      event_type: 'mailroom_post',
      event_payload: { ticket_id: expect.any(Number) },
    });
    // A short mail that quotes nothing is whole in the ticket message: no copy in the thread.
    expect(mrkdwnOf(first!.blocks)).toContain('すみません。');

    // Nothing a customer writes pings or links.
    // (plain_text, as in the header, shows characters as they are; mrkdwn and `text` are parsed)
    const hostile = [...mrkdwnTexts(second!.blocks), second!.text].join('\n');
    expect(hostile).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);
    expect(hostile).toContain('&lt;!channel&gt;');

    // The customer answers the hostile ticket: it lands in that ticket's thread.
    await appendMail(dovecot, fixture.mailbox, [
      'From: Mallory <mallory@evil.example>\r\nTo: support@example.test\r\nSubject: Re: something else entirely\r\nMessage-ID: <m2@evil.example>\r\nIn-Reply-To: <m1@evil.example>\r\nReferences: <m1@evil.example>\r\n\r\nAny news?\r\n',
    ]);
    await waitFor(
      () => fixture.slack.posted(CHANNEL_ID, second!.ts).length >= 1,
      10_000,
      'the follow-up in the thread',
    );
    expect(mrkdwnOf(fixture.slack.posted(CHANNEL_ID, second!.ts)[0]!.blocks)).toContain('Any news?');
    expect(fixture.slack.posted(CHANNEL_ID)).toHaveLength(2);
    expect(fixture.slack.posted(CHANNEL_ID, first!.ts)).toHaveLength(0);
  });

  it('posts nothing twice after a restart, and picks up mail that arrived while it was down', async () => {
    const before = fixture.slack.posted(CHANNEL_ID).length;
    await startBot();
    await bot!.stop();
    await appendMail(dovecot, fixture.mailbox, [
      'From: a@customer.example\r\nTo: support@example.test\r\nSubject: while you were away\r\nMessage-ID: <away@customer.example>\r\n\r\nhello\r\n',
    ]);
    await startBot();
    await waitFor(() => fixture.slack.posted(CHANNEL_ID).length >= before + 1, 15_000, 'the mail from the downtime');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const subjects = fixture.slack
      .posted(CHANNEL_ID)
      .map((message) => (message.blocks![0] as { text: { text: string } }).text.text);
    expect(subjects.slice(before)).toEqual([`#${before + 1} while you were away`]);
  });

  it('recognises known mail after the server changes UIDVALIDITY, posting only what is new', async () => {
    const before = fixture.slack.posted(CHANNEL_ID).length;
    await startBot();
    await bot!.stop();
    changeUidValidity(dovecot, fixture.mailbox, 4_000_000_001);
    await appendMail(dovecot, fixture.mailbox, [
      'From: b@customer.example\r\nTo: support@example.test\r\nSubject: after the migration\r\nMessage-ID: <after@customer.example>\r\n\r\nhello\r\n',
    ]);
    await startBot();
    await bot!.waitForLog('imap_uidvalidity_changed');
    const synced = await bot!.waitForLog('imap_synced');
    await waitFor(() => fixture.slack.posted(CHANNEL_ID).length >= before + 1, 15_000, 'the new mail');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const subjects = fixture.slack
      .posted(CHANNEL_ID)
      .map((message) => (message.blocks![0] as { text: { text: string } }).text.text);
    expect(subjects.slice(before)).toEqual([`#${before + 1} after the migration`]);
    // Every mail of the folder was read again; only the new one was stored.
    expect(synced.stored).toBe(1);
    expect(synced.duplicates).toBeGreaterThanOrEqual(before);
  });

  it('after a UIDVALIDITY change keeps mail from before Mailroom as history instead of posting it', async () => {
    const { user, dbFile, env } = await mailboxWithOldMail('history', 2020);
    const posted = () =>
      fixture.slack.calls.filter(
        (call) =>
          call.method === 'chat.postMessage' &&
          !call.error &&
          JSON.stringify(call.args.blocks ?? []).includes('from 2020'),
      );
    changeUidValidity(dovecot, user, 4_000_000_002);
    await appendMail(dovecot, user, [
      'From: new@customer.example\r\nTo: support@example.test\r\nSubject: after the rebuild\r\nMessage-ID: <after-rebuild@customer.example>\r\n\r\nnew\r\n',
    ]);
    bot = new MailroomProcess('src/main.ts', env, fixture.dir);
    await bot.waitForLog('imap_uidvalidity_changed');
    await waitFor(
      () =>
        fixture.slack.calls.some(
          (call) =>
            call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks ?? []).includes('after the rebuild'),
        ),
      15_000,
      'the new mail',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(posted()).toHaveLength(0);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare("SELECT subject, status FROM Ticket WHERE subject = 'from 2020'").get()).toEqual({
      subject: 'from 2020',
      status: 'done',
    });
    db.close();
  });

  it('still treats mail from before Mailroom as history when restarted in the middle of a rescan', async () => {
    const { user, dbFile, env } = await mailboxWithOldMail('rescan', 2019);
    changeUidValidity(dovecot, user, 4_000_000_003);
    await appendMail(dovecot, user, [
      'From: new@customer.example\r\nTo: support@example.test\r\nSubject: after the restart\r\nMessage-ID: <after-restart@customer.example>\r\n\r\nnew\r\n',
    ]);
    // What the bot writes as it notices the change, before it reads the folder again: as if
    // it was killed right after.
    const write = new Database(dbFile);
    write.prepare('UPDATE Mailbox SET uidValidity = 4000000003, lastUid = 0, rescanUidValidity = 4000000003').run();
    write.close();

    bot = new MailroomProcess('src/main.ts', env, fixture.dir);
    await waitFor(
      () =>
        fixture.slack.calls.some(
          (call) =>
            call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks ?? []).includes('after the restart'),
        ),
      15_000,
      'the new mail',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(
      fixture.slack.calls.filter(
        (call) => call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks ?? []).includes('from 2019'),
      ),
    ).toHaveLength(0);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare("SELECT subject, status FROM Ticket WHERE subject = 'from 2019'").get()).toEqual({
      subject: 'from 2019',
      status: 'done',
    });
    // Caught up: the rescan is over, later mail is news again.
    expect(db.prepare('SELECT rescanUidValidity FROM Mailbox').get()).toEqual({ rescanUidValidity: null });
    db.close();
  });

  it('shares attachments and an over-long text as files in the thread, byte for byte', async () => {
    await startBot();
    const long = Array.from({ length: 800 }, (_, i) => `${i}: 長い問い合わせの本文です。Long enquiry text.`).join('\n');
    await appendMail(dovecot, fixture.mailbox, [
      corpusMail('mikel-mail/multi_charset/japanese_attachment.eml'),
      `From: long@customer.example\r\nTo: support@example.test\r\nSubject: long one\r\nMessage-ID: <long@customer.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${long}\r\n`,
    ]);
    const filesIn = (name: string) =>
      fixture.slack.messages
        .flatMap((m) => m.files ?? [])
        .find((file) => file.name === name || file.name.startsWith(name));
    await waitFor(() => !!filesIn('てすと.txt') && !!filesIn('mail-'), 20_000, 'both files shared');
    const attachment = fixture.slack.files.get(filesIn('てすと.txt')!.id)!;
    expect(attachment.bytes!.toString('utf8')).toContain('this is a test');
    const text = fixture.slack.files.get(filesIn('mail-')!.id)!;
    expect(text.bytes!.toString('utf8').trimEnd()).toBe(long);
    // Shared where they belong: in the thread of their own ticket.
    const sharing = fixture.slack.messages.find((m) => m.files?.some((file) => file.name === 'てすと.txt'))!;
    const ticket = fixture.slack.posted(CHANNEL_ID).find((m) => m.ts === sharing.thread_ts)!;
    expect(JSON.stringify(ticket.blocks)).toContain('testing');
  });

  it('takes a mail of several megabytes (fetched in ranges, its attachment streamed to Slack) byte for byte, once', async () => {
    await startBot();
    const bytes = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 2654435761) >>> 24;
    const base64 = bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = `From: big@customer.example\r\nTo: support@example.test\r\nSubject: 大きな添付\r\nMessage-ID: <big-${Date.now()}@customer.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n図面を添付します。\r\n--b\r\nContent-Type: application/octet-stream; name="図面.bin"\r\nContent-Disposition: attachment; filename="図面.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}\r\n--b--\r\n`;
    expect(raw.length).toBeGreaterThan(4 * 1024 * 1024);
    await appendMail(dovecot, fixture.mailbox, [raw]);
    const shared = () =>
      fixture.slack.messages.flatMap((m) => m.files ?? []).filter((file) => file.name === '図面.bin');
    await waitFor(() => shared().length >= 1, 30_000, 'the big file shared');
    const file = fixture.slack.files.get(shared()[0]!.id)!;
    expect(file.bytes!.equals(bytes)).toBe(true);
    // Stored whole, exactly as the server has it.
    const db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT size FROM Message WHERE subject = '大きな添付'").get() as { size: number };
      expect(row.size).toBe(Buffer.byteLength(raw));
    } finally {
      db.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(shared()).toHaveLength(1);
  }, 60_000);

  it('takes only the headers and the start of a mail over the size cap, says so on the ticket, and shares no cut-off attachment', async () => {
    await startBot({ IMAP_MAX_MAIL_MB: '1' });
    const base64 = Buffer.alloc(3 * 1024 * 1024, 7)
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    const subject = `too big ${Date.now()}`;
    const raw = `From: huge@customer.example\r\nTo: support@example.test\r\nSubject: ${subject}\r\nMessage-ID: <huge-${Date.now()}@customer.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n見積書を添付します。\r\n--b\r\nContent-Type: application/pdf; name="mitsumori.pdf"\r\nContent-Disposition: attachment; filename="mitsumori.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}\r\n--b--\r\n`;
    await appendMail(dovecot, fixture.mailbox, [raw]);
    await waitFor(
      () => fixture.slack.posted(CHANNEL_ID).some((m) => JSON.stringify(m.blocks ?? []).includes(subject)),
      20_000,
      'the ticket of the big mail',
    );
    const ticket = fixture.slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks ?? []).includes(subject))!;
    expect(JSON.stringify(ticket.blocks)).toContain('見積書を添付します。');
    expect(JSON.stringify(ticket.blocks)).toContain('over the size limit');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(fixture.slack.messages.flatMap((m) => m.files ?? []).some((file) => file.name === 'mitsumori.pdf')).toBe(
      false,
    );
    const db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT size FROM Message WHERE subject = ?').get(subject) as { size: number };
      expect(row.size).toBeLessThanOrEqual(256 * 1024);
    } finally {
      db.close();
    }
    // The bot goes on with the next mail.
    await appendMail(dovecot, fixture.mailbox, [
      `From: next@customer.example\r\nTo: support@example.test\r\nSubject: after the big one\r\nMessage-ID: <after-big-${Date.now()}@customer.example>\r\n\r\nhello\r\n`,
    ]);
    await waitFor(
      () => fixture.slack.posted(CHANNEL_ID).some((m) => JSON.stringify(m.blocks ?? []).includes('after the big one')),
      20_000,
      'the next mail',
    );
  }, 60_000);
});
