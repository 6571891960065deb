/**
 * The merge modal (`ticket.merge`): which ticket of the mailbox this one goes into, chosen
 * from the customer's other tickets or typed as a number; and its answer on the fields.
 * Pure: data in, Block Kit out, and the submitted values read back.
 */
import type { InputBlock, ModalView, PlainTextOption } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { statusLabel } from '../../domain/ticket-fields.js';
import { t } from '../../i18n/messages.js';
import type { MergeAnswer, MergeOpening } from '../../services/tickets/merge-tickets.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { CALLBACK_IDS } from '../ids.js';
import { escapeAndTruncate, truncate } from './escape.js';
import { plainText, textInput } from './text-input.js';
import { buildRefusalNotice, refusalText } from './ticket-notices.js';

export const MERGE_FIELDS = {
  choice: { block: 'merge_target_choice', action: 'ticket' },
  number: { block: 'merge_target_number', action: 'number' },
} as const;

type Choosing = Extract<MergeOpening, { kind: 'choose' }>;

function candidateMenu(locale: TLocale, opening: Choosing): InputBlock {
  const options: PlainTextOption[] = opening.candidates.map((candidate) => ({
    text: plainText(
      truncate(
        t(locale, 'merge.option', {
          number: candidate.number,
          subject: candidate.subject.trim() || t(locale, 'ticket.no_subject'),
          status: statusLabel(opening.statuses, candidate.status, locale),
        }),
        75,
      ),
    ),
    value: String(candidate.number),
  }));
  return {
    type: 'input',
    block_id: MERGE_FIELDS.choice.block,
    optional: true,
    label: plainText(t(locale, 'merge.choose_label')),
    element: {
      type: 'static_select',
      action_id: MERGE_FIELDS.choice.action,
      placeholder: plainText(t(locale, 'merge.choose_placeholder')),
      options,
    },
  };
}

export function buildMergeModal(locale: TLocale, opening: Choosing): ModalView {
  const subject = opening.subject.trim() || t(locale, 'ticket.no_subject');
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.ticketMerge,
    private_metadata: JSON.stringify({ ticketId: opening.ticketId }),
    title: plainText(truncate(t(locale, 'merge.title'), 24)),
    submit: plainText(truncate(t(locale, 'merge.submit'), 24)),
    close: plainText(t(locale, 'reply.cancel')),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: t(locale, 'merge.intro', { number: opening.number, subject: escapeAndTruncate(subject, 500) }),
        },
      },
      ...(opening.candidates.length ? [candidateMenu(locale, opening)] : []),
      textInput({
        field: MERGE_FIELDS.number,
        label: t(locale, 'merge.number_label'),
        hint: t(locale, 'merge.number_hint'),
        optional: true,
        maxLength: 20,
      }),
    ],
  };
}

/** The modal, or what the clicker is told instead. */
export function buildMergeOpening(
  locale: TLocale,
  opening: MergeOpening,
): { view: ModalView } | { notice: SlackMessage } {
  return opening.kind === 'choose'
    ? { view: buildMergeModal(locale, opening) }
    : { notice: buildRefusalNotice(locale, opening.refusal) };
}

type Values = Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null }>>;

/** The target as submitted: a typed number wins over the menu; null when neither was given. */
export type MergeTarget = { kind: 'number'; number: number | null } | { kind: 'not_a_number'; text: string };

export function readMergeTarget(values: unknown): MergeTarget {
  const state = (values ?? {}) as Values;
  const typed = (state[MERGE_FIELDS.number.block]?.[MERGE_FIELDS.number.action]?.value ?? '').trim();
  if (typed) {
    const match = /^#?\s*(\d{1,9})$/.exec(typed);
    return match ? { kind: 'number', number: Number(match[1]) } : { kind: 'not_a_number', text: typed };
  }
  const chosen = state[MERGE_FIELDS.choice.block]?.[MERGE_FIELDS.choice.action]?.selected_option?.value ?? '';
  return { kind: 'number', number: /^\d{1,9}$/.test(chosen) ? Number(chosen) : null };
}

/** What the modal shows on its number field when the merge was not made (null: it closes). */
export function mergeErrors(
  locale: TLocale,
  answer: MergeAnswer | Extract<MergeTarget, { kind: 'not_a_number' }>,
): Record<string, string> | null {
  if (answer.kind === 'merged') return null;
  const text =
    answer.kind === 'not_a_number'
      ? t(locale, 'merge.not_a_number', { text: truncate(answer.text, 20) })
      : refusalText(locale, answer.refusal);
  return { [MERGE_FIELDS.number.block]: truncate(text, 2000) };
}
