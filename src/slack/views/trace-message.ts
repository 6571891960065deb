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
import type { ActionsBlock, KnownBlock } from '@slack/types';
import { ACTION_IDS } from '../ids.js';
import { draftKindKey } from './draft-kind-key.js';
import { escapeAndTruncate, mrkdwnLink } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { slackDate, tagsText, urgencyLabel } from './ticket-message.js';

export interface TraceInput {
  locale: TLocale;
  action: string;
  actorId: string;
  detail: AuditDetail;
  at: Date;
  statuses: readonly StatusDefinition[];
  /** A merge or split: the other ticket (not this thread's), with its thread's permalink when known. */
  other?: { number: number; link: string | null };
  /** A merge: its Undo button names the source ticket and the merge's audit record. */
  undo?: { sourceId: number; mergeAuditId: number };
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
  [TICKET_ACTIONS.draftDiscarded]: ':wastebasket:',
  [TICKET_ACTIONS.replyFailed]: ':x:',
  [TICKET_ACTIONS.replyUncertain]: ':warning:',
  [TICKET_ACTIONS.merged]: ':twisted_rightwards_arrows:',
  [TICKET_ACTIONS.mergedIn]: ':inbox_tray:',
  [TICKET_ACTIONS.mergeUndone]: ':leftwards_arrow_with_hook:',
  [TICKET_ACTIONS.split]: ':scissors:',
  [TICKET_ACTIONS.splitFrom]: ':scissors:',
};

/** `+tag` for each tag put on, `−tag` for each taken off. */
function tagChanges(locale: TLocale, detail: AuditDetail): string {
  return tagsText(locale, [
    ...(detail.added ?? []).map((name) => ({ name, mark: '+' as const })),
    ...(detail.removed ?? []).map((name) => ({ name, mark: '−' as const })),
  ]);
}

/** The two tickets of a merge or split as the trace names them: the other one linked to its thread. */
function ticketsOf(input: TraceInput): { source: string; target: string } {
  const name = (number: number | undefined) => {
    const label = `#${number ?? '?'}`;
    return number !== undefined && number === input.other?.number ? mrkdwnLink(input.other.link, label) : label;
  };
  return { source: name(input.detail.sourceNumber), target: name(input.detail.targetNumber) };
}

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
      return t(locale, key('tags'), { actor, changes: tagChanges(locale, detail) });
    case TICKET_ACTIONS.draftApproved:
      return t(locale, draftKindKey('trace.draft_approved', detail.draftKind), {
        actor,
        author: userMention(detail.authorId),
      });
    case TICKET_ACTIONS.changesRequested:
      return t(locale, key('changes_requested'), {
        actor,
        author: userMention(detail.authorId),
        comment: escapeAndTruncate(detail.comment ?? '', 2_000),
      });
    case TICKET_ACTIONS.draftDiscarded:
      // Only a new mail's discarding closes its ticket (`closed`).
      return t(
        locale,
        detail.closed ? 'trace.draft_discarded.new_closed' : draftKindKey('trace.draft_discarded', detail.draftKind),
        {
          actor,
          author: userMention(detail.authorId),
        },
      );
    case TICKET_ACTIONS.replyFailed:
      return t(locale, draftKindKey('trace.reply_failed', detail.draftKind), {
        reason: escapeAndTruncate(detail.reason ?? '', 500),
      });
    case TICKET_ACTIONS.replyUncertain:
      return t(locale, draftKindKey('trace.reply_uncertain', detail.draftKind));
    case TICKET_ACTIONS.merged:
      return t(locale, key('merged'), { actor, target: ticketsOf(input).target, mails: detail.mails ?? 0 });
    case TICKET_ACTIONS.mergedIn:
      return t(locale, key('merged_in'), { actor, source: ticketsOf(input).source, mails: detail.mails ?? 0 });
    case TICKET_ACTIONS.mergeUndone:
      return t(locale, key('merge_undone'), { actor, ...ticketsOf(input), mails: detail.mails ?? 0 });
    case TICKET_ACTIONS.split:
      return t(locale, key('split'), {
        actor,
        target: ticketsOf(input).target,
        sender: escapeAndTruncate(detail.sender ?? '—', 320),
      });
    case TICKET_ACTIONS.splitFrom:
      return t(locale, key('split_from'), { actor, source: ticketsOf(input).source });
    default:
      return input.action;
  }
}

/** A merge's Undo button, on the pointer in the source's thread and the note in the target's. */
function undoBlock(input: TraceInput, undo: { sourceId: number; mergeAuditId: number }): ActionsBlock {
  const { locale } = input;
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: ACTION_IDS.ticketMergeUndo,
        text: { type: 'plain_text', text: t(locale, 'merge.undo') },
        value: `${undo.sourceId}:${undo.mergeAuditId}`,
        confirm: {
          title: { type: 'plain_text', text: t(locale, 'merge.undo_confirm_title') },
          text: {
            type: 'plain_text',
            text: t(locale, 'merge.undo_confirm_text', { number: input.detail.sourceNumber ?? '?' }),
          },
          confirm: { type: 'plain_text', text: t(locale, 'merge.undo_confirm_yes') },
          deny: { type: 'plain_text', text: t(locale, 'reply.cancel') },
        },
      },
    ],
  };
}

export function buildTraceMessage(input: TraceInput): SlackMessage {
  const line = `${ICONS[input.action] ?? ':memo:'} ${sentence(input)}`;
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${line}  ·  ${slackDate(input.at)}` }] },
  ];
  if (input.undo) blocks.push(undoBlock(input, input.undo));
  return { text: line, blocks };
}
