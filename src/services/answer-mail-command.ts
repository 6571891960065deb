/**
 * Answers `/mail …` for one user, in their language. Subcommands of later releases answer
 * that they are not available yet rather than failing silently.
 */
import type { TMailboxConfig } from '../config/config-schema.js';
import { parseMailCommand, type MailCommand } from '../domain/mail-command.js';
import { t } from '../i18n/messages.js';
import type { UserLocales } from '../slack-api/user-locales.js';
import { escapeMrkdwn } from '../slack/views/escape.js';
import type { SlackMessage } from '../slack-api/slack-message.js';
import { buildHelpMessage, buildNoticeMessage } from '../slack/views/help-message.js';
import { listTemplates, type TemplateListDeps } from './templates/list-templates.js';
import { buildTemplateListing } from '../slack/views/template-views.js';
import { answerCustomer } from './customers/customer-history.js';
import { answerSearch, type SearchDeps } from './search/answer-search.js';
import { answerStats } from './stats/team-stats.js';

export interface MailCommandDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
  templates: TemplateListDeps;
  /** What search, customer and stats read tickets with. */
  search: SearchDeps;
}

export async function answerMailCommand(deps: MailCommandDeps, input: { userId: string; channelId: string; text: string }): Promise<SlackMessage> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const command = parseMailCommand(input.text);
  switch (command.kind) {
    case 'help':
      return buildHelpMessage(locale, deps.mailboxes);
    case 'search':
      return answerSearch(deps.search, { userId: input.userId, text: command.args });
    case 'customer':
      return answerCustomer(deps.search, { userId: input.userId, text: command.args });
    case 'stats':
      return answerStats(deps.search, { userId: input.userId, text: command.args });
    case 'unknown':
      return buildNoticeMessage(t(locale, 'command.unknown', { subcommand: escapeMrkdwn(command.subcommand.slice(0, 50)) }));
    case 'template':
      return buildTemplateListing(locale, await listTemplates(deps.templates, { channelId: input.channelId, userId: input.userId }));
    default:
  }
  // A subcommand listed in the domain before it is built here.
  return buildNoticeMessage(t(locale, 'command.not_ready', { subcommand: (command as MailCommand).kind }));
}
