import { expect, it } from 'vitest';
import { buildMailGivenUpMessage } from '../../src/slack/views/mail-given-up-message.js';

it('names the mail and the reason in both languages, with the mail’s own words escaped', () => {
  const payload = {
    stage: 'ingest' as const,
    messageRowId: 7,
    from: 'mallory@example.jp',
    subject: 'urgent <!channel> \u202egnp.exe',
    reason: 'refused',
    attempts: 12,
  };
  const en = buildMailGivenUpMessage('en', payload);
  const ja = buildMailGivenUpMessage('ja', payload);
  expect(en.text).toContain('could not be made a ticket after 12 tries');
  expect(ja.text).toContain('チケットにできませんでした');
  for (const message of [en, ja]) {
    expect(message.text).toContain('mallory@example.jp');
    expect(message.text).toContain('npm run retry-mail');
    expect(message.text).not.toContain('<!channel>');
    expect(message.text).not.toContain('\u202e');
  }
  const fetch = buildMailGivenUpMessage('en', {
    stage: 'fetch',
    uid: '4711',
    folder: 'INBOX',
    reason: 'refused by the server: could not be converted',
    attempts: 12,
  });
  expect(fetch.text).toContain('UID 4711 in INBOX');
  expect(fetch.text).toContain('could not be converted');
});
