/**
 * `/mail …`: acknowledged at once, answered to the user alone through response_url, in
 * their language. The command text is read by the domain (mail-command.ts); here each
 * subcommand goes to its service and the answer to its view.
 */
import type { TMailboxConfig } from '../../../config/config-schema.js';
import { parseMailCommand, type MailCommand } from '../../../domain/mail-command.js';
import { answerCustomer } from '../../../services/search/customer-history.js';
import { answerSearch, type SearchDeps } from '../../../services/search/answer-search.js';
import { answerStats } from '../../../services/reports/team-stats.js';
import { sendExport, type SendExportDeps } from '../../../services/reports/export-tickets.js';
import { buildExportAnswer, exportFileComment } from '../../views/export-message.js';
import { listTemplates, type TemplateListDeps } from '../../../services/templates/list-templates.js';
import { buildTemplateListing } from '../../views/template-views.js';
import type { SlackMessage } from '../../../slack-api/slack-message.js';
import type { UserLocales } from '../../../slack-api/user-locales.js';
import { SLASH_COMMAND } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { buildCustomerAnswer } from '../../views/customer-card.js';
import { buildHelpMessage, buildNotReadyNotice, buildUnknownCommandNotice } from '../../views/help-message.js';
import { buildSearchAnswer } from '../../views/search-results.js';
import { buildStatsAnswer } from '../../views/stats-message.js';

export interface MailCommandDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
  templates: TemplateListDeps;
  /** What search, customer and stats read tickets with. */
  search: SearchDeps;
  /** `/mail export`: what it reads and how the files reach the asker. */
  exports: SendExportDeps;
}

export async function answerMailCommand(
  deps: MailCommandDeps,
  input: { userId: string; channelId: string; text: string },
): Promise<SlackMessage> {
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
    case 'export':
      return buildExportAnswer(
        locale,
        await sendExport(deps.exports, {
          userId,
          text: command.args,
          comment: (info, file) => exportFileComment(locale, info, file),
        }),
      );
    case 'unknown':
      return buildUnknownCommandNotice(locale, command.subcommand);
    case 'template':
      return buildTemplateListing(locale, await listTemplates(deps.templates, { channelId: input.channelId, userId }));
    default:
  }
  // A subcommand listed in the domain before it is built here.
  return buildNotReadyNotice(locale, (command as MailCommand).kind);
}

export function registerMailCommand(registry: ListenerRegistry, deps: MailCommandDeps): void {
  registry.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    await ack();
    const message = await answerMailCommand(deps, {
      userId: command.user_id,
      channelId: command.channel_id,
      text: command.text,
    });
    await respond({ response_type: 'ephemeral', ...message });
  });
}
