/**
 * Why a click on a draft, or a reply modal's submission, changed nothing: said to the
 * person alone as a notice, or on a modal's field.
 */
import type { TLocale } from '../../config/config-schema.js';
import { t, type MessageKey } from '../../i18n/messages.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import type { DraftRefusal } from '../../services/replies/review-reply.js';
import { escapeAndTruncate } from './escape.js';
import { draftKindKey } from './draft-kind-key.js';
import { buildInfoNotice } from './help-message.js';
import { refusalText } from './ticket-notices.js';

function stateName(locale: TLocale, state: string): string {
  return t(locale, `draft_state.${state}` as MessageKey);
}

export function draftRefusalText(locale: TLocale, refusal: DraftRefusal): string {
  switch (refusal.kind) {
    case 'access':
      return refusalText(locale, refusal.refusal);
    case 'draft_gone':
      return t(locale, 'notice.draft_gone');
    case 'not_reviewer':
      return t(locale, draftKindKey('notice.not_reviewer', refusal.draftKind));
    case 'own_draft':
      return t(locale, draftKindKey('notice.own_draft', refusal.draftKind));
    case 'not_in_review':
      return t(locale, 'notice.draft_not_in_review', { state: stateName(locale, refusal.state) });
    case 'changed':
      return t(locale, 'notice.draft_changed', { revision: refusal.revision });
    case 'too_long':
      return t(locale, draftKindKey('notice.draft_too_long', refusal.draftKind));
    case 'not_author':
      return t(locale, draftKindKey('notice.not_author', refusal.draftKind), { author: `<@${refusal.authorId}>` });
    case 'not_editable':
      return t(locale, draftKindKey('reply.error_state', refusal.draftKind), {
        state: stateName(locale, refusal.state),
      });
    case 'not_discarder':
      return t(locale, 'notice.not_discarder', { author: `<@${refusal.authorId}>` });
    case 'not_discardable':
      return t(locale, 'notice.not_discardable', { state: stateName(locale, refusal.state) });
    case 'attachment_unavailable':
      return t(locale, 'notice.attachment_unavailable', { name: escapeAndTruncate(refusal.filename, 200) });
  }
}

export function buildDraftRefusalNotice(locale: TLocale, refusal: DraftRefusal): SlackMessage {
  return buildInfoNotice(draftRefusalText(locale, refusal));
}
