/** The reviewer's "what should change?" modal (`draft.changes`). Pure. */
import type { ModalView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import type { ChangesSubmission, ShownDraft } from '../../services/replies/review-reply.js';
import { CALLBACK_IDS } from '../ids.js';
import { draftRefusalText } from './draft-notices.js';
import { truncate } from './escape.js';
import { textInput } from './text-input.js';

export const CHANGES_FIELD = { block: 'changes_comment', action: 'comment' } as const;

export function buildChangesModal(locale: TLocale, draft: ShownDraft): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.draftChanges,
    private_metadata: JSON.stringify(draft),
    title: { type: 'plain_text', text: truncate(t(locale, 'draft.changes_title'), 24) },
    submit: { type: 'plain_text', text: truncate(t(locale, 'draft.changes_submit'), 24) },
    close: { type: 'plain_text', text: t(locale, 'reply.cancel') },
    blocks: [
      textInput({
        field: CHANGES_FIELD,
        label: t(locale, 'draft.changes_label'),
        hint: t(locale, 'draft.changes_hint'),
        multiline: true,
        maxLength: 2_000,
      }),
    ],
  };
}

/** The comment field's error for a request that was not made (none when it was). */
export function changesErrors(locale: TLocale, submission: ChangesSubmission): Record<string, string> | null {
  if (submission.kind === 'requested') return null;
  const text =
    submission.kind === 'refused' ? draftRefusalText(locale, submission.refusal) : t(locale, 'draft.changes_label');
  return { [CHANGES_FIELD.block]: text };
}
