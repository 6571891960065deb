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

/**
 * A mail that does not make its people the customer's side: a stranger's, a forward we
 * sent to a third party, and that party's answers (they are internal notes).
 */
function offCustomerThread(mail: TicketMailAddresses): boolean {
  try {
    const flags = JSON.parse(mail.flags) as { stranger?: unknown; forward?: unknown; forwardAnswer?: unknown };
    return flags.stranger === true || flags.forward === true || flags.forwardAnswer === true;
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
    .filter((mail) => !offCustomerThread(mail))
    .some((mail) =>
      [mail.fromAddress ?? '', mail.replyTo ?? '', ...listed(mail.toAddresses), ...listed(mail.ccAddresses)].some(
        (address) => address.toLowerCase() === who,
      ),
    );
}
