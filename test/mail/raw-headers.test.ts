import { describe, expect, it } from 'vitest';
import { dedupeKeyOf, rawHeader, sha256Hex } from '../../src/mail/raw-headers.js';

const key = (raw: string) => {
  const bytes = Buffer.from(raw);
  return dedupeKeyOf(bytes, sha256Hex(bytes));
};
const mail = (trace: string, body = 'Hello\r\n', extra = '') =>
  `${trace}From: a@customer.example\r\nTo: support@example.com\r\nSubject: order\r\nDate: Mon, 23 Nov 2026 09:00:00 +0900\r\nMessage-ID: <1@customer.example>\r\n${extra}\r\n${body}`;

describe('dedupe keys', () => {
  it('are the same for copies that differ only in trace headers or line endings', () => {
    const to = mail('Received: from a by b\r\nDelivered-To: support@example.com\r\n');
    const cc = mail('Received: from c by d\r\nDelivered-To: team@example.com\r\n');
    expect(key(to)).toBe(key(cc));
    expect(key(to.replace(/\r\n/g, '\n'))).toBe(key(to));
  });

  it('differ for different mails that reuse a Message-ID, and for a resent mail', () => {
    expect(key(mail('', 'Hello\r\n'))).not.toBe(key(mail('', 'Something else\r\n')));
    expect(key(mail('', 'Hello\r\n', 'Resent-Message-ID: <r1@example.net>\r\n'))).not.toBe(key(mail('')));
  });

  it('fall back to the content hash without a Message-ID', () => {
    expect(key('From: a@b.example\r\n\r\nx\r\n')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('rawHeader', () => {
  it('reads folded, encoded and raw UTF-8 headers', () => {
    const raw = Buffer.from(
      'Subject: =?ISO-2022-JP?B?GyRCJF4kXyRgJGEkYhsoQg==?=\r\n =?UTF-8?B?5pys5paH?=\r\nX-Raw: 返品\r\n\r\nbody',
    );
    expect(rawHeader(raw, 'subject')).toBe('まみむめも本文');
    expect(rawHeader(raw, 'x-raw')).toBe('返品');
    expect(rawHeader(raw, 'missing')).toBeNull();
  });
});
