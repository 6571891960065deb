import type { HomeView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import { buildHelpMessage, type HelpMailbox } from './help-message.js';
import { buildTemplateList, type TemplateSummary } from './template-views.js';

/**
 * The App Home tab, in the user's language: what Mailroom is, the commands, and the reply
 * templates of every mailbox with "New template" and an Edit button each.
 */
export function buildHomeView(locale: TLocale, mailboxes: readonly HelpMailbox[], templates: readonly TemplateSummary[] = []): HomeView {
  const list = buildTemplateList(locale, { title: t(locale, 'templates.home_heading'), templates, newValue: '' });
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: t(locale, 'home.title') } },
      { type: 'section', text: { type: 'mrkdwn', text: t(locale, 'home.intro') } },
      { type: 'divider' },
      ...buildHelpMessage(locale, mailboxes).blocks,
      { type: 'divider' },
      list.blocks[0]!,
      { type: 'section', text: { type: 'mrkdwn', text: t(locale, 'templates.home_intro') } },
      ...list.blocks.slice(1),
    ],
  };
}
