import { openCustomerEdit } from '../../../services/search/customer-history.js';
import type { SearchDeps } from '../../../services/search/answer-search.js';
import type { UserLocales } from '../../../slack-api/user-locales.js';
import { ACTION_IDS } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { readActionId } from '../../read-action-id.js';
import { buildCustomerEditOpening } from '../../views/customer-card.js';

/**
 * The Edit button on a customer's card: opens the modal for company, phone and notes, or
 * tells the clicker alone that there is no such customer for them.
 */
export function registerCustomerEditAction(
  registry: ListenerRegistry,
  deps: { userLocales: UserLocales; search: SearchDeps },
): void {
  registry.action(ACTION_IDS.customerEdit, async ({ ack, body, action, respond, client }) => {
    await ack();
    const customerId = readActionId((action as { value?: string }).value);
    if (customerId === null) return;
    const opening = await openCustomerEdit(deps.search, { userId: body.user.id, customerId });
    const shown = buildCustomerEditOpening(await deps.userLocales.localeOf(body.user.id), opening);
    if ('notice' in shown)
      return void (await respond({ response_type: 'ephemeral', replace_original: false, ...shown.notice }));
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: shown.view });
  });
}
