/**
 * The compose modal of a new mail (`compose.submit`): the mailbox to write from (only
 * those whose channel the person is in), To, Cc, subject, text and files. Its fields
 * share the reply modal's block ids where they mean the same (reply-modals.ts), so one
 * reader serves both. Pure: data in, Block Kit out.
 */
import type { ModalView, PlainTextOption } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import type {
  ComposeField,
  ComposeMailbox,
  ComposeProblem,
  ComposeSubmission,
} from '../../services/replies/compose-new.js';
import type { TemplateChoice } from '../../services/templates/template-catalog.js';
import { ACTION_IDS, CALLBACK_IDS } from '../ids.js';
import { truncate } from './escape.js';
import { draftKindKey } from './draft-kind-key.js';
import {
  fileUploadBlock,
  problemText,
  REPLY_FIELDS,
  replyBodyBlockId,
  templateBlocks,
  toInput,
} from './reply-modals.js';
import { plainText, textInput } from './text-input.js';

export const COMPOSE_FIELDS = {
  mailbox: { block: 'compose_mailbox', action: 'mailbox' },
  subject: { block: 'compose_subject', action: 'subject' },
  template: { block: 'compose_template', action: ACTION_IDS.composeTemplate },
} as const;

/** What the compose modal carries back: the template version its text was filled from. */
export interface ComposeModalMetadata {
  templateVersionId?: number;
}

export interface ComposeModalInput {
  mailboxes: readonly ComposeMailbox[];
  review: boolean;
  to: string;
  attachmentLimitMb?: number;
  templates?: readonly TemplateChoice[];
  /** After a template was chosen: what the person had typed, and the text it filled in. */
  typed?: { mailboxKey: string; cc: string | null; subject: string | null };
  body?: string;
  bodyRevision?: number;
  chosenVersionId?: number;
  templateFilled?: { name: string; version: number; newer: boolean };
}

export function buildComposeModal(locale: TLocale, input: ComposeModalInput): ModalView {
  const option = (mailbox: ComposeMailbox): PlainTextOption => ({
    text: plainText(truncate(`${mailbox.name} <${mailbox.address}>`, 75)),
    value: mailbox.key,
  });
  const options = input.mailboxes.slice(0, 100).map(option);
  // With one mailbox there is nothing to choose; after a template, the one chosen stays.
  const chosen = options.length === 1 ? options[0] : options.find((o) => o.value === input.typed?.mailboxKey);
  const metadata: ComposeModalMetadata =
    input.chosenVersionId !== undefined ? { templateVersionId: input.chosenVersionId } : {};
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.composeSubmit,
    private_metadata: JSON.stringify(metadata),
    title: plainText(truncate(t(locale, 'compose.title'), 24)),
    submit: plainText(t(locale, input.review ? 'reply.send_for_review' : 'reply.send')),
    close: plainText(t(locale, 'reply.cancel')),
    blocks: [
      {
        type: 'input',
        block_id: COMPOSE_FIELDS.mailbox.block,
        label: plainText(t(locale, 'compose.mailbox')),
        element: {
          type: 'static_select',
          action_id: COMPOSE_FIELDS.mailbox.action,
          options,
          ...(chosen ? { initial_option: chosen } : {}),
        },
      },
      ...templateBlocks(locale, input, COMPOSE_FIELDS.template),
      toInput(locale, input.to),
      textInput({
        field: REPLY_FIELDS.cc,
        label: t(locale, 'reply.cc'),
        optional: true,
        maxLength: 1000,
        initial: input.typed?.cc,
      }),
      textInput({
        field: COMPOSE_FIELDS.subject,
        label: t(locale, 'compose.subject'),
        maxLength: 250,
        initial: input.typed?.subject,
      }),
      // A new block id each time a template fills it (replyBodyBlockId says why).
      textInput({
        field: { block: replyBodyBlockId(input.bodyRevision), action: REPLY_FIELDS.body.action },
        label: t(locale, draftKindKey('reply.body', 'new')),
        multiline: true,
        maxLength: 3_000,
        initial: input.body,
      }),
      fileUploadBlock(locale, input.attachmentLimitMb),
      { type: 'context', elements: [{ type: 'mrkdwn', text: t(locale, 'compose.hint') }] },
    ],
  };
}

type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null } | undefined> | undefined
>;

/** The mailbox and subject as submitted (To, Cc, text and files: readReplyFields, readReplyAttachments). */
export function readComposeFields(values: StateValues | undefined): { mailboxKey: string; subject: string } {
  const field = (spec: { block: string; action: string }) => values?.[spec.block]?.[spec.action];
  return {
    mailboxKey: field(COMPOSE_FIELDS.mailbox)?.selected_option?.value ?? '',
    subject: field(COMPOSE_FIELDS.subject)?.value ?? '',
  };
}

const BLOCKS: Record<ComposeField, string> = {
  mailbox: COMPOSE_FIELDS.mailbox.block,
  subject: COMPOSE_FIELDS.subject.block,
  to: REPLY_FIELDS.to.block,
  cc: REPLY_FIELDS.cc.block,
  body: REPLY_FIELDS.body.block,
  files: REPLY_FIELDS.files.block,
  threadFiles: REPLY_FIELDS.files.block,
};

function composeProblemText(locale: TLocale, problem: ComposeProblem): string {
  if (problem.kind === 'mailbox_missing') return t(locale, 'compose.error_mailbox');
  if (problem.kind === 'subject_missing') return t(locale, 'compose.error_subject');
  return problemText(locale, problem, 'new');
}

/** The errors on the compose modal's fields, or null when it was submitted. */
export function composeSubmitErrors(
  locale: TLocale,
  submission: ComposeSubmission,
  bodyRevision = 0,
): Record<string, string> | null {
  if (submission.kind === 'submitted') return null;
  const blocks = { ...BLOCKS, body: replyBodyBlockId(bodyRevision) };
  return Object.fromEntries(
    Object.entries(submission.errors).map(([field, problem]) => [
      blocks[field as ComposeField],
      composeProblemText(locale, problem),
    ]),
  );
}
