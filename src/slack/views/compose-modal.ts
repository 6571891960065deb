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
import { CALLBACK_IDS } from '../ids.js';
import { truncate } from './escape.js';
import { fileUploadBlock, problemText, REPLY_FIELDS, toInput } from './reply-modals.js';
import { plainText, textInput } from './text-input.js';

export const COMPOSE_FIELDS = {
  mailbox: { block: 'compose_mailbox', action: 'mailbox' },
  subject: { block: 'compose_subject', action: 'subject' },
} as const;

export function buildComposeModal(
  locale: TLocale,
  input: { mailboxes: readonly ComposeMailbox[]; review: boolean; to: string; attachmentLimitMb?: number },
): ModalView {
  const option = (mailbox: ComposeMailbox): PlainTextOption => ({
    text: plainText(truncate(`${mailbox.name} <${mailbox.address}>`, 75)),
    value: mailbox.key,
  });
  const options = input.mailboxes.slice(0, 100).map(option);
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.composeSubmit,
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
          // With one mailbox there is nothing to choose.
          ...(options.length === 1 ? { initial_option: options[0] } : {}),
        },
      },
      toInput(locale, input.to),
      textInput({
        field: REPLY_FIELDS.cc,
        label: t(locale, 'reply.cc'),
        optional: true,
        maxLength: 1000,
      }),
      textInput({ field: COMPOSE_FIELDS.subject, label: t(locale, 'compose.subject'), maxLength: 250 }),
      textInput({
        field: REPLY_FIELDS.body,
        label: t(locale, 'compose.body'),
        multiline: true,
        maxLength: 3_000,
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
  return problemText(locale, problem);
}

/** The errors on the compose modal's fields, or null when it was submitted. */
export function composeSubmitErrors(locale: TLocale, submission: ComposeSubmission): Record<string, string> | null {
  if (submission.kind === 'submitted') return null;
  return Object.fromEntries(
    Object.entries(submission.errors).map(([field, problem]) => [
      BLOCKS[field as ComposeField],
      composeProblemText(locale, problem),
    ]),
  );
}
