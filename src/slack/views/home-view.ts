import type { HomeView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { t } from '../../i18n/messages.js';
import { buildHelpMessage, type HelpMailbox } from './help-message.js';

/** The App Home tab. For now: what Mailroom is and the commands, in the user's language. */
export function buildHomeView(locale: TLocale, mailboxes: readonly HelpMailbox[]): HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: t(locale, 'home.title') } },
      { type: 'section', text: { type: 'mrkdwn', text: t(locale, 'home.intro') } },
      { type: 'divider' },
      ...buildHelpMessage(locale, mailboxes).blocks,
    ],
  };
}
