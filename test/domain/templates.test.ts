import { describe, expect, it } from 'vitest';
import { lineDiff } from '../../src/domain/line-diff.js';
import { fillTemplate, formatMailDate, unknownVariables } from '../../src/domain/template-variables.js';

describe('template variables', () => {
  const values = {
    customer_name: '山田 太郎',
    customer_company: '株式会社サンプル',
    agent_name: 'Alex Agent',
    ticket_number: '42',
    original_date: '2026年11月24日',
    mailbox_name: 'Example Support',
    mailbox_address: 'support@example.com',
  };

  it('fills every known variable, with or without spaces inside the braces', () => {
    const body =
      '{{customer_company}} {{ customer_name }} 様\n{{original_date}}のお問い合わせ（#{{ticket_number}}）について\n{{agent_name}} / {{mailbox_name}} <{{mailbox_address}}>';
    expect(fillTemplate(body, values)).toBe(
      '株式会社サンプル 山田 太郎 様\n2026年11月24日のお問い合わせ（#42）について\nAlex Agent / Example Support <support@example.com>',
    );
  });

  it('leaves unknown variables and unknown values visible for the writer', () => {
    expect(
      fillTemplate('Dear {{customer_name}} of {{customer_company}}, {{custmer_name}} {{order_id}}', {
        customer_name: 'Ann',
        customer_company: '  ',
      }),
    ).toBe('Dear Ann of {{customer_company}}, {{custmer_name}} {{order_id}}');
    expect(unknownVariables('{{custmer_name}} {{customer_name}} {{order_id}} {{order_id}}')).toEqual([
      'custmer_name',
      'order_id',
    ]);
  });

  it('does not fill a value into itself or treat inserted text as a variable', () => {
    expect(fillTemplate('{{customer_name}}', { customer_name: '{{agent_name}}', agent_name: 'X' })).toBe(
      '{{agent_name}}',
    );
    expect(fillTemplate('$& $1 {{customer_name}}', { customer_name: '$&' })).toBe('$& $1 $&');
  });

  it('writes the mail date as the mailbox’s customers read it', () => {
    const date = new Date('2026-11-24T03:00:00Z');
    expect(formatMailDate(date, 'ja', 'Asia/Tokyo')).toBe('2026年11月24日');
    expect(formatMailDate(date, 'en', 'UTC')).toBe('November 24, 2026');
  });
});

describe('line diff', () => {
  it('lists removed then added lines per change, and nothing for unchanged lines', () => {
    const before = 'Dear {{customer_name}},\nThank you.\nShipping takes 3 days.\nRegards';
    const after = 'Dear {{customer_name}},\nThank you.\nShipping takes 5 days.\nWe are sorry for the delay.\nRegards';
    expect(lineDiff(before, after)).toEqual([
      { kind: 'removed', text: 'Shipping takes 3 days.' },
      { kind: 'added', text: 'Shipping takes 5 days.' },
      { kind: 'added', text: 'We are sorry for the delay.' },
    ]);
  });

  it('keeps separate changes in their order', () => {
    expect(lineDiff('a\nb\nc\nd\ne', 'A\nb\nc\nd\nE')).toEqual([
      { kind: 'removed', text: 'a' },
      { kind: 'added', text: 'A' },
      { kind: 'removed', text: 'e' },
      { kind: 'added', text: 'E' },
    ]);
  });

  it('treats a first version as all added, and equal texts as no change', () => {
    expect(lineDiff('', 'one\ntwo')).toEqual([
      { kind: 'added', text: 'one' },
      { kind: 'added', text: 'two' },
    ]);
    expect(lineDiff('same\r\ntext', 'same\ntext')).toEqual([]);
  });

  it('finds a moved line as one removal and one addition', () => {
    const diff = lineDiff('1\n2\n3\n4', '2\n3\n4\n1');
    expect(diff).toEqual([
      { kind: 'removed', text: '1' },
      { kind: 'added', text: '1' },
    ]);
  });

  it('copes with the largest template texts quickly', () => {
    const before = Array.from({ length: 1500 }, (_, i) => `${i % 7}`).join('\n');
    const after = Array.from({ length: 1500 }, (_, i) => `${i % 5}`).join('\n');
    const started = Date.now();
    const diff = lineDiff(before, after);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Applying the diff's counts: what stays plus what is added is the new text's length.
    const removed = diff.filter((line) => line.kind === 'removed').length;
    const added = diff.filter((line) => line.kind === 'added').length;
    expect(1500 - removed + added).toBe(1500);
  });
});
