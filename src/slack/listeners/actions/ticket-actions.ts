import type { ListenerRegistry } from '../../listener-registry.js';
import { changeTicket, type TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import { readTicketAction, TICKET_CHANGE_ACTIONS, type ClickedAction } from '../../read-ticket-action.js';

/** Claim, unclaim, assign, status, urgency, junk: acknowledged first, then the change. */
export function registerTicketActions(registry: ListenerRegistry, deps: { ticketActions: TicketActionDeps }): void {
  for (const actionId of TICKET_CHANGE_ACTIONS) {
    registry.action(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const request = readTicketAction(action as ClickedAction);
      const notice = await changeTicket(deps.ticketActions, request ? { actorId: body.user.id, ...request } : { actorId: body.user.id, request: null });
      if (notice) await respond({ response_type: 'ephemeral', replace_original: false, ...notice });
    });
  }
}
