import { classifyMail } from '../../src/domain/classify-mail.js';
import { DEFAULT_STATUSES } from '../../src/domain/ticket-fields.js';
import { buildTicketMessage } from '../../src/slack/views/ticket-message.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdsOf } from '../../src/mail/raw-headers.js';
import { parseMail } from '../../src/mail/parse-mail.js';
import { ParsePool } from '../../src/mail/parse-pool.js';
import { corpusMail, corpusMails } from '../support/corpus.js';

let pool: ParsePool;
beforeAll(() => {
  pool = new ParsePool({ size: 2 });
});
afterAll(async () => pool.close());

const mikel = (name: string) => corpusMail(`mikel-mail/${name}`);

describe('parsing mail', () => {
  it('reads every mail of the corpus without failing', async () => {
    const mails = corpusMails();
    expect(mails.length).toBeGreaterThan(90);
    const results = await Promise.allSettled(mails.map(({ raw }) => pool.parse(raw)));
    const failed = results.flatMap((result, i) =>
      result.status === 'rejected' ? [`${mails[i]!.name}: ${String(result.reason)}`] : [],
    );
    expect(failed).toEqual([]);
  });

  it('decodes ISO-2022-JP, Shift_JIS and UTF-8 Japanese subjects, bodies and file names', async () => {
    const iso = await pool.parse(mikel('multi_charset/japanese_iso_2022.eml'));
    expect(iso.subject).toBe('まみむめも');
    expect(iso.text).toContain('すみません。');

    const sjis = await pool.parse(mikel('multi_charset/japanese_shift_jis.eml'));
    expect(sjis.text).toContain('このメールはテスト用のメールです。');
    expect(sjis.text).toContain('今後ともよろしくお願い申し上げます！');

    const utf8 = await pool.parse(mikel('multi_charset/japanese.eml'));
    expect(utf8.subject).toBe('まみむめも');
    expect(utf8.text).toContain('かきくえこ');

    const attachment = await pool.parse(mikel('multi_charset/japanese_attachment_long_name.eml'));
    expect(attachment.subject).toBe('まみむめも'.repeat(10));
    expect(attachment.attachments.map((a) => a.filename)).toEqual([`${'かきくけこ'.repeat(5)}.txt`]);

    const korean = await pool.parse(mikel('multi_charset/ks_c_5601-1987.eml'));
    expect(korean.text).toContain('스티해');
  });

  it('decodes EUC-JP and ISO-2022-JP encoded-word headers', async () => {
    const eucBody = Buffer.from([0xa4, 0xb3, 0xa4, 0xf3, 0xa4, 0xcb, 0xa4, 0xc1, 0xa4, 0xcf]); // こんにちは
    const raw = Buffer.concat([
      Buffer.from(
        'From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\nTo: support@example.com\r\nSubject: =?EUC-JP?B?pLOk86TLpMGkzw==?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=EUC-JP\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
      ),
      eucBody,
      Buffer.from('\r\n'),
    ]);
    const mail = await pool.parse(raw);
    expect(mail.subject).toBe('こんにちは');
    expect(mail.text.trim()).toBe('こんにちは');
    expect(mail.from).toEqual({ name: '山田', address: 'yamada@example.jp' });
  });

  it('turns HTML-only mail into readable text and keeps the HTML', async () => {
    const raw =
      'From: shop@example.com\r\nTo: support@example.com\r\nSubject: order\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>ご注文<b>ありがとう</b>ございます。</p><p>Order&nbsp;#42</p><script>alert(1)</script></body></html>\r\n';
    const mail = await pool.parse(Buffer.from(raw));
    expect(mail.text).toContain('ご注文ありがとうございます。');
    expect(mail.text).toContain('Order #42');
    expect(mail.text).not.toContain('<p>');
    expect(mail.html).toContain('<b>ありがとう</b>');
  });

  it('reads threading headers and Reply-To, lower-casing addresses', async () => {
    const raw =
      'From: Form <NoReply@Forms.Example.com>\r\nReply-To: "Suzuki Hanako" <Hanako@Example.JP>\r\nTo: support@example.com\r\nSubject: Re: help\r\nMessage-ID: <abc@forms.example.com>\r\nIn-Reply-To: <our-1@mailroom.example.com>\r\nReferences: <first@x.example> <our-1@mailroom.example.com>\r\n\r\nhello\r\n';
    const mail = await pool.parse(Buffer.from(raw));
    expect(mail).toMatchObject({
      messageId: 'abc@forms.example.com',
      inReplyTo: 'our-1@mailroom.example.com',
      references: ['first@x.example', 'our-1@mailroom.example.com'],
      from: { name: 'Form', address: 'noreply@forms.example.com' },
      replyTo: { name: 'Suzuki Hanako', address: 'hanako@example.jp' },
    });
  });

  it('reads what a bounce says about itself', async () => {
    const mail = await pool.parse(mikel('multipart_report_emails/report_530.eml'));
    expect(mail.headers.contentType).toMatch(/^multipart\/report/);
  });

  it('does not block the event loop on a 5 MB text part', async () => {
    const line = 'これは長い本文です。This is a long body line.\r\n';
    const body = Buffer.from(line.repeat(Math.ceil(5_000_000 / Buffer.byteLength(line))))
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    const raw = Buffer.from(
      `From: a@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}\r\n`,
    );
    let longestPause = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      longestPause = Math.max(longestPause, Date.now() - last);
      last = Date.now();
    }, 5);
    const mail = await pool.parse(raw);
    clearInterval(ticker);
    expect(mail.textTruncated).toBe(true);
    expect(mail.text.startsWith('これは長い本文です。')).toBe(true);
    // Generous: what matters is that the main thread kept ticking, far below Slack's 3 s.
    expect(longestPause).toBeLessThan(1_000);
  });
});

