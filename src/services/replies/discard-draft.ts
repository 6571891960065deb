/**
 * draft.discard: the author or a reviewer throws away a draft that waits for review or
 * came back for changes (any kind). It is never sent: the outbox only ever holds approved
 * drafts, and the state is changed only from a discardable one, so a draft approved a
 * moment earlier is not touched. A new mail's ticket exists only for that mail, so it is
 * closed in the same transaction (its thread says the mail was discarded, not sent).
 */
import { DISCARDABLE_DRAFT_STATES } from '../../domain/draft-controls.js';
import { draftKind } from '../../domain/draft-kind.js';
import { statusCategory } from '../../domain/ticket-fields.js';
import { TICKET_ACTIONS } from '../../domain/ticket-change.js';
import { queueTicketPosts } from '../tickets/queue-ticket-posts.js';
import { ticketStatuses } from '../tickets/ticket-statuses.js';
import { queueDraftStatePosts } from './draft-posts.js';
import { draftFor, loadDraft, reviewerIdsOf, type DraftRefusal, type ReviewDeps } from './review-reply.js';

export type DraftDiscard = { kind: 'discarded'; ticketClosed: boolean } | { kind: 'refused'; refusal: DraftRefusal };

/** The status a discarded new mail's ticket is closed with. */
const CLOSED_STATUS = 'done';

export async function discardDraft(
  deps: ReviewDeps,
  input: { actorId: string; draftId: number; revision: number },
): Promise<DraftDiscard> {
  const refused = (refusal: DraftRefusal): DraftDiscard => ({ kind: 'refused', refusal });
  const found = await draftFor(deps, input.draftId, input.actorId);
  if ('refusal' in found) return refused(found.refusal);
  const { draft } = found;
  if (
    draft.authorId !== input.actorId &&
    !(await deps.reviewers.isReviewer(reviewerIdsOf(deps, draft.ticket.mailbox.key), input.actorId))
  )
    return refused({ kind: 'not_discarder', authorId: draft.authorId });
  if (!DISCARDABLE_DRAFT_STATES.includes(draft.state)) return refused({ kind: 'not_discardable', state: draft.state });
  // The revision the person was shown: one submitted since is not thrown away unseen.
  if (input.revision !== draft.revision) return refused({ kind: 'changed', revision: draft.revision });

  const kind = draftKind(draft.kind);
  const statuses = await ticketStatuses(deps.db, draft.ticket.mailboxId);
  const outcome = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.draft.updateMany({
      where: { id: draft.id, revision: draft.revision, state: { in: DISCARDABLE_DRAFT_STATES } },
      data: { state: 'discarded' },
    });
    if (count === 0) return null;
    const ticket = await tx.ticket.findUniqueOrThrow({ where: { id: draft.ticketId } });
    // A new mail's ticket was made for it: left open it would wait for an answer that cannot come.
    const close = kind === 'new' && statusCategory(statuses, ticket.status) !== 'closed';
    if (close)
      await tx.ticket.update({
        where: { id: ticket.id },
        data: { status: CLOSED_STATUS, closedAt: ticket.closedAt ?? new Date() },
      });
    const audit = await tx.auditLog.create({
      data: {
        mailboxId: ticket.mailboxId,
        ticketId: ticket.id,
        actorId: input.actorId,
        action: TICKET_ACTIONS.draftDiscarded,
        detail: JSON.stringify({
          draftId: draft.id,
          revision: draft.revision,
          authorId: draft.authorId,
          draftKind: kind,
          closed: close,
          ...(close ? { from: ticket.status, to: CLOSED_STATUS } : {}),
        }),
      },
    });
    await queueDraftStatePosts(tx, ticket, draft, audit.id);
    if (close) await queueTicketPosts(tx, ticket, audit.id, { trace: false });
    return { ticketClosed: close };
  });
  if (!outcome) {
    const now = await loadDraft(deps.db, draft.id);
    return now && now.revision !== draft.revision
      ? refused({ kind: 'changed', revision: now.revision })
      : refused({ kind: 'not_discardable', state: now?.state ?? 'discarded' });
  }
  deps.logger.info(
    { code: 'draft_discarded', draftId: draft.id, ticketId: draft.ticketId, actorId: input.actorId, ...outcome },
    'draft discarded',
  );
  deps.wakePoster();
  return { kind: 'discarded', ...outcome };
}
