/**
 * The one place a draft's kind chooses its words: every text said of a draft that differs
 * by kind is a key whose reply wording is the key itself, with a forward's and a new
 * mail's under `.forward` / `.new` after it (each in both languages, as every key is).
 * Pure.
 */
import { draftKind, type DraftKind } from '../../domain/draft-kind.js';
import type { MessageKey } from '../../i18n/messages.js';

/** Keys worded per kind: those with both a `.forward` and a `.new` variant (the type checks it). */
export type KindedKey = {
  [K in MessageKey]: `${K}.forward` extends MessageKey ? (`${K}.new` extends MessageKey ? K : never) : never;
}[MessageKey];

/** The key in the words of the draft's kind (a stored kind unknown is a reply, as draftKind says). */
export function draftKindKey(key: KindedKey, kind: DraftKind | string | null | undefined): MessageKey {
  const known = draftKind(kind);
  return known === 'reply' ? key : (`${key}.${known}` as MessageKey);
}
