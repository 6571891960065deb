/**
 * `/mail …`: acknowledged at once, answered to the user alone through response_url, in
 * their language. The command text is read by the domain (mail-command.ts); here each
 * subcommand goes to its service and the answer to its view.
 */
import type { TMailboxConfig } from '../../../config/config-schema.js';
import { parseMailCommand, type MailCommand } from '../../../domain/mail-command.js';
import { answerCustomer, answerTicketHistory, openCustomerEdit, saveCustomerEdit } from '../../../services/customers/customer-history.js';
import { answerSearch, type SearchDeps } from '../../../services/search/answer-search.js';
import { answerStats } from '../../../services/stats/team-stats.js';
import { listTemplates, type TemplateListDeps } from '../../../services/templates/list-templates.js';
import type { SlackMessage } from '../../../slack-api/slack-message.js';
import type { UserLocales } from '../../../slack-api/user-locales.js';
import { ACTION_IDS, CALLBACK_IDS, SLASH_COMMAND } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { readActionId } from '../../read-action-id.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { buildCustomerAnswer, buildCustomerEditOpening, readCustomerFields } from '../../views/customer-card.js';
import { buildHelpMessage, buildNotReadyNotice, buildUnknownCommandNotice } from '../../views/help-message.js';
import { buildSearchAnswer, readPagingValue } from '../../views/search-results.js';
import { buildStatsAnswer } from '../../views/stats-message.js';

export interface MailCommandDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
  templates: TemplateListDeps;
  /** What search, customer and stats read tickets with. */
  search: SearchDeps;
}

export async function answerMailCommand(deps: MailCommandDeps, input: { userId: string; channelId: string; text: string }): Promise<SlackMessage> {
  const { userId } = input;
  const locale = await deps.userLocales.localeOf(userId);
  const command = parseMailCommand(input.text);
  switch (command.kind) {
    case 'help':
      return buildHelpMessage(locale, deps.mailboxes);
    case 'search':
      return buildSearchAnswer(locale, await answerSearch(deps.search, { userId, text: command.args }));
    case 'customer':
      return buildCustomerAnswer(locale, await answerCustomer(deps.search, { userId, text: command.args }));
    case 'stats':
      return buildStatsAnswer(locale, await answerStats(deps.search, { userId, text: command.args }));
    case 'unknown':
      return buildUnknownCommandNotice(locale, command.subcommand);
    case 'template':
      return listTemplates(deps.templates, { locale, channelId: input.channelId, userId });
    default:
  }
  // A subcommand listed in the domain before it is built here.
  return buildNotReadyNotice(locale, (command as MailCommand).kind);
}

/**
 * The search paging buttons replace the results in place; a ticket's History button and the
 * customer edit modal answer the clicker alone too.
 */
export function registerMailCommand(registry: ListenerRegistry, deps: MailCommandDeps): void {
  const { search, userLocales } = deps;
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
      const answer = await answerSearch(search, { userId: body.user.id, text: paging.q, offset: paging.o });
      const message = buildSearchAnswer(await userLocales.localeOf(body.user.id), answer);
      await respond({ response_type: 'ephemeral', replace_original: true, ...message });
    });
  }

  registry.action(ACTION_IDS.ticketHistory, async ({ ack, body, action, respond }) => {
    await ack();
    const ticketId = readActionId((action as { value?: string }).value);
    if (ticketId === null) return;
    const answer = await answerTicketHistory(search, { userId: body.user.id, ticketId });
    const message = buildCustomerAnswer(await userLocales.localeOf(body.user.id), answer);
    await respond({ response_type: 'ephemeral', replace_original: false, ...message });
  });

  registry.action(ACTION_IDS.customerEdit, async ({ ack, body, action, respond, client }) => {
    await ack();
    const customerId = readActionId((action as { value?: string }).value);
    if (customerId === null) return;
    const opening = await openCustomerEdit(search, { userId: body.user.id, customerId });
    const shown = buildCustomerEditOpening(await userLocales.localeOf(body.user.id), opening);
    if ('notice' in shown) return void (await respond({ response_type: 'ephemeral', replace_original: false, ...shown.notice }));
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: shown.view });
  });

  registry.view(CALLBACK_IDS.customerEdit, async ({ ack, body, view }) => {
    await ack();
    const { customerId } = readModalMetadata(view.private_metadata);
    if (customerId === undefined) return;
    await saveCustomerEdit(search, { userId: body.user.id, customerId, ...readCustomerFields(view.state.values) });
  });
}
