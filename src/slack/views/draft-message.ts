/**
 * A reply draft in the ticket's thread, as the reviewer sees it: who wrote it, to whom,
 * the text, a warning when its template has changed since, and the buttons its state
 * offers (decided in domain/draft-controls.ts). Rendered again in place as it moves on
 * (approved, sent, changes requested). The buttons' value is the draft id; their block
 * names the revision shown, so approving an older view of a draft that has since been
 * edited is refused.
 */
import type { KnownBlock } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { formatAddressList } from '../../domain/compose-reply.js';
import { DRAFT_SHOWN_LIMITS, type DraftControl } from '../../domain/draft-controls.js';
import type { DraftShown, SentReply, ShownFile } from '../../services/replies/draft-posts.js';
import { draftKindKey } from './draft-kind-key.js';
import { fileListText } from './file-list.js';
import type { DraftKind } from '../../domain/draft-kind.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import { ACTION_IDS } from '../ids.js';
import { escapeAndTruncate, escapeMrkdwn, truncate } from './escape.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { splitText } from './mail-body-message.js';
import { recipientWarningText } from './recipient-warning.js';
import { slackDate } from './ticket-message.js';

export type DraftMessageInput = DraftShown;

const BODY_CHARS = 2_900;
/** Sections of text in a draft's message: together DRAFT_SHOWN_LIMITS.bodyChars. */
const BODY_SECTIONS = Math.ceil(DRAFT_SHOWN_LIMITS.bodyChars / BODY_CHARS);

const CONTROL_BUTTONS: Record<DraftControl, { actionId: string; label: MessageKey }> = {
  approve: { actionId: ACTION_IDS.draftApprove, label: 'draft.approve' },
  request_changes: { actionId: ACTION_IDS.draftRequestChanges, label: 'draft.request_changes' },
  edit: { actionId: ACTION_IDS.draftEdit, label: 'draft.edit' },
  discard: { actionId: ACTION_IDS.draftDiscard, label: 'draft.discard' },
};

/** Discarding cannot be undone: Slack asks first (a new mail's ticket is closed with it). */
function discardConfirm(locale: TLocale, kind: DraftKind | undefined) {
  const plain = (text: string) => ({ type: 'plain_text' as const, text });
  return {
    title: plain(t(locale, 'draft.discard_confirm_title')),
    text: plain(t(locale, draftKindKey('draft.discard_confirm_text', kind))),
    confirm: plain(t(locale, 'draft.discard_confirm_yes')),
    deny: plain(t(locale, 'reply.cancel')),
    style: 'danger' as const,
  };
}

export function draftBlockId(draftId: number, revision: number): string {
  return `draft-${draftId}-r${revision}`;
}

/** The draft id and revision a review button was shown with. */
export function readDraftBlockId(blockId: string | undefined): { draftId: number; revision: number } | null {
  const match = /^draft-(\d{1,12})-r(\d{1,6})$/.exec(blockId ?? '');
  return match ? { draftId: Number(match[1]), revision: Number(match[2]) } : null;
}

function statusLine(input: DraftMessageInput): string | null {
  const { locale, draft, lastReview } = input;
  if (input.superseded) return t(locale, 'draft.state.superseded');
  switch (draft.state) {
    case 'in_review':
      return input.reviewerMentions
        ? t(locale, draftKindKey('draft.waiting', input.kind), { reviewers: input.reviewerMentions })
        : t(locale, draftKindKey('draft.waiting_nobody', input.kind));
    case 'approved':
      return t(locale, 'draft.state.approved', { reviewer: lastReview ? `<@${lastReview.reviewerId}>` : '—' });
    case 'sent':
      return t(locale, 'draft.state.sent', { date: input.sentAt ? slackDate(input.sentAt) : '' });
    case 'changes_requested':
      return t(locale, 'draft.state.changes_requested', {
        reviewer: lastReview ? `<@${lastReview.reviewerId}>` : '—',
        comment: escapeAndTruncate(lastReview?.comment ?? '', 1_500),
      });
    case 'failed':
      return t(locale, 'draft.state.failed', { reason: escapeAndTruncate(input.failure ?? '', 500) });
    case 'uncertain':
      return t(locale, 'draft.state.uncertain');
    case 'discarded':
      return t(locale, 'draft.state.discarded', { actor: input.discardedBy ? `<@${input.discardedBy}>` : '—' });
    default:
      return null;
  }
}

/**
 * The signature as it will be sent, below the text (SIGNATURE_MAX_CHARS keeps it short
 * enough to be shown whole, escaped, in two sections at most).
 */
function signatureBlocks(locale: TLocale, signature: string): KnownBlock[] {
  if (!signature.trim()) return [];
  return [
    { type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'draft.signature') }] },
    ...splitText(escapeMrkdwn(signature.trim()), BODY_CHARS).map(
      (piece): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: piece || ' ' } }),
    ),
  ];
}

