import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { replyText, type ReplySource } from '../../src/domain/compose-reply.js';
import { replyHtml } from '../../src/domain/reply-html.js';
import { buildReplyMail } from '../../src/mail/build-reply-mail.js';

const source: ReplySource = {
  body: '山田様\r\n\r\nご連絡ありがとうございます。\r\n本日発送いたしました。 <b>&</b>\n',
  signature: '株式会社サンプル サポート\n佐藤 花子',
  original: {
    text: '届きません。\n<script>alert("x")</script>\n\nよろしく & 感謝',
    from: { name: '山田 太郎', address: 'taro@customer.example.jp' },
    date: new Date('2026-11-24T01:02:00Z'),
  },
  locale: 'ja',
};

describe('the HTML part of a reply', () => {
  it('escapes everything: a script in the customer’s mail is text in the quote, never markup', () => {
    const html = replyHtml(source);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('本日発送いたしました。 &lt;b&gt;&amp;&lt;/b&gt;');
    expect(html).not.toContain('<b>');
  });

  it('has the paragraphs with their line breaks, the signature, then the original as a blockquote', () => {
    const html = replyHtml(source);
    expect(html).toContain('<p style="margin:0 0 1em 0">山田様</p>');
    expect(html).toContain('ご連絡ありがとうございます。<br>\n本日発送いたしました。');
    expect(html).toContain('<div class="mailroom-signature">株式会社サンプル サポート<br>\n佐藤 花子</div>');
    expect(html).toMatch(
      /taro@customer\.example\.jp&gt; さんは書きました:<\/div>\n<br>\n<blockquote type="cite"[^>]*>届きません。<br>/,
    );
    expect(html.indexOf('mailroom-signature')).toBeLessThan(html.indexOf('<blockquote'));
  });

  it('leaves the text part as it always was, with the signature between the reply and the quote', () => {
    expect(replyText({ ...source, signature: '' })).toBe(
      '山田様\n\nご連絡ありがとうございます。\n本日発送いたしました。 <b>&</b>\n\n2026/11/24 10:02 山田 太郎 <taro@customer.example.jp> さんは書きました:\n> 届きません。\n> <script>alert("x")</script>\n>\n> よろしく & 感謝\n',
    );
    expect(replyText(source)).toContain(
      '本日発送いたしました。 <b>&</b>\n\n株式会社サンプル サポート\n佐藤 花子\n\n2026/11/24 10:02 山田 太郎',
    );
  });

  it('goes out as multipart/alternative: the text part first, then the HTML', async () => {
    const raw = await buildReplyMail({
      messageId: 'mailroom.1@example.com',
      from: { name: 'Support', address: 'support@example.com' },
      to: [{ name: '', address: 'taro@customer.example.jp' }],
      cc: [],
      subject: 'Re: 届きません',
      inReplyTo: null,
      references: [],
      text: replyText(source),
      html: replyHtml(source),
      date: new Date(),
      byPerson: true,
    });
    const parsed = await simpleParser(raw);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.text).toBe(replyText(source));
    expect(parsed.html).toContain('<blockquote');
  });
});
