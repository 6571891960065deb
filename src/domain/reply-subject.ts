/**
 * The subject of our reply: the customer's subject as it was, prefixed once by `Re: `
 * (docs/contract.md). A subject that already starts with Re: (any case, a full-width colon as
 * Japanese mailers write it) is not prefixed again; no ticket number is added.
 */
const ALREADY_REPLY = /^\s*re\s*[:：]/i;

export function replySubject(original: string | null | undefined): string {
  const subject = (original ?? '').trim();
  if (!subject) return 'Re:';
  return ALREADY_REPLY.test(subject) ? subject : `Re: ${subject}`;
}
