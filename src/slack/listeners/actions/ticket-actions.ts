import type { ListenerRegistry } from '../../listener-registry.js';
import { changeTicket, type TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import { readTicketAction, TICKET_CHANGE_ACTIONS, type ClickedAction } from '../../read-ticket-action.js';
import { buildRefusalNotice } from '../../views/ticket-notices.js';

/**
 * Claim, unclaim, assign, status, urgency, junk: acknowledged first, then the change. A
 * change done needs no answer (the ticket's message shows it); a refusal is told to the
 * clicker alone.
 */
export function registerTicketActions(registry: ListenerRegistry, deps: { ticketActions: TicketActionDeps }): void {
  const { ticketActions } = deps;
  for (const actionId of TICKET_CHANGE_ACTIONS) {
    registry.action(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const actorId = body.user.id;
      const request = readTicketAction(action as ClickedAction);
      const answer = await changeTicket(ticketActions, request ? { actorId, ...request } : { actorId, request: null });
      if (answer.kind === 'done') return;
      const notice = buildRefusalNotice(await ticketActions.userLocales.localeOf(actorId), answer.refusal);
      await respond({ response_type: 'ephemeral', replace_original: false, ...notice });
    });
  }
}
