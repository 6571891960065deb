import type { ListenerRegistry } from '../../listener-registry.js';
import { CALLBACK_IDS } from '../../ids.js';
import type { TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import { mergeTickets } from '../../../services/tickets/merge-tickets.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { mergeErrors, readMergeTarget } from '../../views/merge-modal.js';

/**
 * The merge modal submitted (`ticket.merge`): the source from its metadata, the target as
 * chosen or typed. Why it was not merged is shown on the number field; merged, it closes.
 */
export function registerTicketMergeView(registry: ListenerRegistry, deps: { ticketActions: TicketActionDeps }): void {
  const { ticketActions } = deps;
  registry.view(CALLBACK_IDS.ticketMerge, async ({ ack, body, view }) => {
    const actorId = body.user.id;
    const locale = await ticketActions.userLocales.localeOf(actorId);
    const target = readMergeTarget(view.state.values);
    const answer =
      target.kind === 'not_a_number'
        ? target
        : await mergeTickets(ticketActions, {
            actorId,
            sourceId: readModalMetadata(view.private_metadata).ticketId,
            targetNumber: target.number,
          });
    const errors = mergeErrors(locale, answer);
    await ack(errors ? { response_action: 'errors', errors } : undefined);
  });
}