describe('messageIdsOf', () => {
  it('reads bracketed and bare ids and drops repeats', () => {
    expect(messageIdsOf('<a@x> <b@y>\r\n <a@x>')).toEqual(['a@x', 'b@y']);
    expect(messageIdsOf('c@z')).toEqual(['c@z']);
    expect(messageIdsOf(undefined)).toEqual([]);
  });
});

describe('a mail without a usable From', () => {
  const body = 'Subject: t\r\nMessage-ID: <s@x>\r\n\r\nhello\r\n';
  const senderOf = async (headers: string) => {
    const mail = await parseMail(Buffer.from(headers + body));
    return { from: mail.from, source: mail.fromSource, guessed: classifyMail(mail, []).fromGuessed };
  };

  it('shows the best address there is, marked as not from the From line', async () => {
    expect(await senderOf('From: Taro <taro@example.jp>\r\nSender: list@example.jp\r\n')).toEqual({
      from: { name: 'Taro', address: 'taro@example.jp' },
      source: 'from',
      guessed: false,
    });
    // Two From lines, the first unreadable: the readable one (mailparser keeps only the first).
    expect(await senderOf('From: =?x-unknown?Q?broken?=\r\nFrom: Real <real@example.jp>\r\n')).toMatchObject({
      from: { address: 'real@example.jp' },
      source: 'later-from',
      guessed: true,
    });
    expect(await senderOf('Sender: sender@example.jp\r\nReply-To: reply@example.jp\r\n')).toMatchObject({
      from: { address: 'sender@example.jp' },
      source: 'sender',
      guessed: true,
    });
    expect(await senderOf('From: undisclosed recipients\r\nReply-To: reply@example.jp\r\n')).toMatchObject({
      from: { name: 'undisclosed recipients', address: 'reply@example.jp' },
      source: 'reply-to',
      guessed: true,
    });
    expect(await senderOf('Return-Path: <bounce@example.jp>\r\n')).toMatchObject({
      from: { address: 'bounce@example.jp' },
      source: 'return-path',
      guessed: true,
    });
    expect(await senderOf('')).toEqual({ from: null, source: null, guessed: false });
  });

  it('says so on the ticket, in both languages', () => {
    const input = {
      ticket: { id: 1, number: 1, subject: 's', status: 'open', urgency: 'normal', assigneeId: null },
      sender: { name: '', address: 'sender@example.jp' },
      flags: { fromGuessed: true },
      receivedAt: new Date(),
      preview: 'x',
      attachmentNames: [],
      unreadable: false,
      statuses: DEFAULT_STATUSES,
    };
    expect(JSON.stringify(buildTicketMessage({ ...input, locale: 'en' }).blocks)).toContain(
      'sender from another header',
    );
    expect(JSON.stringify(buildTicketMessage({ ...input, locale: 'ja' }).blocks)).toContain('差出人は別のヘッダーから');
  });
});
