/**
 * The channel post for a mail Mailroom gave up on after a day of tries: one the server
 * would not give (fetch), or one stored that could not be made a ticket (ingest). It says
 * which mail, why, and how an admin tries again, so nothing goes missing silently.
 */
import type { TLocale } from '../../config/config-schema.js';
import { cleanDisplayName } from '../../domain/display-name.js';
import { t } from '../../i18n/messages.js';
import type { GivenUpPayload } from '../../services/ingest/mail-gaps.js';
import { escapeAndTruncate } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';

export function buildMailGivenUpMessage(locale: TLocale, payload: GivenUpPayload): SlackMessage {
  // Everything from the mail or the server is escaped: a subject cannot mention @channel.
  const shown = (value: string | undefined, max: number) =>
    escapeAndTruncate(cleanDisplayName(value ?? '') || '-', max);
  const text =
    payload.stage === 'fetch'
      ? t(locale, 'mail.given_up.fetch', {
          uid: shown(payload.uid, 20),
          folder: shown(payload.folder, 200),
          attempts: payload.attempts,
          reason: shown(payload.reason, 500),
        })
      : t(locale, 'mail.given_up.ingest', {
          from: shown(payload.from, 200),
          subject: shown(payload.subject, 200),
          attempts: payload.attempts,
          reason: shown(payload.reason, 500),
        });
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
