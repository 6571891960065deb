/**
 * Who may steer a ticket's replies. Threading headers can be copied by anyone who saw one of
 * the mails, so a follow-up decides where the next reply goes only when it comes from the
 * ticket's customer or from someone already on its mails (From, Reply-To, To or Cc of an
 * earlier mail, ours included). A stranger's mail adds no one: its own addresses do not
 * count for the mails after it.
 */
import type { MailAddress } from './parsed-mail.js';

/** What is read of each mail already in the ticket. */
export interface TicketMailAddresses {
  fromAddress: string | null;
  replyTo: string | null;
  /** JSON arrays of { name, address }. */
  toAddresses: string;
  ccAddresses: string;
  /** JSON object of MailFlags. */
  flags: string;
}

function listed(json: string): string[] {
  try {
    return (JSON.parse(json) as Partial<MailAddress>[]).map((entry) => entry.address ?? '');
  } catch {
    return [];
  }
}

function fromStranger(mail: TicketMailAddresses): boolean {
  try {
    return (JSON.parse(mail.flags) as { stranger?: unknown }).stranger === true;
  } catch {
    return false;
  }
}

/** Whether `sender` is the ticket's customer or on one of its mails (lower-cased compare). */
export function isParticipant(
  sender: string | null,
  customerAddress: string | null,
  mails: readonly TicketMailAddresses[],
): boolean {
  const who = sender?.trim().toLowerCase();
  if (!who) return false;
  if (who === customerAddress?.toLowerCase()) return true;
  return mails
    .filter((mail) => !fromStranger(mail))
    .some((mail) =>
      [mail.fromAddress ?? '', mail.replyTo ?? '', ...listed(mail.toAddresses), ...listed(mail.ccAddresses)].some(
        (address) => address.toLowerCase() === who,
      ),
    );
}
