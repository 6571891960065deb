/**
 * A text said of a draft, in the words of its kind: the reply's key as it always was, a
 * forward's and a new mail's with `.forward` / `.new` after it (each in both languages,
 * as every key is). Pure.
 */
import { draftKind, type DraftKind } from '../../domain/draft-kind.js';
import type { MessageKey } from '../../i18n/messages.js';

type KindedKey =
  | 'draft.waiting'
  | 'draft.waiting_nobody'
  | 'sent.refused'
  | 'reminder.review_wait'
  | 'trace.draft_approved'
  | 'trace.reply_failed'
  | 'trace.reply_uncertain';

export function draftKindKey(key: KindedKey, kind: DraftKind | string | null | undefined): MessageKey {
  const known = draftKind(kind);
  return (known === 'reply' ? key : `${key}.${known}`) as MessageKey;
}
