/**
 * `/mail …`: acknowledged at once, answered to the user alone through response_url, in
 * their language. The command text is read by the domain (mail-command.ts); here each
 * subcommand goes to its service and the answer to its view.
 */
import type { TLocale, TMailboxConfig } from '../../../config/config-schema.js';
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
import { sendCustomerExport } from '../../../services/privacy/export-customer.js';
import { forgetCustomer, isAdmin, type PrivacyCommandDeps } from '../../../services/privacy/forget-customer.js';
import {
  buildCustomerExportAnswer,
  buildExportComment,
  buildForgetAnswer,
  buildNotAdminNotice,
} from '../../views/privacy-messages.js';
import type { ReviewDeps } from '../../../services/replies/review-reply.js';
import { openComposeModal } from '../views/compose-submit.js';

export interface MailCommandDeps {
  userLocales: UserLocales;
  /** `/mail new`: the compose modal and its review. */
  review: ReviewDeps;
  mailboxes: readonly TMailboxConfig[];
  templates: TemplateListDeps;
  /** What search, customer and stats read tickets with. */
  search: SearchDeps;
  /** `/mail forget` and `/mail export-customer`, for the admins (ADMINS). */
  privacy: PrivacyCommandDeps;
  /** `/mail export`: what it reads and how the files reach the asker. */
  exports: SendExportDeps;
}

export async function answerMailCommand(
  deps: MailCommandDeps,
  input: { userId: string; channelId: string; command: MailCommand },
): Promise<SlackMessage> {
  const { userId, command } = input;
  const locale = await deps.userLocales.localeOf(userId);
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
    case 'forget':
    case 'export-customer':
      return answerPrivacyCommand(deps.privacy, locale, userId, command.kind, command.args);
    default:
  }
  // A subcommand listed in the domain before it is built here.
  return buildNotReadyNotice(locale, (command as MailCommand).kind);
}

/** A customer's data forgotten or exported: admins only, everyone else told so. */
async function answerPrivacyCommand(
  deps: PrivacyCommandDeps,
  locale: TLocale,
  userId: string,
  subcommand: 'forget' | 'export-customer',
  address: string,
): Promise<SlackMessage> {
  if (!isAdmin(deps.admins, userId)) return buildNotAdminNotice(locale, subcommand);
  if (subcommand === 'forget')
    return buildForgetAnswer(locale, address, await forgetCustomer(deps, { address, actorId: userId }));
  const comment = (found: string) => buildExportComment(locale, found);
  return buildCustomerExportAnswer(locale, address, await sendCustomerExport(deps, { userId, address, comment }));
}

export function registerMailCommand(registry: ListenerRegistry, deps: MailCommandDeps): void {
  registry.command(SLASH_COMMAND, async ({ command, ack, respond, client }) => {
    await ack();
    const parsed = parseMailCommand(command.text);
    // `/mail new` opens a modal: the command's trigger is good for 3 seconds, so first.
    if (parsed.kind === 'new')
      return openComposeModal(deps.review, { userId: command.user_id, triggerId: command.trigger_id, client });
    const message = await answerMailCommand(deps, {
      userId: command.user_id,
      channelId: command.channel_id,
      command: parsed,
    });
    await respond({ response_type: 'ephemeral', ...message });
  });
}
