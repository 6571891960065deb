/**
 * `/mail export`, driven the way Slack drives the app: mails delivered by real Dovecot
 * become tickets, a signed slash command asks for the export, and the Slack stand-in shows
 * the two CSV files in the asker's own DM with the bot and nowhere else — the tickets
 * (BOM, header, Japanese text, quoting as Excel reads it) and the numbers of /mail stats.
 */
import { expect, it } from 'vitest';
import { appendMail } from '../support/dovecot.js';
import { CHANNEL_ID, USERS, useFixture, useRunningBot } from '../support/fixture.js';
import { waitFor } from '../support/net.js';
import { describeWithDovecot } from '../support/services.js';

/** RFC 2047 encoded-word, so the subject and name arrive as the customer's mail program sends them. */
const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

function mail(to: string, from: string, subject: string, body: string): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${encoded(subject)}`,
    `Message-ID: <export-${Math.random().toString(36).slice(2)}@example.jp>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
    '',
  ].join('\r\n');
}

/** The records of a CSV file (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (quoted) {
      field += char;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      field = '';
      record = [];
      i++;
    } else {
      field += char;
    }
  }
  return records;
}

describeWithDovecot('/mail export in Slack', (dovecot) => {
  const fixture = useFixture(dovecot);
  const { db } = useRunningBot(fixture);
  const stamp = Date.now();
  const subjects = [`請求書について、再発行のお願い "至急" ${stamp}`, `=HYPERLINK("https://evil.example") ${stamp}`];
  let delivered = false;

  async function deliver() {
    if (delivered) return;
    await appendMail(dovecot, fixture.mailbox, [
      mail(
        fixture.mailbox,
        `${encoded('山田, 花子')} <hanako@example.jp>`,
        subjects[0]!,
        '請求書を再発行してください。',
      ),
      mail(fixture.mailbox, 'Mallory <mallory@example.com>', subjects[1]!, 'Click.'),
    ]);
    await waitFor(
      () => (db.prepare('SELECT COUNT(*) AS n FROM Ticket').get() as { n: number }).n >= 2,
      15_000,
      'two tickets',
    );
    delivered = true;
  }

  async function command(userId: string, text: string) {
    const { responseId } = await fixture.requests.command({ text, userId, channelId: CHANNEL_ID });
    return (await fixture.slack.answerTo(responseId, `the answer to ${text}`, 20_000)) as {
      text?: string;
      response_type?: string;
    };
  }
  /** The files shared in the user's DM with the bot, newest last. */
  function filesInDm(userId: string) {
    const dm = fixture.slack.imWith(userId);
    if (!dm) return [];
    return fixture.slack.messages
      .filter((m) => m.channel === dm.id && m.files?.length)
      .map((m) => ({ text: m.text ?? '', file: fixture.slack.files.get(m.files![0]!.id)! }));
  }

  it('sends the tickets and the numbers as CSV to the asker’s DM alone, as Excel in Japan reads them', async () => {
    await deliver();
    const said = await command(USERS.agentJa.id, 'export week');
    expect(said.response_type).toBe('ephemeral');
    expect(said.text).toContain('ダイレクトメッセージに送りました');

    const shared = filesInDm(USERS.agentJa.id);
    expect(shared.map((each) => each.file.filename)).toEqual([
      expect.stringMatching(/^mailroom-tickets-\d{4}-\d{2}-\d{2}\.csv$/),
      expect.stringMatching(/^mailroom-stats-\d{4}-\d{2}-\d{2}\.csv$/),
    ]);
    expect(shared[0]!.text).toContain('チケット 2 件');

    const bytes = shared[0]!.file.bytes!;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = readCsv(text);
    expect(header).toEqual([
      'number',
      'mailbox',
      'subject',
      'customer',
      'customer name',
      'status',
      'urgency',
      'tags',
      'assignee',
      'assignee id',
      'received',
      'first response',
      'closed',
    ]);
    const japanese = rows.find((row) => row[2] === subjects[0])!;
    expect(japanese).toBeDefined();
    expect(japanese.slice(1, 7)).toEqual(['default', subjects[0], 'hanako@example.jp', '山田, 花子', 'open', 'normal']);
    // The comma and the quotes travel inside one quoted field, quotes doubled.
    expect(text).toContain(`"請求書について、再発行のお願い ""至急"" ${stamp}"`);
    expect(japanese[10]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expect(Math.abs(new Date(japanese[10]!).getTime() - Date.now())).toBeLessThan(5 * 60_000);
    // A subject Excel would run as a formula is written as text.
    expect(rows.some((row) => row[2] === `'${subjects[1]}`)).toBe(true);

    const stats = readCsv(shared[1]!.file.bytes!.toString('utf8').slice(1));
    expect(stats[0]!.slice(0, 5)).toEqual(['group', 'key', 'received', 'replied', 'closed']);
    expect(stats.find((row) => row[0] === 'total')!.slice(2, 5)).toEqual(['2', '0', '0']);
    expect(stats.find((row) => row[0] === 'unclaimed now')!.at(-1)).toBe('2');

    // Nowhere but that DM.
    for (const { file } of shared) {
      const where = fixture.slack.messages.filter((m) => m.files?.some((f) => f.id === file.id)).map((m) => m.channel);
      expect(where).toEqual([fixture.slack.imWith(USERS.agentJa.id)!.id]);
    }
  });

  it('takes the search filters and the period words of /mail stats', async () => {
    await deliver();
    const said = await command(USERS.agentEn.id, 'export month from:hanako@example.jp');
    expect(said.text).toContain('Sent to your direct messages with Mailroom: 1 tickets');
    const [tickets] = filesInDm(USERS.agentEn.id);
    const rows = readCsv(tickets!.file.bytes!.toString('utf8').slice(1)).slice(1);
    expect(rows.map((row) => row[3])).toEqual(['hanako@example.jp']);

    const before = filesInDm(USERS.agentEn.id).length;
    expect((await command(USERS.agentEn.id, 'export urgency:soon')).text).toContain('`urgency:soon`');
    expect(filesInDm(USERS.agentEn.id)).toHaveLength(before);
  });

  it('gives someone in no mailbox channel nothing', async () => {
    await deliver();
    const said = await command(USERS.outsider.id, 'export month');
    expect(said.text).toContain('not a member of any mailbox channel');
    expect(filesInDm(USERS.outsider.id)).toEqual([]);
  });
});
