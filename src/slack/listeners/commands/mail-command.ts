import { readModalMetadata } from '../../read-modal-metadata.js';
import { readActionId } from '../../read-action-id.js';
import { ACTION_IDS, CALLBACK_IDS, SLASH_COMMAND } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { answerMailCommand, type MailCommandDeps } from '../../../services/answer-mail-command.js';
import { answerTicketHistory, openCustomerEdit, saveCustomerEdit } from '../../../services/customers/customer-history.js';
import { answerSearch } from '../../../services/search/answer-search.js';
import { readCustomerFields } from '../../views/customer-card.js';
import { readPagingValue } from '../../views/search-results.js';

/**
 * `/mail`: acknowledged at once, answered to the user alone through response_url. The
 * search paging buttons replace the results in place; a ticket's History button and the
 * customer edit modal answer the clicker alone too.
 */
export function registerMailCommand(registry: ListenerRegistry, deps: MailCommandDeps): void {
  const { search } = deps;
  registry.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    await ack();
    const message = await answerMailCommand(deps, { userId: command.user_id, channelId: command.channel_id, text: command.text });
    await respond({ response_type: 'ephemeral', ...message });
  });

  for (const actionId of [ACTION_IDS.searchNext, ACTION_IDS.searchPrevious]) {
    registry.action(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const paging = readPagingValue((action as { value?: string }).value);
      if (!paging) return;
      const message = await answerSearch(search, { userId: body.user.id, text: paging.q, offset: paging.o });
      await respond({ response_type: 'ephemeral', replace_original: true, ...message });
    });
  }

  registry.action(ACTION_IDS.ticketHistory, async ({ ack, body, action, respond }) => {
    await ack();
    const ticketId = readActionId((action as { value?: string }).value);
    if (ticketId === null) return;
    const message = await answerTicketHistory(search, { userId: body.user.id, ticketId });
    await respond({ response_type: 'ephemeral', replace_original: false, ...message });
  });

  registry.action(ACTION_IDS.customerEdit, async ({ ack, body, action, respond, client }) => {
    await ack();
    const customerId = readActionId((action as { value?: string }).value);
    if (customerId === null) return;
    const opening = await openCustomerEdit(search, { userId: body.user.id, customerId });
    if ('notice' in opening) return void (await respond({ response_type: 'ephemeral', replace_original: false, ...opening.notice }));
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: opening.view });
  });

  registry.view(CALLBACK_IDS.customerEdit, async ({ ack, body, view }) => {
    await ack();
    const { customerId } = readModalMetadata(view.private_metadata);
    if (customerId === undefined) return;
    await saveCustomerEdit(search, { userId: body.user.id, customerId, ...readCustomerFields(view.state.values) });
  });
}
