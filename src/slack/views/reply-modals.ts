/**
 * The reply modal (`reply.submit`) and the warning shown before it when someone else
 * has the ticket or is already writing to the customer. Pure: data in, Block Kit out.
 * The customer's original is shown escaped; it is quoted unchanged in the mail.
 */
import type { KnownBlock, ModalView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import { CALLBACK_IDS } from '../ids.js';
import { escapeAndTruncate, truncate } from './escape.js';
import { slackDate } from './ticket-message.js';

/** What the modal carries back to us on submit: ids only, everything else is re-read. */
export interface ReplyModalMetadata {
  ticketId: number;
  draftId: number;
}

export const REPLY_FIELDS = {
  to: { block: 'reply_to', action: 'to' },
  cc: { block: 'reply_cc', action: 'cc' },
  body: { block: 'reply_body', action: 'body' },
} as const;

export interface ReplyModalInput {
  locale: TLocale;
  ticketNumber: number;
  draftId: number;
  ticketId: number;
  to: string;
  cc: string;
  subject: string;
  body: string;
  quoted: string;
  /** Review needed before sending: the button says so. */
  review: boolean;
}

const QUOTE_CHARS = 2_800;
/** Slack's limit for a plain-text input's value. */
const BODY_MAX = 3_000;

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

export function buildReplyModal(input: ReplyModalInput): ModalView {
  const { locale } = input;
  const quoted = input.quoted.trim()
    ? escapeAndTruncate(input.quoted.trim(), QUOTE_CHARS).split('\n').map((line) => `> ${line}`).join('\n')
    : `_${t(locale, 'ticket.no_body')}_`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${t(locale, 'reply.subject')}:* ${escapeAndTruncate(input.subject, 500)}` } },
    {
      type: 'input',
      block_id: REPLY_FIELDS.to.block,
      label: plain(t(locale, 'reply.to')),
      element: { type: 'plain_text_input', action_id: REPLY_FIELDS.to.action, initial_value: truncate(input.to, 500), max_length: 1000 },
    },
    {
      type: 'input',
      block_id: REPLY_FIELDS.cc.block,
      optional: true,
      label: plain(t(locale, 'reply.cc')),
      hint: plain(t(locale, 'reply.cc_hint')),
      element: { type: 'plain_text_input', action_id: REPLY_FIELDS.cc.action, max_length: 1000, ...(input.cc ? { initial_value: truncate(input.cc, 1000) } : {}) },
    },
    {
      type: 'input',
      block_id: REPLY_FIELDS.body.block,
      label: plain(t(locale, 'reply.body')),
      element: { type: 'plain_text_input', action_id: REPLY_FIELDS.body.action, multiline: true, max_length: BODY_MAX, ...(input.body ? { initial_value: truncate(input.body, BODY_MAX) } : {}) },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'reply.quoted') }] },
    { type: 'section', text: { type: 'mrkdwn', text: quoted } },
  ];
  const metadata: ReplyModalMetadata = { ticketId: input.ticketId, draftId: input.draftId };
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.replySubmit,
    notify_on_close: true,
    private_metadata: JSON.stringify(metadata),
    title: plain(truncate(t(locale, 'reply.title', { number: input.ticketNumber }), 24)),
    submit: plain(t(locale, input.review ? 'reply.send_for_review' : 'reply.send')),
    close: plain(t(locale, 'reply.cancel')),
    blocks,
  };
}

export interface Collision {
  claimedBy?: { userId: string; since: Date | null };
  drafts: { authorId: string; since: Date }[];
}

/** Who else is on the ticket, and since when; "Reply anyway" goes on deliberately. */
export function buildCollisionModal(locale: TLocale, ticketId: number, collision: Collision): ModalView {
  const lines: string[] = [];
  if (collision.claimedBy) {
    lines.push(`• ${t(locale, 'reply.warning_claimed', { assignee: `<@${collision.claimedBy.userId}>`, since: collision.claimedBy.since ? slackDate(collision.claimedBy.since) : '—' })}`);
  }
  for (const draft of collision.drafts.slice(0, 10)) {
    lines.push(`• ${t(locale, 'reply.warning_draft', { author: `<@${draft.authorId}>`, since: slackDate(draft.since) })}`);
  }
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.replyCollision,
    private_metadata: JSON.stringify({ ticketId }),
    title: plain(truncate(t(locale, 'reply.warning_title'), 24)),
    submit: plain(truncate(t(locale, 'reply.warning_continue'), 24)),
    close: plain(t(locale, 'reply.cancel')),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:warning: ${t(locale, 'reply.warning_intro')}` } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  };
}
