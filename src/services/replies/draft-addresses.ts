/**
 * How a draft keeps its To and Cc: a JSON list of addresses as a person reads them
 * (`Name <address>`), one entry each, so the modal, the thread and the mail all show
 * what was typed.
 */
import { formatAddressList } from '../../domain/compose-reply.js';
import type { MailAddress } from '../../domain/parsed-mail.js';

export function draftAddressesJson(addresses: readonly MailAddress[]): string {
  return JSON.stringify(addresses.map((entry) => formatAddressList([entry])));
}

/** The stored lists as one line of text, comma-separated (To, then Cc when both are given). */
export function draftAddressText(...stored: string[]): string {
  return stored.flatMap((json) => JSON.parse(json) as string[]).join(', ');
}

/** What a reviewer is shown of a draft, and what an approval sends: recipients, subject, text. */
export function reviewedText(draft: { toAddresses: string; ccAddresses: string; subject: string; body: string }): {
  to: string;
  cc: string;
  subject: string;
  body: string;
} {
  return {
    to: draftAddressText(draft.toAddresses),
    cc: draftAddressText(draft.ccAddresses),
    subject: draft.subject,
    body: draft.body,
  };
}
