/**
 * Reminders in a ticket's thread (also shown in the channel) and the daily digest. Pure.
 * Mentions are how the right people are notified; nobody is pinged with @here.
 */
import type { TLocale } from '../../config/config-schema.js';
import { draftKindKey } from './draft-kind-key.js';
import { t } from '../../i18n/messages.js';
import type { DigestFigures, ReminderPayload } from '../../services/reminders/run-reminders.js';
import { escapeAndTruncate } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { mention, mentions } from '../../domain/mentions.js';
import { urgencyLabel } from './ticket-message.js';

export function durationText(locale: TLocale, minutes: number): string {
  const hours = Math.floor(minutes / 60);
  return hours > 0
    ? t(locale, 'reminder.duration_hours', { hours, minutes: minutes % 60 })
    : t(locale, 'reminder.duration_minutes', { minutes });
}

export function buildReminderMessage({ locale, reminder, reviewerIds, targetMinutes }: ReminderPayload): SlackMessage {
  const text = ((): string => {
    switch (reminder.kind) {
      case 'unclaimed':
        return `:alarm_clock: ${t(locale, 'reminder.unclaimed', { urgency: urgencyLabel(locale, reminder.urgency), duration: durationText(locale, reminder.minutes) })}`;
      case 'overdue': {
        const people = mentions([...new Set([...(reminder.assigneeId ? [reminder.assigneeId] : []), ...reviewerIds])]);
        return `:rotating_light: ${t(locale, 'reminder.overdue', {
          people,
          urgency: urgencyLabel(locale, reminder.urgency),
          duration: durationText(locale, reminder.minutes),
          target: durationText(locale, targetMinutes ?? reminder.minutes),
        })}`;
      }
      case 'review_wait':
        return `:hourglass: ${t(locale, draftKindKey('reminder.review_wait', reminder.draftKind), { reviewers: mentions(reviewerIds), author: mention(reminder.authorId), duration: durationText(locale, reminder.minutes) })}`;
      case 'snooze':
        return `:bell: ${t(locale, 'reminder.snooze', { user: mention(reminder.userId) })}`;
    }
  })();
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function buildDigestMessage(input: DigestFigures): SlackMessage {
  const { locale } = input;
  const title = t(locale, 'digest.title', { mailbox: input.mailboxName });
  const line = t(locale, 'digest.line', {
    open: input.open,
    unclaimed: input.unclaimed,
    review: input.review,
    overdue: input.overdue,
    received: input.received,
  });
  const oldest = input.oldestUnclaimed
    .slice(0, 5)
    .map((ticket) => `#${ticket.number} ${escapeAndTruncate(ticket.subject, 80)}`)
    .join(' · ');
  return {
    text: `${title}: ${line}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: line } },
      ...(oldest
        ? [
            {
              type: 'context' as const,
              elements: [{ type: 'mrkdwn' as const, text: t(locale, 'digest.oldest', { tickets: oldest }) }],
            },
          ]
        : []),
    ],
  };
}
