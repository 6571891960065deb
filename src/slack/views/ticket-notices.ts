/**
 * What a person is told, to them alone, when their click on a ticket changes nothing:
 * who has it, why they may not, or that it is gone. Always says that nothing changed.
 */
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import type { Refusal } from '../../domain/refusal.js';
import { buildInfoNotice } from './help-message.js';
import { slackDate } from './ticket-message.js';

export function buildRefusalNotice(locale: TLocale, refusal: Refusal): SlackMessage {
  return buildInfoNotice(refusalText(locale, refusal));
}

/** The refusal in words, without the notice's mark (an error on a modal's field says it too). */
export function refusalText(locale: TLocale, refusal: Refusal): string {
  switch (refusal.kind) {
    case 'not_member':
      return t(locale, 'notice.not_member', { channel: refusal.channelId });
    case 'membership_unknown':
      return t(locale, 'notice.membership_unknown', { channel: refusal.channelId });
    case 'ticket_gone':
      return t(locale, 'notice.ticket_gone');
    case 'claimed_by_other':
      return t(locale, 'notice.claimed_by_other', {
        assignee: `<@${refusal.assigneeId}>`,
        since: refusal.since ? slackDate(refusal.since) : '—',
      });
    case 'already_yours':
      return t(locale, 'notice.already_yours');
    case 'not_assignee':
      return t(locale, 'notice.not_assignee', { assignee: `<@${refusal.assigneeId}>` });
    case 'assignee_not_member':
      return t(locale, 'notice.assignee_not_member', {
        assignee: `<@${refusal.assigneeId}>`,
        channel: refusal.channelId,
      });
    case 'choice_gone':
      return t(locale, 'notice.choice_gone');
    case 'busy':
      return t(locale, 'error.generic', { code: 'ticket_busy' });
    case 'too_many_tags':
      return t(locale, 'notice.too_many_tags', { max: refusal.max });
  }
}
