import { saveCustomerEdit } from '../../../services/search/customer-history.js';
import type { SearchDeps } from '../../../services/search/answer-search.js';
import { CALLBACK_IDS } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { readCustomerFields } from '../../views/customer-card.js';

/** The customer modal saved: the customer id from its metadata, the fields as typed. */
export function registerCustomerEditView(registry: ListenerRegistry, deps: { search: SearchDeps }): void {
  registry.view(CALLBACK_IDS.customerEdit, async ({ ack, body, view }) => {
    await ack();
    const { customerId } = readModalMetadata(view.private_metadata);
    if (customerId === undefined) return;
    await saveCustomerEdit(deps.search, { userId: body.user.id, customerId, ...readCustomerFields(view.state.values) });
  });
}