export function buildDraftMessage(input: DraftMessageInput): SlackMessage {
  const { locale, draft } = input;
  const heading = t(locale, draftKindKey('draft.heading', input.kind), {
    author: `<@${draft.authorId}>`,
    revision: draft.revision,
  });
  // Every recipient and every character, as they will be sent; a draft too long for that
  // is shown cut and says so (its controls offer no approval).
  const from = input.fromAlias && formatAddressList([input.fromAlias]);
  const addressLines = [
    ...(from ? [`*${t(locale, 'draft.from')}:* ${escapeMrkdwn(from)}`] : []),
    `*${t(locale, 'draft.to')}:* ${escapeMrkdwn(draft.to)}`,
    ...(draft.cc ? [`*${t(locale, 'draft.cc')}:* ${escapeMrkdwn(draft.cc)}`] : []),
    `*${t(locale, 'draft.subject')}:* ${escapeMrkdwn(draft.subject)}`,
  ];
  const body = splitText(escapeMrkdwn(draft.body.trim()), BODY_CHARS).slice(0, BODY_SECTIONS);
  const warning = recipientWarningText(locale, input.recipientChanges);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `:memo: *${heading}*` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(addressLines.join('\n'), 3000) }] },
    ...(warning ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(warning, 3000) } } as KnownBlock] : []),
    ...body.map((piece): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: piece || ' ' } })),
    ...signatureBlocks(locale, draft.signature),
    ...forwardedBlocks(input),
    ...attachmentBlocks(input.attachments, (list) => `*${t(locale, 'draft.attachments')}:* ${list}`),
  ];
  if (input.tooLong) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:warning: ${t(locale, draftKindKey('draft.too_long', input.kind), { chars: draft.body.trim().length, limit: DRAFT_SHOWN_LIMITS.bodyChars })}`,
        },
      ],
    });
  }
  if (input.outdatedTemplate) {
    const { name, used, current } = input.outdatedTemplate;
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:warning: ${t(locale, 'draft.template_outdated', { name: escapeAndTruncate(name, 100), used, current })}`,
        },
      ],
    });
  }
  const status = statusLine(input);
  if (status) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(status, 3000) }] });
  if (input.controls.length) {
    blocks.push({
      type: 'actions',
      block_id: draftBlockId(draft.id, draft.revision),
      elements: input.controls.map((control, index) => ({
        type: 'button' as const,
        action_id: CONTROL_BUTTONS[control].actionId,
        text: { type: 'plain_text' as const, text: t(locale, CONTROL_BUTTONS[control].label) },
        value: String(draft.id),
        ...(index === 0 ? { style: 'primary' as const } : {}),
        ...(control === 'discard' ? { confirm: discardConfirm(locale, input.kind) } : {}),
      })),
    });
  }
  return { text: `${heading}: ${escapeAndTruncate(draft.subject, 150)}`, blocks };
}

/** What a forward sends on below its note: the mail (by its headers) and each of its files. */
function forwardedBlocks(input: DraftMessageInput): KnownBlock[] {
  const { locale, forwarded } = input;
  if (!forwarded) return [];
  const { headers } = forwarded;
  const line = t(locale, 'forward.draft_forwards', {
    from: escapeAndTruncate(headers.from ? formatAddressList([headers.from]) : '—', 300),
    date: slackDate(headers.date),
    subject: escapeAndTruncate(headers.subject ?? '', 300),
  });
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `:arrow_right_hook: ${line}` } },
    ...attachmentBlocks(forwarded.attachments, (files) => t(locale, 'forward.attachments', { files })),
  ];
}

/**
 * The files a reply sends, named with their sizes: all of them (at most 20, whose names
 * are cut to 100 characters, so the list fits one section).
 */
function attachmentBlocks(files: readonly ShownFile[] | undefined, words: (list: string) => string): KnownBlock[] {
  if (!files?.length) return [];
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`:paperclip: ${words(fileListText(files))}`, 3000) } },
  ];
}

/** The reply as it went out, in the thread: to whom, by whom, the text. */
export function buildSentReplyMessage(locale: TLocale, sent: SentReply): SlackMessage {
  const heading = t(locale, draftKindKey('sent.heading', sent.kind), {
    to: escapeAndTruncate(sent.to, 300),
  });
  const approved = sent.reviewerId ? t(locale, 'sent.approved_by', { reviewer: `<@${sent.reviewerId}>` }) : '';
  const body = splitText(escapeMrkdwn(sent.body.trim()), BODY_CHARS).slice(0, 3);
  return {
    text: heading,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:outbox_tray: *${heading}*` } },
      ...body.map((piece): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: piece || ' ' } })),
      ...attachmentBlocks(sent.attachments, (files) => t(locale, 'sent.attachments', { files })),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${t(locale, 'sent.by', { author: `<@${sent.authorId}>`, approved })} · ${slackDate(sent.sentAt)}`,
          },
        ],
      },
      ...(sent.refused
        ? [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: `:warning: ${t(locale, draftKindKey('sent.refused', sent.kind), { who: escapeAndTruncate(sent.refused, 2_000) })}`,
              },
            } as KnownBlock,
          ]
        : []),
    ],
  };
}
