/**
 * The reply modal (`reply.submit`) and the warning shown before it when someone else
 * has the ticket or is already writing to the customer. Pure: data in, Block Kit out.
 * The customer's original is shown escaped; it is quoted unchanged in the mail.
 */
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { REPLY_ATTACHMENT_MAX_MB_DEFAULT, type TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import { ACTION_IDS, CALLBACK_IDS, INFO_MODAL_IDS } from '../ids.js';
import { escapeAndTruncate, escapeMrkdwn, safeCutIndex, truncate } from './escape.js';
import { slackDate } from './ticket-message.js';
import { formatAddressList } from '../../domain/compose-reply.js';
import { formatAddress } from '../../domain/parsed-mail.js';
import { byCategory, TEMPLATE_CHOICES_MAX } from '../../domain/template-rules.js';
import type { Collision, ReplyModalData, ReplyOpening } from '../../services/replies/open-reply.js';
import type { ReplyField, ReplyProblem, ReplySubmission } from '../../services/replies/review-reply.js';
import { draftKindKey } from './draft-kind-key.js';
import type { DraftKind } from '../../domain/draft-kind.js';
import { draftRefusalText } from './draft-notices.js';
import type { TemplateChoice } from '../../services/templates/template-catalog.js';
import { plainText, textInput } from './text-input.js';
import type { RecipientChanges } from '../../domain/reply-recipients.js';
import { recipientWarningText } from './recipient-warning.js';
import { FILES_PER_FIELD_MAX as FILES_MAX, type ChosenAttachments } from '../../services/replies/reply-attachments.js';
import { fileListText } from './file-list.js';

/** What the modal carries back to us on submit: ids only, everything else is re-read. */
export interface ReplyModalMetadata {
  ticketId: number;
  draftId: number;
}

export const REPLY_FIELDS = {
  to: { block: 'reply_to', action: 'to' },
  cc: { block: 'reply_cc', action: 'cc' },
  body: { block: 'reply_body', action: 'body' },
  template: { block: 'reply_template', action: ACTION_IDS.replyTemplate },
  files: { block: 'reply_files', action: 'files' },
  threadFiles: { block: 'reply_thread_files', action: 'thread_files' },
} as const;

/**
 * The body's block id. Slack keeps what a person typed in an input whose block and action
 * ids stay the same across views.update, ignoring the new initial_value; so each time a
 * template fills the body it gets a new block id (`reply_body.1`, `reply_body.2`, …).
 * Read the body with readReplyFields, never by the bare id.
 */
export function replyBodyBlockId(revision = 0): string {
  return revision > 0 ? `${REPLY_FIELDS.body.block}.${revision}` : REPLY_FIELDS.body.block;
}

/** The revision in a body block id, or -1 when the id is not one. */
export function replyBodyRevision(blockId: string): number {
  if (blockId === REPLY_FIELDS.body.block) return 0;
  const match = /^reply_body\.(\d{1,6})$/.exec(blockId);
  return match ? Number(match[1]) : -1;
}

/** A problem with a draft's fields, in the words of its kind (a reply's, a forward's, a new mail's). */
export function problemText(locale: TLocale, problem: ReplyProblem, kind: DraftKind = 'reply'): string {
  switch (problem.kind) {
    case 'refused':
      return draftRefusalText(locale, problem.refusal);
    case 'invalid_addresses':
      return t(locale, 'reply.error_invalid', { addresses: problem.addresses.join(', ') });
    case 'to_missing':
      return t(locale, 'reply.error_to');
    case 'own_addresses':
      return t(locale, draftKindKey('reply.error_own', kind), { addresses: problem.addresses.join(', ') });
    case 'body_missing':
      return t(locale, draftKindKey('reply.error_body', kind));
    case 'attachments_too_large':
      return problem.forwardedBytes
        ? t(locale, 'reply.error_attachments_too_large_forward', {
            total: megabytes(problem.totalBytes),
            forwarded: megabytes(problem.forwardedBytes),
            limit: megabytes(problem.limitBytes),
          })
        : t(locale, 'reply.error_attachments_too_large', {
            total: megabytes(problem.totalBytes),
            limit: megabytes(problem.limitBytes),
          });
    case 'too_many_files':
      return t(locale, 'reply.error_too_many_files', { max: problem.max });
    case 'file_unavailable':
      return t(locale, 'reply.error_file_unavailable', { name: truncate(problem.filename, 200) });
  }
}

/** MB with one decimal, never rounded down to the limit (20.04 MB over a 20 MB limit shows 20.1). */
function megabytes(bytes: number): string {
  return (Math.ceil((bytes / (1024 * 1024)) * 10) / 10).toFixed(1).replace(/\.0$/, '');
}

/** The errors on the submitted modal's fields (none when it was submitted); the body's block as submitted. */
export function replySubmitErrors(
  locale: TLocale,
  submission: ReplySubmission,
  bodyRevision: number,
): Record<string, string> | null {
  if (submission.kind === 'submitted') return null;
  const blocks: Record<ReplyField, string> = {
    to: REPLY_FIELDS.to.block,
    cc: REPLY_FIELDS.cc.block,
    body: replyBodyBlockId(bodyRevision),
    files: REPLY_FIELDS.files.block,
    threadFiles: REPLY_FIELDS.threadFiles.block,
  };
  const errors = Object.entries(submission.errors).map(([field, problem]) => [
    blocks[field as ReplyField],
    problemText(locale, problem, submission.draftKind),
  ]);
  return Object.fromEntries(errors);
}

type StateValues = Record<
  string,
  | Record<
      string,
      | {
          value?: string | null;
          files?: { id: string; name?: string; title?: string; mimetype?: string; size?: number }[];
          selected_options?: { value: string }[];
        }
      | undefined
    >
  | undefined
>;

/**
 * To, Cc and body as typed in the reply modal (view.state.values), whatever the body's
 * revision; null for a field the state does not have.
 */
export function readReplyFields(values: StateValues | undefined): {
  to: string | null;
  cc: string | null;
  body: string | null;
  bodyRevision: number;
} {
  const value = (block: string, action: string) => (values?.[block] ? (values[block]?.[action]?.value ?? '') : null);
  const bodyBlock = Object.keys(values ?? {})
    .filter((block) => replyBodyRevision(block) >= 0)
    .sort((a, b) => replyBodyRevision(b) - replyBodyRevision(a))[0];
  return {
    to: value(REPLY_FIELDS.to.block, REPLY_FIELDS.to.action),
    cc: value(REPLY_FIELDS.cc.block, REPLY_FIELDS.cc.action),
    body: bodyBlock ? value(bodyBlock, REPLY_FIELDS.body.action) : null,
    bodyRevision: bodyBlock ? replyBodyRevision(bodyBlock) : 0,
  };
}

/** The files uploaded in the reply modal (as Slack's submission describes them) and the thread files chosen. */
export function readReplyAttachments(values: StateValues | undefined): ChosenAttachments {
  return {
    uploaded: (values?.[REPLY_FIELDS.files.block]?.[REPLY_FIELDS.files.action]?.files ?? []).map((file) => ({
      id: file.id,
      name: file.name ?? file.title ?? file.id,
      mimetype: file.mimetype ?? '',
      size: file.size ?? 0,
    })),
    threadFileIds: (
      values?.[REPLY_FIELDS.threadFiles.block]?.[REPLY_FIELDS.threadFiles.action]?.selected_options ?? []
    ).map((option) => option.value),
  };
}

export interface ReplyModalInput extends ReplyModalData {
  locale: TLocale;
}

const QUOTE_CHARS = 2_800;
/** Slack's limit for a plain-text input's value. */
const BODY_MAX = 3_000;

/**
 * The customer's mail as a mrkdwn quote, within QUOTE_CHARS in all: the `> ` of each line
 * counts too (a mail of many short lines would otherwise pass Slack's 3,000 characters
 * for a section, and the modal would not open at all).
 */
function quoteLines(text: string): string {
  const quoted = escapeMrkdwn(text)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return quoted.length <= QUOTE_CHARS ? quoted : `${quoted.slice(0, safeCutIndex(quoted, QUOTE_CHARS - 1))}…`;
}

/**
 * Below a forward's note: the forwarded mail's headers, its text (as the reply's quote,
 * cut to fit the modal; sent whole) and the files sent on with it, all escaped.
 */
function forwardedBlocks(input: ReplyModalInput): KnownBlock[] {
  const { locale, forwarded } = input;
  if (!forwarded) return [];
  const { headers } = forwarded;
  const lines = [
    `*${t(locale, 'forward.from')}:* ${escapeAndTruncate(headers.from ? formatAddress(headers.from) : '—', 300)}`,
    `*${t(locale, 'forward.date')}:* ${slackDate(headers.date)}`,
    `*${t(locale, 'reply.subject')}:* ${escapeAndTruncate(headers.subject ?? '', 300)}`,
    `*${t(locale, 'reply.to')}:* ${escapeAndTruncate(formatAddressList(headers.to), 500)}`,
    ...(headers.cc.length
      ? [`*${t(locale, 'reply.cc')}:* ${escapeAndTruncate(formatAddressList(headers.cc), 500)}`]
      : []),
  ];
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'forward.forwarded') }] },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
  ];
  if (forwarded.attachments.length)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `:paperclip: ${t(locale, 'forward.attachments', { files: fileListText(forwarded.attachments) })}`,
            2_900,
          ),
        },
      ],
    });
  return blocks;
}

