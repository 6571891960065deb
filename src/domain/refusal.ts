/**
 * Why a person's click on a ticket changes nothing: who has it, why they may not, or that
 * it is gone. Services answer with it; views say it in the person's language.
 */
export type Refusal =
  | { kind: 'not_member'; channelId: string }
  | { kind: 'membership_unknown'; channelId: string }
  | { kind: 'ticket_gone' }
  | { kind: 'claimed_by_other'; assigneeId: string; since: Date | null }
  | { kind: 'already_yours' }
  | { kind: 'not_assignee'; assigneeId: string }
  | { kind: 'assignee_not_member'; assigneeId: string; channelId: string }
  | { kind: 'choice_gone' }
  /** A ticket carries at most `max` tags. */
  | { kind: 'too_many_tags'; max: number }
  /** The ticket kept changing under us: try again. */
  | { kind: 'busy' };
