/**
 * What becomes of a reply at a real SMTP server (smtp-server): sent; refused for good or
 * for now; or cut off — before the server invited the mail (nothing can have arrived: try
 * again) or after it had the whole mail (it may have been taken: never send it again).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRawMail } from '../../src/mail/send-raw-mail.js';
import { startSmtpCapture, type SmtpCapture } from '../support/smtp-capture.js';
import { wholeSource, type RawSource } from '../../src/util/raw-source.js';

let smtp: SmtpCapture;
beforeAll(async () => {
  smtp = await startSmtpCapture();
});
afterAll(() => smtp.stop());
beforeEach(() => {
  smtp.mails.length = 0;
  smtp.refuseNext = undefined;
  smtp.dropConnection = undefined;
  smtp.refuseRecipients = [];
});

const envelope = { from: 'support@example.com', to: ['taro@example.jp'] };
const raw = wholeSource(
  Buffer.from('From: support@example.com\r\nTo: taro@example.jp\r\nSubject: Re: 返品\r\n\r\nお返事です\r\n'),
);
const send = () => sendRawMail({ host: smtp.host, port: smtp.port, secure: false, tls: 'none' }, envelope, raw);

describe('sendRawMail', () => {
  it("sends, with the server's answer", async () => {
    const outcome = await send();
    expect(outcome.sent && outcome.response).toMatch(/^250/);
    expect(smtp.mails).toHaveLength(1);
  });

  it('a refusal for now may be tried again; one for good may not', async () => {
    smtp.refuseNext = { code: 451, message: 'try later', times: 1 };
    expect(await send()).toMatchObject({ sent: false, kind: 'temporary' });
    smtp.refuseNext = { code: 550, message: 'no such user', times: 1 };
    expect(await send()).toMatchObject({ sent: false, kind: 'permanent' });
  });

  it('a connection cut before the mail was invited sent nothing: temporary', async () => {
    smtp.dropConnection = 'at-rcpt';
    expect(await send()).toMatchObject({ sent: false, kind: 'temporary' });
    expect(smtp.mails).toHaveLength(0);
  });

  it('a connection cut after the server had the mail may have sent it: uncertain, never temporary', async () => {
    smtp.dropConnection = 'after-data';
    expect(await send()).toMatchObject({ sent: false, kind: 'uncertain' });
    expect(smtp.mails).toHaveLength(1);
  });

  it('names the recipients the server refused while it took the mail for the others', async () => {
    smtp.refuseRecipients = ['gone@example.jp'];
    const outcome = await sendRawMail(
      { host: smtp.host, port: smtp.port, secure: false, tls: 'none' },
      { ...envelope, to: ['taro@example.jp', 'gone@example.jp'] },
      raw,
    );
    expect(outcome).toMatchObject({ sent: true, refused: [expect.stringContaining('gone@example.jp')] });
    expect(outcome.sent && outcome.refused[0]).toContain('user unknown');
    expect(smtp.mails.map((mail) => mail.to)).toEqual([['taro@example.jp']]);
  });

  it('a mail stored in parts goes out byte for byte, with lines that begin with a dot and parts cut mid-line', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => (i % 7 === 0 ? `.line ${i}` : `line ${i} 返品のご連絡`));
    const bytes = Buffer.from(
      `From: support@example.com\r\nTo: taro@example.jp\r\nSubject: big\r\n\r\n${lines.join('\r\n')}\r\n.\r\n`,
    );
    // Parts of an odd size, as a source read from the database would be cut anywhere.
    const partSize = 65_537;
    const inParts: RawSource = {
      size: bytes.length,
      head: bytes.subarray(0, partSize),
      async *parts() {
        for (let offset = 0; offset < bytes.length; offset += partSize) yield bytes.subarray(offset, offset + partSize);
      },
    };
    const outcome = await sendRawMail(
      { host: smtp.host, port: smtp.port, secure: false, tls: 'none' },
      envelope,
      inParts,
    );
    expect(outcome.sent).toBe(true);
    expect(smtp.mails[0]!.raw).toBe(bytes.toString('utf8'));
  });

  it('a server that cannot be reached sent nothing: temporary', async () => {
    expect(await sendRawMail({ host: '127.0.0.1', port: 1, secure: false, tls: 'none' }, envelope, raw)).toMatchObject({
      sent: false,
      kind: 'temporary',
    });
  });
});
