import { describe, expect, it } from 'vitest';
import { splitQuote } from '../../src/domain/split-quote.js';

const whole = (text: string) => {
  const parts = splitQuote(text);
  return parts.main + parts.signature + parts.quoted;
};

describe('splitting quotes and signatures', () => {
  const cases = {
    gmailEn:
      'Thanks, that worked.\n\nOn Mon, Nov 23, 2026 at 9:00 AM Support <support@example.com> wrote:\n> Please restart.\n> Regards',
    gmailJa:
      'ありがとうございます。解決しました。\n\n2026年11月23日(月) 9:00 サポート <support@example.com>:\n> 再起動してください。',
    outlook:
      'See below.\n\nFrom: Support <support@example.com>\nSent: Monday, November 23, 2026 9:00\nTo: Taro\nSubject: RE: order\n\nPlease restart.',
    outlookJa:
      '承知しました。\n\n差出人: サポート <support@example.com>\n送信日時: 2026年11月23日 9:00\n件名: 注文\n\n再起動してください。',
    signature: 'Hello,\nmy order is late.\n\n-- \nTaro Yamada\nExample Inc.',
    separatorJa:
      'お世話になっております。\n返品をお願いします。\n\n━━━━━━━━━━━━━━━\n株式会社サンプル 山田太郎\nTEL 03-0000-0000\n━━━━━━━━━━━━━━━',
  };

  it('keeps every character: the parts put together are the original', () => {
    for (const [name, text] of Object.entries(cases)) expect(whole(text), name).toBe(text);
  });

  it('finds the customer’s own words', () => {
    expect(splitQuote(cases.gmailEn).main.trim()).toBe('Thanks, that worked.');
    expect(splitQuote(cases.gmailJa).main.trim()).toBe('ありがとうございます。解決しました。');
    expect(splitQuote(cases.outlook).main.trim()).toBe('See below.');
    expect(splitQuote(cases.outlookJa).main.trim()).toBe('承知しました。');
    expect(splitQuote(cases.signature)).toMatchObject({
      main: 'Hello,\nmy order is late.\n',
      signature: '\n-- \nTaro Yamada\nExample Inc.',
    });
    expect(splitQuote(cases.separatorJa).main.trim()).toBe('お世話になっております。\n返品をお願いします。');
  });

  it('leaves a mail without quote or signature whole, and a mail that mentions "From:" in passing too', () => {
    expect(splitQuote('Just a question.\nFrom: my side, all good.')).toEqual({
      main: 'Just a question.\nFrom: my side, all good.',
      signature: '',
      quoted: '',
    });
  });
});