export function buildReplyModal(input: ReplyModalInput): ModalView {
  const { locale } = input;
  const forward = input.kind === 'forward';
  const fresh = input.kind === 'new';
  const quoted = input.quoted.trim() ? quoteLines(input.quoted.trim()) : `_${t(locale, 'ticket.no_body')}_`;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*${t(locale, 'reply.subject')}:* ${escapeAndTruncate(input.subject, 500)}` },
    },
    ...templateBlocks(locale, input),
    toInput(locale, input.to),
    ...replyToBlocks(input),
    textInput({
      field: REPLY_FIELDS.cc,
      label: t(locale, 'reply.cc'),
      hint: t(locale, 'reply.cc_hint'),
      optional: true,
      maxLength: 1000,
      initial: input.cc,
    }),
    textInput({
      field: { block: replyBodyBlockId(input.bodyRevision), action: REPLY_FIELDS.body.action },
      label: t(locale, draftKindKey('reply.body', input.kind)),
      multiline: true,
      maxLength: BODY_MAX,
      initial: input.body,
      ...(forward ? { optional: true } : {}),
    }),
    ...fileBlocks(input),
    // A new mail quotes nothing.
    ...(fresh
      ? []
      : [
          ...(forward
            ? forwardedBlocks(input)
            : [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: t(locale, 'reply.quoted') }] }]),
          { type: 'section' as const, text: { type: 'mrkdwn' as const, text: quoted } },
        ]),
  ];
  const metadata: ReplyModalMetadata = { ticketId: input.ticketId, draftId: input.draftId };
  return {
    type: 'modal',
    callback_id: forward ? CALLBACK_IDS.forwardSubmit : CALLBACK_IDS.replySubmit,
    notify_on_close: true,
    private_metadata: JSON.stringify(metadata),
    title: plainText(truncate(t(locale, draftKindKey('reply.title', input.kind), { number: input.ticketNumber }), 24)),
    submit: plainText(t(locale, input.review ? 'reply.send_for_review' : 'reply.send')),
    close: plainText(t(locale, 'reply.cancel')),
    blocks,
  };
}

/**
 * What the author sees after submitting, when the recipients differ from the customer's
 * mail: the warning (the reviewer sees it too), and where the reply is now. A reply with
 * the customer's recipients just closes the modal.
 */
export function buildReplySubmittedModal(
  locale: TLocale,
  submitted: { review: boolean; recipientChanges: RecipientChanges },
): ModalView | null {
  const warning = recipientWarningText(locale, submitted.recipientChanges);
  if (!warning) return null;
  const where = t(locale, submitted.review ? 'reply.submitted.review' : 'reply.submitted.sent');
  const check = t(locale, submitted.review ? 'reply.submitted.check' : 'reply.submitted.check_sent');
  return {
    type: 'modal',
    callback_id: INFO_MODAL_IDS.replySubmitted,
    title: plainText(truncate(t(locale, 'reply.submitted.title'), 24)),
    close: plainText(t(locale, 'reply.submitted.close')),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: where } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(warning, 3_000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: check }] },
    ],
  };
}

/**
 * Files to send with the reply: uploaded here (file_input; Slack keeps no initial files,
 * so a draft's earlier files are offered in the second field, already chosen), and files
 * already shared in the ticket's thread.
 */
function fileBlocks(input: ReplyModalInput): KnownBlock[] {
  const { locale } = input;
  const blocks: KnownBlock[] = [fileUploadBlock(locale, input.attachmentLimitMb)];
  const choices = input.threadFiles ?? [];
  if (choices.length === 0) return blocks;
  const option = (choice: { id: string; name: string }): PlainTextOption => ({
    text: plainText(truncate(choice.name || choice.id, 75)),
    value: choice.id,
  });
  const chosen = choices.filter((choice) => input.attachedFileIds?.includes(choice.id)).slice(0, FILES_MAX);
  blocks.push({
    type: 'input',
    block_id: REPLY_FIELDS.threadFiles.block,
    optional: true,
    label: plainText(t(locale, 'reply.thread_files')),
    element: {
      type: 'multi_static_select',
      action_id: REPLY_FIELDS.threadFiles.action,
      placeholder: plainText(t(locale, 'reply.thread_files_placeholder')),
      max_selected_items: FILES_MAX,
      options: choices.map(option),
      ...(chosen.length ? { initial_options: chosen.map(option) } : {}),
    },
  });
  return blocks;
}

/** The To field of the reply, forward and compose modals. */
export function toInput(locale: TLocale, initial: string): KnownBlock {
  return textInput({ field: REPLY_FIELDS.to, label: t(locale, 'reply.to'), maxLength: 1000, initial, initialMax: 500 });
}

/** The file upload (file_input) of the reply, forward and compose modals. */
export function fileUploadBlock(locale: TLocale, limitMb: number | undefined): KnownBlock {
  return {
    type: 'input',
    block_id: REPLY_FIELDS.files.block,
    optional: true,
    label: plainText(t(locale, 'reply.files')),
    hint: plainText(t(locale, 'reply.files_hint', { limit: limitMb ?? REPLY_ATTACHMENT_MAX_MB_DEFAULT })),
    element: { type: 'file_input', action_id: REPLY_FIELDS.files.action, max_files: FILES_MAX },
  };
}

/** Where the answered mail asks replies to go, when that is not its sender (mail text escaped). */
function replyToBlocks({ locale, replyToNote }: ReplyModalInput): KnownBlock[] {
  if (!replyToNote) return [];
  const text = t(locale, 'reply.reply_to_differs', {
    reply_to: escapeAndTruncate(replyToNote.replyTo, 320),
    sender: escapeAndTruncate(replyToNote.sender, 320) || '—',
  });
  return [{ type: 'context', elements: [{ type: 'mrkdwn', text: `:warning: ${text}` }] }];
}

/**
 * The template menu: latest versions only, grouped by category when any template has
 * one, at most 100 options. Choosing one fills the body at once (block_actions). The
 * compose modal has the same menu under its own ids (compose-modal.ts).
 */
export function templateBlocks(
  locale: TLocale,
  input: Pick<ReplyModalInput, 'templates' | 'chosenVersionId' | 'templateFilled'>,
  field: { block: string; action: string } = REPLY_FIELDS.template,
): KnownBlock[] {
  const { templates } = input;
  if (!templates) return [];
  if (templates.length === 0)
    return [{ type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'reply.no_templates') }] }];
  const option = (choice: TemplateChoice): PlainTextOption => ({
    text: plainText(truncate(`${choice.name} (v${choice.version})`, 75)),
    value: String(choice.versionId),
  });
  const groups = byCategory(templates.slice(0, TEMPLATE_CHOICES_MAX));
  const chosen = templates.find((choice) => choice.versionId === input.chosenVersionId);
  const menu = {
    type: 'static_select' as const,
    action_id: field.action,
    placeholder: plainText(t(locale, 'reply.template_placeholder')),
    ...(groups.some((group) => group.category !== null)
      ? {
          option_groups: groups.map((group) => ({
            label: plainText(truncate(group.category ?? t(locale, 'templates.uncategorized'), 75)),
            options: group.items.map(option),
          })),
        }
      : { options: groups.flatMap((group) => group.items.map(option)) }),
    ...(chosen && groups.some((group) => group.items.includes(chosen)) ? { initial_option: option(chosen) } : {}),
  };
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: field.block,
      text: { type: 'mrkdwn', text: `*${t(locale, 'reply.template')}*` },
      accessory: menu,
    },
  ];
  if (input.templateFilled) {
    const { name, version, newer } = input.templateFilled;
    const note = t(locale, newer ? 'reply.template_newer' : 'reply.template_filled', {
      name: escapeAndTruncate(name, 200),
      version,
    });
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: note }] });
  }
  return blocks;
}

/** Who else is on the ticket, and since when; "Reply anyway" goes on deliberately. */
export function buildCollisionModal(locale: TLocale, ticketId: number, collision: Collision): ModalView {
  const lines: string[] = [];
  if (collision.claimedBy) {
    lines.push(
      `• ${t(locale, 'reply.warning_claimed', { assignee: `<@${collision.claimedBy.userId}>`, since: collision.claimedBy.since ? slackDate(collision.claimedBy.since) : '—' })}`,
    );
  }
  for (const draft of collision.drafts.slice(0, 10)) {
    lines.push(
      `• ${t(locale, 'reply.warning_draft', { author: `<@${draft.authorId}>`, since: slackDate(draft.since) })}`,
    );
  }
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.replyCollision,
    private_metadata: JSON.stringify({ ticketId }),
    title: plainText(truncate(t(locale, 'reply.warning_title'), 24)),
    submit: plainText(truncate(t(locale, 'reply.warning_continue'), 24)),
    close: plainText(t(locale, 'reply.cancel')),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:warning: ${t(locale, 'reply.warning_intro')}` } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    ],
  };
}

/** The modal a Reply click (or "Reply anyway") opens: the warning, or the reply modal itself. */
export function buildReplyOpeningModal(
  locale: TLocale,
  opening: Exclude<ReplyOpening, { kind: 'refused' }>,
): ModalView {
  return opening.kind === 'collision'
    ? buildCollisionModal(locale, opening.ticketId, opening.collision)
    : buildReplyModal({ ...opening.modal, locale });
}
