import type { HomeView } from '@slack/types';
import type { TMailboxConfig } from '../config/config-schema.js';
import type { UserLocales } from '../slack/user-locales.js';
import { buildHomeView } from '../slack/views/home-view.js';
import { allTemplateSummaries, type TemplateListDeps } from './templates/list-templates.js';

export interface HomeDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
  templates: TemplateListDeps;
}

/** The Home tab a user should see now. */
export async function composeHome(deps: HomeDeps, userId: string): Promise<HomeView> {
  const locale = await deps.userLocales.localeOf(userId);
  return buildHomeView(locale, deps.mailboxes, await allTemplateSummaries(deps.templates.db, locale));
}
