/**
 * Answers `/mail …` for one user, in their language. Subcommands of later releases answer
 * that they are not available yet rather than failing silently.
 */
import type { TMailboxConfig } from '../config/config-schema.js';
import { parseMailCommand } from '../domain/mail-command.js';
import { t } from '../i18n/messages.js';
import type { UserLocales } from '../slack/user-locales.js';
import { escapeMrkdwn } from '../slack/views/escape.js';
import { buildHelpMessage, buildNoticeMessage, type SlackMessage } from '../slack/views/help-message.js';
import { listTemplates, type TemplateListDeps } from './templates/list-templates.js';

export interface MailCommandDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
  templates: TemplateListDeps;
}

export async function answerMailCommand(deps: MailCommandDeps, input: { userId: string; channelId: string; text: string }): Promise<SlackMessage> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const command = parseMailCommand(input.text);
  switch (command.kind) {
    case 'help':
      return buildHelpMessage(locale, deps.mailboxes);
    case 'unknown':
      return buildNoticeMessage(t(locale, 'command.unknown', { subcommand: escapeMrkdwn(command.subcommand.slice(0, 50)) }));
    case 'template':
      return listTemplates(deps.templates, { locale, channelId: input.channelId });
    default:
      return buildNoticeMessage(t(locale, 'command.not_ready', { subcommand: command.kind }));
  }
}
