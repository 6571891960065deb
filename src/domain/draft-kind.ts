/**
 * What a draft sends (Draft.kind): a reply to the customer, a forward of one of the
 * ticket's mails to anyone, or a new mail the team starts. All three go through the same
 * review, outbox and thread record; they differ in what the mail says and threads to.
 */
export const DRAFT_KINDS = ['reply', 'forward', 'new'] as const;
export type DraftKind = (typeof DRAFT_KINDS)[number];

/** A stored kind; anything unknown (a draft from before kinds) is a reply. */
export function draftKind(stored: string | null | undefined): DraftKind {
  return (DRAFT_KINDS as readonly string[]).includes(stored ?? '') ? (stored as DraftKind) : 'reply';
}
