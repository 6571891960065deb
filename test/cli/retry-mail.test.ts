/**
 * `npm run retry-mail`: what was given up on is listed for the admin and, once put back in
 * line, taken up by the running bot at its next sync pass and posted, against the real
 * Dovecot and the Slack stand-in.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, useFixture } from '../support/fixture.js';
import { MailroomProcess, runCommand } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';

describeWithDovecot('npm run retry-mail', (dovecot) => {
  const fixture = useFixture(dovecot);

  it('lists the mail given up on and puts it back in line; the bot then fetches and posts it', async () => {
    const first = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    try {
      await first.waitForLog('imap_connected');
    } finally {
      await first.stop();
    }
    // A mail the server refused for a day: past the cursor, remembered only as a given-up gap.
    await appendMail(dovecot, fixture.mailbox, [
      'From: Taro <taro@example.jp>\r\nTo: support@example.test\r\nSubject: the lost one\r\nMessage-ID: <lost@example.jp>\r\n\r\nPlease answer.\r\n',
    ]);
    const file = path.join(fixture.dir, 'data', 'mailroom.db');
    const db = new Database(file);
    const box = db.prepare('SELECT id, uidValidity, lastUid FROM Mailbox').get() as {
      id: number;
      uidValidity: number;
      lastUid: number;
    };
    const uid = box.lastUid + 1;
    db.prepare('UPDATE Mailbox SET lastUid = ? WHERE id = ?').run(uid, box.id);
    db.prepare(
      `INSERT INTO MailGap (mailboxId, folder, uidValidity, uid, attempts, reason, nextTryAt, gaveUpAt, updatedAt) VALUES (?, 'INBOX', ?, ?, 12, 'refused by the server: could not be converted', ?, ?, ?)`,
    ).run(box.id, box.uidValidity, uid, Date.now(), Date.now(), Date.now());
    db.close();

    const listed = await runCommand('src/cli/retry-mail.ts', fixture.env(), fixture.dir, ['--list']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`default  uid:${uid}  not fetched from the server after 12 tries`);
    expect(listed.stdout).toContain('could not be converted');
    const wrong = await runCommand('src/cli/retry-mail.ts', fixture.env(), fixture.dir, ['yesterday']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('not a mail to retry: yesterday');

    const retried = await runCommand('src/cli/retry-mail.ts', fixture.env(), fixture.dir);
    expect(retried.exitCode, retried.stderr).toBe(0);
    expect(retried.stdout).toContain('1 mail(s) put back in line');

    const bot = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    try {
      await waitFor(
        () =>
          fixture.slack.posted(CHANNEL_ID).some((message) => JSON.stringify(message.blocks).includes('the lost one')),
        20_000,
        'the retried mail posted',
      );
    } finally {
      await bot.stop();
    }
    const after = new Database(file, { readonly: true });
    expect(after.prepare('SELECT COUNT(*) AS n FROM MailGap').get()).toEqual({ n: 0 });
    after.close();
    const none = await runCommand('src/cli/retry-mail.ts', fixture.env(), fixture.dir, ['--list']);
    expect(none.stdout).toContain('No mail has been given up on.');
    // Two bot starts and four commands: more than the default 30 s when other files run beside it.
  }, 90_000);
});
