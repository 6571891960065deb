/**
 * `/mail template` and the Home tab's templates: those usable in the mailbox whose channel
 * the command was typed in (its own and the shared ones), or every template elsewhere.
 */
import type { TLocale, TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import { t } from '../../i18n/messages.js';
import type { SlackMessage } from '../../slack/views/help-message.js';
import { buildTemplateList, type TemplateSummary } from '../../slack/views/template-views.js';
import { templateSummaries, usableTemplates } from './template-catalog.js';

export interface TemplateListDeps {
  db: Db;
  mailboxes: readonly TMailboxConfig[];
}

export async function listTemplates(deps: TemplateListDeps, input: { locale: TLocale; channelId: string }): Promise<SlackMessage> {
  const mailbox = deps.mailboxes.find((box) => box.channelId === input.channelId);
  const row = mailbox ? await deps.db.mailbox.findUnique({ where: { key: mailbox.key }, select: { id: true } }) : null;
  const templates = await usableTemplates(deps.db, row ? [row.id] : 'all');
  return buildTemplateList(input.locale, {
    title: mailbox && row ? t(input.locale, 'templates.list_title', { mailbox: mailbox.name }) : t(input.locale, 'templates.list_title_all'),
    templates: templateSummaries(input.locale, templates),
    newValue: mailbox?.key ?? '',
  });
}

/** Every template, for the Home tab. */
export async function allTemplateSummaries(db: Db, locale: TLocale): Promise<TemplateSummary[]> {
  return templateSummaries(locale, await usableTemplates(db, 'all'));
}
