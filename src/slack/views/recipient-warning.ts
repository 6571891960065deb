/**
 * The warning that a reply's recipients differ from the customer's mail (added, or left
 * off), as the author's confirmation and the reviewer's draft message say it. Addresses
 * are typed by people or come from mail: escaped.
 */
import type { TLocale } from '../../config/config-schema.js';
import { hasRecipientChanges, type RecipientChanges } from '../../domain/reply-recipients.js';
import { t } from '../../i18n/messages.js';
import { escapeAndTruncate } from './escape.js';

/** The warning in mrkdwn, or null when the recipients are the customer's mail's. */
export function recipientWarningText(locale: TLocale, changes: RecipientChanges | null | undefined): string | null {
  if (!hasRecipientChanges(changes)) return null;
  const list = (addresses: string[]) => escapeAndTruncate(addresses.join(', '), 1_000);
  const parts = [
    ...(changes.added.length ? [t(locale, 'recipients.added', { addresses: list(changes.added) })] : []),
    ...(changes.removed.length ? [t(locale, 'recipients.removed', { addresses: list(changes.removed) })] : []),
  ];
  return `:warning: ${t(locale, 'recipients.warning', { changes: parts.join('; ') })}`;
}
