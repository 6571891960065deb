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
  | { kind: 'busy' }
  /** The ticket was merged into #targetNumber: it takes no clicks, that one is worked instead. */
  | { kind: 'merged'; targetNumber: number }
  | MergeRefusal
  | SplitRefusal;

/** Why a merge, or its undo, changes nothing (domain/ticket-merge.ts). */
export type MergeRefusal =
  /** Neither a ticket chosen nor a number typed. */
  | { kind: 'merge_target_missing' }
  /** No ticket of that number in the mailbox. */
  | { kind: 'merge_target_unknown'; number: number }
  | { kind: 'merge_same_ticket' }
  /** The chosen ticket is itself merged into another: that one is the place. */
  | { kind: 'merge_target_merged'; number: number; intoNumber: number }
  /** The Undo button of a merge that is no longer in place (undone, or followed by another). */
  | { kind: 'merge_not_current' }
  | { kind: 'merge_undo_expired'; mergedAt: Date }
  /** The target was merged on into #intoNumber since: that merge is undone first. */
  | { kind: 'merge_undo_blocked'; targetNumber: number; intoNumber: number };

/** Why a mail is not split out of its ticket. */
export type SplitRefusal =
  /** The mail is in no ticket any more (it was split out already, or is gone). */
  | { kind: 'split_mail_gone' }
  /** The ticket's first mail is the ticket itself. */
  | { kind: 'split_first_mail' }
  /** Our own replies stay with the conversation they answer. */
  | { kind: 'split_outgoing' };
