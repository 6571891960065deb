/**
 * The one-line trace a change leaves in the ticket's thread: who did what, when. Written
 * in the mailbox's language (the channel is shared); mentions notify the person named,
 * which is how someone learns a ticket was assigned to them.
 */
import { userMention } from '../../domain/mentions.js';
import type { TLocale } from '../../config/config-schema.js';
import { TICKET_ACTIONS, type AuditDetail } from '../../domain/ticket-change.js';
import { statusLabel, type StatusDefinition } from '../../domain/ticket-fields.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import { escapeAndTruncate } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { slackDate, urgencyLabel } from './ticket-message.js';

export interface TraceInput {
  locale: TLocale;
  action: string;
  actorId: string;
  detail: AuditDetail;
  at: Date;
  statuses: readonly StatusDefinition[];
}

const ICONS: Record<string, string> = {
  [TICKET_ACTIONS.claimed]: ':raising_hand:',
  [TICKET_ACTIONS.unclaimed]: ':wave:',
  [TICKET_ACTIONS.assigned]: ':point_right:',
  [TICKET_ACTIONS.status]: ':arrows_counterclockwise:',
  [TICKET_ACTIONS.urgency]: ':rotating_light:',
  [TICKET_ACTIONS.junk]: ':wastebasket:',
  [TICKET_ACTIONS.unjunk]: ':leftwards_arrow_with_hook:',
  [TICKET_ACTIONS.reopened]: ':envelope_with_arrow:',
  [TICKET_ACTIONS.snoozed]: ':bell:',
  [TICKET_ACTIONS.tags]: ':label:',
  [TICKET_ACTIONS.draftApproved]: ':white_check_mark:',
  [TICKET_ACTIONS.changesRequested]: ':pencil2:',
  [TICKET_ACTIONS.replyFailed]: ':x:',
  [TICKET_ACTIONS.replyUncertain]: ':warning:',
};

/** `+tag` for each tag put on, `−tag` for each taken off; tags are typed by people, so escaped. */
function tagChanges(detail: AuditDetail): string {
  const code = (tag: string) => `\`${escapeAndTruncate(tag, 200)}\``;
  const changes = [
    ...(detail.added ?? []).map((tag) => `+${code(tag)}`),
    ...(detail.removed ?? []).map((tag) => `−${code(tag)}`),
  ];
  // Within a context element's 3,000 characters, whatever the tags hold.
  const shown: string[] = [];
  let length = 0;
  for (const change of changes) {
    if (length + change.length > TAG_CHANGES_CHARS) {
      shown.push('…');
      break;
    }
    shown.push(change);
    length += change.length + 1;
  }
  return shown.join(' ');
}

const TAG_CHANGES_CHARS = 2_000;

/** Slack user ids only ever come from Slack, but a mention is built only from a plain id. */
function sentence(input: TraceInput): string {
  const { locale, detail, statuses } = input;
  const actor = userMention(input.actorId);
  const key = (name: string) => `trace.${name}` as MessageKey;
  switch (input.action) {
    case TICKET_ACTIONS.claimed:
      return detail.status
        ? t(locale, key('claimed_status'), { actor, status: statusLabel(statuses, detail.status, locale) })
        : t(locale, key('claimed'), { actor });
    case TICKET_ACTIONS.unclaimed:
      return t(locale, key('unclaimed'), { actor });
    case TICKET_ACTIONS.assigned:
      return t(locale, key('assigned'), { actor, assignee: userMention(detail.to) });
    case TICKET_ACTIONS.status:
      return t(locale, key('status'), {
        actor,
        from: statusLabel(statuses, detail.from ?? '', locale),
        to: statusLabel(statuses, detail.to ?? '', locale),
      });
    case TICKET_ACTIONS.urgency:
      return t(locale, key('urgency'), {
        actor,
        from: urgencyLabel(locale, detail.from ?? ''),
        to: urgencyLabel(locale, detail.to ?? ''),
      });
    case TICKET_ACTIONS.junk:
      return t(locale, key('junked'), { actor });
    case TICKET_ACTIONS.unjunk:
      return t(locale, key('unjunked'), { actor });
    case TICKET_ACTIONS.reopened:
      return t(locale, key('reopened'));
    case TICKET_ACTIONS.snoozed:
      return t(locale, key('snoozed'), { actor, date: detail.to ? slackDate(new Date(detail.to)) : '—' });
    case TICKET_ACTIONS.tags:
      return t(locale, key('tags'), { actor, changes: tagChanges(detail) });
    case TICKET_ACTIONS.draftApproved:
      return t(locale, key('draft_approved'), { actor, author: userMention(detail.authorId) });
    case TICKET_ACTIONS.changesRequested:
      return t(locale, key('changes_requested'), {
        actor,
        author: userMention(detail.authorId),
        comment: escapeAndTruncate(detail.comment ?? '', 2_000),
      });
    case TICKET_ACTIONS.replyFailed:
      return t(locale, key('reply_failed'), { reason: escapeAndTruncate(detail.reason ?? '', 500) });
    case TICKET_ACTIONS.replyUncertain:
      return t(locale, key('reply_uncertain'));
    default:
      return input.action;
  }
}

export function buildTraceMessage(input: TraceInput): SlackMessage {
  const line = `${ICONS[input.action] ?? ':memo:'} ${sentence(input)}`;
  return {
    text: line,
    blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: `${line}  ·  ${slackDate(input.at)}` }] }],
  };
}
