/**
 * A customer's data on request, driven the way Slack drives the app: mail delivered by real
 * Dovecot, signed `/mail export-customer` and `/mail forget` commands, and the Slack
 * stand-in showing what people see — a refusal for anyone not in ADMINS (in their
 * language), the export in the admin's own DM, the customer's ticket message replaced by
 * the note in both languages (chat.update) while another customer's stays, and a second
 * forget that finds nothing; and the same from the command line while the bot runs.
 */
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { runCommand } from '../support/mailroom-process.js';
import { describeWithDovecot } from '../support/services.js';
import type { StoredMessage } from '../support/slack-standin.js';

const ADMIN = USERS.agentEn;

describeWithDovecot('a customer forgotten or exported from Slack', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture, { ADMINS: ADMIN.id });

  const current = (message: StoredMessage) =>
    fixture.slack.messages.find((m) => m.ts === message.ts && m.channel === CHANNEL_ID)!;
  async function command(userId: string, text: string) {
    const { responseId } = await fixture.requests.command({ text, userId, channelId: CHANNEL_ID });
    return (await fixture.slack.answerTo(responseId, `the answer to /mail ${text}`, 20_000)) as {
      text?: string;
      response_type?: string;
    };
  }
  /** A mail from the customer; with `attachment`, a file the bot shares in the ticket's thread. */
  async function deliver(from: string, subject: string, attachment?: string): Promise<StoredMessage> {
    const headers = [
      `From: ${from}`,
      `To: ${fixture.mailbox}`,
      `Subject: ${subject}`,
      `Message-ID: <${subject.replace(/\W/g, '')}@example.jp>`,
    ];
    const text = ['Content-Type: text/plain; charset=UTF-8', '', `Body of ${subject}.`, ''];
    const raw = (
      attachment
        ? [
            ...headers,
            'MIME-Version: 1.0',
            'Content-Type: multipart/mixed; boundary="b"',
            '',
            '--b',
            ...text,
            '--b',
            `Content-Type: application/pdf; name="${attachment}"`,
            `Content-Disposition: attachment; filename="${attachment}"`,
            'Content-Transfer-Encoding: base64',
            '',
            Buffer.from(`receipt of ${subject}`).toString('base64'),
            '--b--',
            '',
          ]
        : [...headers, ...text]
    ).join('\r\n');
    await appendMail(dovecot, fixture.mailbox, [raw]);
    let message: StoredMessage | undefined;
    await waitFor(
      () => !!(message = fixture.slack.posted(CHANNEL_ID).find((m) => JSON.stringify(m.blocks).includes(subject))),
      20_000,
      `the ticket message of ${subject}`,
    );
    return message!;
  }
  const rows = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;

  it('only admins may; the export reaches the admin alone; forgetting redacts the customer’s Slack message and is idempotent', async () => {
    const stamp = Date.now();
    const kenji = await deliver('Kenji <kenji@example.jp>', `Kenji wants a refund ${stamp}`, 'receipt.pdf');
    // The mail's attachment, shared by the bot in Kenji's thread.
    let receipt: string | undefined;
    await waitFor(
      () =>
        !!(receipt = fixture.slack.messages.find(
          (m) => m.thread_ts === kenji.ts && m.files?.some((file) => file.name === 'receipt.pdf'),
        )?.files?.[0]?.id),
      20_000,
      'the attachment shared in the thread',
    );
    const yui = await deliver('Yui <yui@example.jp>', `Yui asks about delivery ${stamp}`);
    const yuiBlocks = JSON.stringify(current(yui).blocks);

    // Not an admin: refused in their language, nothing sent, nothing removed.
    const customersBefore = rows('Customer');
    expect((await command(USERS.outsider.id, 'forget kenji@example.jp')).text).toContain(
      'Only Mailroom’s admins (ADMINS) may use `/mail forget`',
    );
    expect((await command(USERS.agentJa.id, 'export-customer kenji@example.jp')).text).toContain(
      '管理者（ADMINS）だけが使えます',
    );
    expect(fixture.slack.imWith(USERS.agentJa.id)).toBeUndefined();
    expect(rows('Customer')).toBe(customersBefore);
    expect((await command(ADMIN.id, 'forget nobody')).text).toContain('Give the customer’s mail address');

    // The export: a JSON file in the admin's DM, with Kenji's mail and not Yui's.
    const exported = await command(ADMIN.id, 'export-customer Kenji@Example.jp');
    expect(exported.response_type).toBe('ephemeral');
    expect(exported.text).toContain('Sent to your direct messages with Mailroom');
    const dm = fixture.slack.imWith(ADMIN.id)!;
    const shared = fixture.slack.messages.filter((m) => m.channel === dm.id && m.files?.length).at(-1)!;
    const file = fixture.slack.files.get(shared.files![0]!.id)!;
    expect(file.filename).toMatch(/^customer-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.json$/);
    const document = JSON.parse(file.bytes!.toString('utf8'));
    expect(document.customer.address).toBe('kenji@example.jp');
    expect(document.mails.map((mail: { text: string }) => mail.text.trim())).toEqual([
      `Body of Kenji wants a refund ${stamp}.`,
    ]);
    expect(file.bytes!.toString('utf8')).not.toContain('Yui');

    // Forgotten: the answer says what went; the ticket message becomes the note in both languages.
    const forgotten = await command(ADMIN.id, 'forget kenji@example.jp');
    expect(forgotten.text).toContain('Forgot `kenji@example.jp`: 1 mail(s)');
    await waitFor(
      () => (current(kenji).text ?? '').includes('removed at their request'),
      20_000,
      'the ticket message redacted',
    );
    expect(current(kenji).text).toContain('ご本人の依頼により削除されました');
    expect(JSON.stringify(current(kenji).blocks)).not.toMatch(/refund|kenji/i);
    expect(JSON.stringify(current(yui).blocks)).toBe(yuiBlocks);
    // The file the bot shared with Kenji's attachment is deleted in Slack.
    await waitFor(() => fixture.slack.files.get(receipt!)?.deleted === true, 20_000, 'the shared file deleted');
    const counts = ['Message', 'Customer', 'Ticket', 'AuditLog'].map(rows);

    // Twice: nothing held, nothing changed.
    expect((await command(ADMIN.id, 'forget kenji@example.jp')).text).toContain(
      'Mailroom holds nothing of `kenji@example.jp`: it was forgotten on',
    );
    expect(['Message', 'Customer', 'Ticket', 'AuditLog'].map(rows)).toEqual(counts);
  });

  it('npm run export-customer and npm run forget: the JSON on stdout, what was removed printed, the running bot redacts', async () => {
    const stamp = Date.now();
    const mika = await deliver('Mika <mika@example.jp>', `Mika's invoice ${stamp}`);
    const env = fixture.env({ ADMINS: ADMIN.id });

    const exported = await runCommand('src/cli/export-customer.ts', env, fixture.dir, ['mika@example.jp']);
    expect(exported.exitCode, exported.stderr).toBe(0);
    const document = JSON.parse(exported.stdout);
    expect(document.mails.map((mail: { subject: string }) => mail.subject)).toEqual([`Mika's invoice ${stamp}`]);

    const forgotten = await runCommand('src/cli/forget.ts', env, fixture.dir, ['mika@example.jp']);
    expect(forgotten.exitCode, forgotten.stderr).toBe(0);
    expect(forgotten.stdout).toContain('Forgot mika@example.jp:');
    expect(forgotten.stdout).toMatch(/mails \(in and out\)\s+1/);
    expect(forgotten.stdout).toMatch(/Slack messages\s+1\s+queued/);
    await waitFor(
      () => (current(mika).text ?? '').includes('removed at their request'),
      20_000,
      'the ticket message redacted by the running bot',
    );
    expect(JSON.stringify(current(mika).blocks)).not.toMatch(/invoice|mika/i);

    const again = await runCommand('src/cli/forget.ts', env, fixture.dir, ['mika@example.jp']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing is held of mika@example.jp: it was forgotten on');
    const bad = await runCommand('src/cli/forget.ts', env, fixture.dir, ['not-an-address']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('not a mail address');
  });
});
