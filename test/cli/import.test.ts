import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { corpusMail } from '../support/corpus.js';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, useFixture } from '../support/fixture.js';
import { MailroomProcess, runCommand } from '../support/mailroom-process.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';

describeWithDovecot('npm run import', (dovecot) => {
  const fixture = useFixture(dovecot);

  it('imports .eml and mbox files as closed history without posting, once; an answer later reopens the ticket in Slack', async () => {
    const mbox = path.join(fixture.dir, 'history.mbox');
    writeFileSync(
      mbox,
      [
        'From taro@example.jp Mon Nov 23 09:00:00 2026\nFrom: Taro <taro@example.jp>\nTo: support@example.test\nSubject: invoice\nMessage-ID: <h1@example.jp>\nDate: Mon, 23 Nov 2026 09:00:00 +0900\n\nPlease send the invoice.\n>From the accounting team.\n',
        'From hanako@example.jp Mon Nov 23 10:00:00 2026\nFrom: hanako@example.jp\nTo: support@example.test\nSubject: delivery\nMessage-ID: <h2@example.jp>\n\nWhere is my parcel?\n',
      ].join('\n'),
    );
    const eml = path.join(fixture.dir, 'sjis.eml');
    writeFileSync(eml, corpusMail('mikel-mail/multi_charset/japanese_shift_jis.eml'));

    const first = await runCommand('src/cli/import.ts', fixture.env(), fixture.dir, [mbox, eml]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain('history.mbox: 2 imported, 0 already known');
    expect(first.stdout).toContain('sjis.eml: 1 imported, 0 already known');
    const again = await runCommand('src/cli/import.ts', fixture.env(), fixture.dir, [mbox, eml]);
    expect(again.stdout).toContain('Imported 0 mail(s) into default; 3 were already there.');
    expect(fixture.slack.callsOf('chat.postMessage')).toHaveLength(0);

    const db = new Database(path.join(fixture.dir, 'data', 'mailroom.db'), { readonly: true });
    const tickets = db.prepare('SELECT number, subject, status FROM Ticket ORDER BY number').all();
    const invoice = db.prepare("SELECT text FROM Message WHERE messageId = 'h1@example.jp'").get() as { text: string };
    const sjis = db.prepare("SELECT text FROM Message WHERE subject = 'test'").get() as { text: string };
    db.close();
    expect(tickets).toEqual([
      { number: 1, subject: 'invoice', status: 'done' },
      { number: 2, subject: 'delivery', status: 'done' },
      { number: 3, subject: 'test', status: 'done' },
    ]);
    expect(invoice.text).toContain('From the accounting team.');
    expect(sjis.text).toContain('このメールはテスト用のメールです。');

    // Taro answers an imported mail: the ticket opens in Slack with its history's first mail.
    const bot = new MailroomProcess('src/main.ts', fixture.env(), fixture.dir);
    try {
      await bot.waitForLog('imap_connected');
      await appendMail(dovecot, fixture.mailbox, [
        'From: Taro <taro@example.jp>\r\nTo: support@example.test\r\nSubject: Re: invoice\r\nMessage-ID: <h3@example.jp>\r\nIn-Reply-To: <h1@example.jp>\r\n\r\nStill waiting for it.\r\n',
      ]);
      await waitFor(
        () =>
          fixture.slack.posted(CHANNEL_ID).length === 1 &&
          fixture.slack.posted(CHANNEL_ID, fixture.slack.posted(CHANNEL_ID)[0]!.ts).length >= 1,
        15_000,
        'the reopened ticket',
      );
      const [ticket] = fixture.slack.posted(CHANNEL_ID);
      expect(JSON.stringify(ticket!.blocks)).toContain('#1 invoice');
      expect(JSON.stringify(ticket!.blocks)).toContain('Open');
      expect(JSON.stringify(fixture.slack.posted(CHANNEL_ID, ticket!.ts)[0]!.blocks)).toContain(
        'Still waiting for it.',
      );
    } finally {
      await bot.stop();
    }
  });
});
