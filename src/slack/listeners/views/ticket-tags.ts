import { saveTags } from '../../../services/tickets/ticket-tags.js';
import type { TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import { CALLBACK_IDS } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { readShownTags, readTagFields, tagSaveErrors } from '../../views/tag-modal.js';

/** The tag editor saved: errors on its field (too long, not a member, too many), or it closes. */
export function registerTicketTagsView(registry: ListenerRegistry, deps: { ticketActions: TicketActionDeps }): void {
  const { ticketActions } = deps;
  registry.view(CALLBACK_IDS.ticketTags, async ({ ack, body, view }) => {
    const actorId = body.user.id;
    const { ticketId } = readModalMetadata(view.private_metadata);
    const fields = readTagFields(view.state.values as Parameters<typeof readTagFields>[0]);
    const answer = await saveTags(ticketActions, {
      actorId,
      ticketId,
      shown: readShownTags(view.private_metadata),
      ...fields,
    });
    const errors = tagSaveErrors(await ticketActions.userLocales.localeOf(actorId), answer);
    await ack(errors ? { response_action: 'errors', errors } : undefined);
  });
}
