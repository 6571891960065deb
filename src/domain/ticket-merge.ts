/**
 * Merging a ticket into another (the customer wrote a new mail instead of replying) and
 * splitting a mail out into a ticket of its own, decided without touching anything: which
 * merges make sense, until when one can be undone, and what the audit records keep so
 * that an undo moves back exactly what the merge moved.
 */
import { z } from 'zod';
import type { MergeRefusal } from './refusal.js';

/** A merge can be undone for a day; after that the mails have been worked on where they are. */
export const MERGE_UNDO_MS = 24 * 60 * 60_000;

/**
 * Merges followed from a ticket to the one it was merged into, and on (a ticket merged into
 * one merged later): a chain is short, and a longer one means something is wrong.
 */
export const MERGE_HOPS = 10;

/** A ticket as a merge looks at it. */
export interface MergeSide {
  id: number;
  mailboxId: number;
  number: number;
  mergedIntoId: number | null;
}

/**
 * Why `source` cannot be merged into `target` (a ticket of the same mailbox found by its
 * number), or null when it can. `intoNumber`: the number of the ticket `target` itself was
 * merged into, when it was.
 */
export function mergeRefusal(source: MergeSide, target: MergeSide, intoNumber: number | null): MergeRefusal | null {
  if (target.id === source.id) return { kind: 'merge_same_ticket' };
  if (target.mergedIntoId !== null)
    return { kind: 'merge_target_merged', number: target.number, intoNumber: intoNumber ?? 0 };
  return null;
}

/** Whether a merge made at `mergedAt` can still be undone at `now`. */
export function undoAllowed(mergedAt: Date, now: Date): boolean {
  return now.getTime() - mergedAt.getTime() <= MERGE_UNDO_MS;
}

/** The ticket's state before it was merged, restored by an undo (a closed ticket stays closed). */
const ZStateBefore = z.object({ status: z.string(), closedAt: z.string().nullable() });
export type StateBefore = z.infer<typeof ZStateBefore>;

/**
 * The `ticket.merged` audit record on the source: what moved (the ids, so an undo moves
 * back exactly those and not mail that came to the target since), the source's state
 * before, and, when the merge opened a closed target for the source's open mail, the
 * target's state before. Read back with this schema (the audit detail is JSON text).
 */
export const ZMergeRecord = z.object({
  sourceId: z.number().int(),
  sourceNumber: z.number().int(),
  targetId: z.number().int(),
  targetNumber: z.number().int(),
  mails: z.number().int(),
  messageIds: z.array(z.number().int()),
  commentIds: z.array(z.number().int()),
  draftIds: z.array(z.number().int()),
  sourceBefore: ZStateBefore,
  /** Set when the merge reopened the target; its reopenedAt is the merge's time. */
  targetBefore: ZStateBefore.optional(),
});
export type MergeRecord = z.infer<typeof ZMergeRecord>;
