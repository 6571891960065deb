/**
 * The short note that takes the place of a post Slack would not take after every retry,
 * so the thread says what is missing instead of silently lacking it.
 */
import type { TLocale } from '../../config/config-schema.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';

const WHAT: Record<string, MessageKey> = {
  mail_body: 'post.failed.mail_body',
  follow_up: 'post.failed.follow_up',
  files: 'post.failed.files',
};

export function buildPostFailedMessage(
  locale: TLocale,
  failedKind: string,
  code: string,
  attempts: number,
): SlackMessage {
  const what = t(locale, WHAT[failedKind] ?? 'post.failed.other');
  const text = t(locale, 'post.failed', { what, code, attempts });
  return { text, blocks: [{ type: 'section', text: { type: 'plain_text', text, emoji: true } }] };
}
