import { openTagEditor } from '../../../services/tickets/ticket-tags.js';
import type { TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import { ACTION_IDS } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { readActionId } from '../../read-action-id.js';
import { buildTagEditorOpening } from '../../views/tag-modal.js';

/**
 * "Tags" on a ticket message: opens the tag editor, or tells the clicker alone why they
 * may not (not a member of the ticket's channel, the ticket gone).
 */
export function registerTicketTagsAction(registry: ListenerRegistry, deps: { ticketActions: TicketActionDeps }): void {
  const { ticketActions } = deps;
  registry.action(ACTION_IDS.ticketTags, async ({ ack, body, action, respond, client }) => {
    await ack();
    const ticketId = readActionId((action as { value?: string }).value);
    if (ticketId === null) return;
    const userId = body.user.id;
    const answer = await openTagEditor(ticketActions, { userId, ticketId });
    const shown = buildTagEditorOpening(await ticketActions.userLocales.localeOf(userId), answer);
    if ('notice' in shown)
      return void (await respond({ response_type: 'ephemeral', replace_original: false, ...shown.notice }));
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: shown.view });
  });
}
