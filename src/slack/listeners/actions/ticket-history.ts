import { answerTicketHistory } from '../../../services/search/customer-history.js';
import type { SearchDeps } from '../../../services/search/answer-search.js';
import type { UserLocales } from '../../../slack-api/user-locales.js';
import { ACTION_IDS } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { readActionId } from '../../read-action-id.js';
import { buildCustomerAnswer } from '../../views/customer-card.js';

/** A ticket's History button: its customer's history, to the clicker alone, below the ticket. */
export function registerTicketHistory(
  registry: ListenerRegistry,
  deps: { userLocales: UserLocales; search: SearchDeps },
): void {
  registry.action(ACTION_IDS.ticketHistory, async ({ ack, body, action, respond }) => {
    await ack();
    const ticketId = readActionId((action as { value?: string }).value);
    if (ticketId === null) return;
    const answer = await answerTicketHistory(deps.search, { userId: body.user.id, ticketId });
    const message = buildCustomerAnswer(await deps.userLocales.localeOf(body.user.id), answer);
    await respond({ response_type: 'ephemeral', replace_original: false, ...message });
  });
}
