import { describe, expect, it } from 'vitest';
import { localeFromSlack, MESSAGES, t } from '../../src/i18n/messages.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('messages', () => {
  it('exist in Japanese and English for every key, with the same placeholders', () => {
    expect(Object.keys(MESSAGES.ja).sort()).toEqual(Object.keys(MESSAGES.en).sort());
    for (const key of Object.keys(MESSAGES.en) as (keyof typeof MESSAGES.en)[]) {
      expect(placeholders(MESSAGES.ja[key]), key).toEqual(placeholders(MESSAGES.en[key]));
      expect(MESSAGES.ja[key].trim(), key).not.toBe('');
    }
  });

  it('fill placeholders', () => {
    expect(t('ja', 'command.unknown', { subcommand: 'foo' })).toBe(
      '`/mail foo` というコマンドはありません。`/mail help` をお試しください。',
    );
  });

  it('follow the Slack client’s locale', () => {
    expect(localeFromSlack('ja-JP', 'en')).toBe('ja');
    expect(localeFromSlack('en-GB', 'ja')).toBe('en');
    expect(localeFromSlack(undefined, 'ja')).toBe('ja');
  });
});
