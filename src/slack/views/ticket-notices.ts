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
    case 'merged':
      return t(locale, 'notice.merged', { number: refusal.targetNumber });
    case 'merge_target_missing':
      return t(locale, 'notice.merge_target_missing');
    case 'merge_target_unknown':
      return t(locale, 'notice.merge_target_unknown', { number: refusal.number });
    case 'merge_same_ticket':
      return t(locale, 'notice.merge_same_ticket');
    case 'merge_target_merged':
      return t(locale, 'notice.merge_target_merged', { number: refusal.number, into: refusal.intoNumber });
    case 'merge_not_current':
      return t(locale, 'notice.merge_not_current');
    case 'merge_undo_expired':
      return t(locale, 'notice.merge_undo_expired', { date: slackDate(refusal.mergedAt) });
    case 'merge_undo_blocked':
      return t(locale, 'notice.merge_undo_blocked', { number: refusal.targetNumber, into: refusal.intoNumber });
    case 'split_mail_gone':
      return t(locale, 'notice.split_mail_gone');
    case 'split_first_mail':
      return t(locale, 'notice.split_first_mail');
    case 'split_outgoing':
      return t(locale, 'notice.split_outgoing');
    case 'too_many_tags':
      return t(locale, 'notice.too_many_tags', { max: refusal.max });
  }
}
