/**
 * Threading for a batch of mails committed together: which ticket each mail answers, by
 * In-Reply-To and References only (never the subject), and for a bounce also by the
 * Message-ID of the mail it reports on. The stored mails are looked up once for the whole
 * batch; a mail answering an earlier mail of the same batch joins the ticket that mail
 * gets, exactly as if the two had been committed one after the other.
 */
import { cleanMessageId } from './message-id.js';
import type { ParsedMail } from './parsed-mail.js';
import { parseJson } from '../util/parse-json.js';

/**
 * The ticket a mail joins: a stored one, the one an earlier mail of the batch gets, or
 * none (a new ticket). `viaForward`: the mail answers a forward we sent to a third party
 * (or an answer to one): it joins the ticket as an internal note, not as customer mail.
 */
export type ThreadTarget =
  | { kind: 'ticket'; ticketId: number; viaForward?: boolean }
  | { kind: 'batch'; messageRowId: number; viaForward?: boolean }
  | null;

export interface BatchMail {
  messageRowId: number;
  mailboxId: number;
  /** The Message-ID the mail is stored under. */
  messageId: string | null;
  mail: ParsedMail;
  bounce: boolean;
}

/** A stored mail already in a ticket, as found by the look-up. */
export interface ThreadedRow {
  id: number;
  mailboxId: number;
  messageId: string | null;
  ticketId: number | null;
  /** JSON object of its flags: `forward` (a forward we sent) or `forwardAnswer` (an answer to one). */
  flags?: string;
}

/** Whether a stored mail is a forward we sent, or an answer to one. */
export function onForwardThread(flags: string | undefined): boolean {
  const parsed = parseJson<{ forward?: unknown; forwardAnswer?: unknown }>(flags ?? '{}');
  return parsed?.forward === true || parsed?.forwardAnswer === true;
}

/** The Message-IDs a mail may answer. */
export function threadIdsOf(mail: ParsedMail, bounce: boolean): string[] {
  const reported = bounce ? mail.reportedMessageIds : [];
  return [
    ...new Set(
      [mail.inReplyTo, ...mail.references, ...reported].map(cleanMessageId).filter((id): id is string => !!id),
    ),
  ];
}

/**
 * For each mail, in order, the newest row (highest id) among the stored mails and the
 * earlier mails of the batch whose Message-ID it refers to: what a look-up at its own
 * commit would have found.
 */
export function threadBatch(mails: readonly BatchMail[], stored: readonly ThreadedRow[]): ThreadTarget[] {
  const newest = new Map<string, { id: number; target: NonNullable<ThreadTarget> }>();
  const offer = (mailboxId: number, messageId: string | null, id: number, target: NonNullable<ThreadTarget>) => {
    if (!messageId) return;
    const key = `${mailboxId}\n${messageId}`;
    if ((newest.get(key)?.id ?? -1) < id) newest.set(key, { id, target });
  };
  for (const row of stored)
    if (row.ticketId !== null)
      offer(row.mailboxId, row.messageId, row.id, {
        kind: 'ticket',
        ticketId: row.ticketId,
        ...(onForwardThread(row.flags) ? { viaForward: true } : {}),
      });
  return mails.map((mail) => {
    let found: { id: number; target: NonNullable<ThreadTarget> } | undefined;
    for (const id of threadIdsOf(mail.mail, mail.bounce)) {
      const candidate = newest.get(`${mail.mailboxId}\n${id}`);
      if (candidate && (!found || candidate.id > found.id)) found = candidate;
    }
    // A later mail of the batch answering this one is on the same side (a forward's, or the customer's).
    offer(mail.mailboxId, mail.messageId, mail.messageRowId, {
      kind: 'batch',
      messageRowId: mail.messageRowId,
      ...(found?.target.viaForward ? { viaForward: true } : {}),
    });
    return found?.target ?? null;
  });
}
