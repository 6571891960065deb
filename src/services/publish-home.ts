import type { HomeView } from '@slack/types';
import type { TMailboxConfig } from '../config/config-schema.js';
import type { UserLocales } from '../slack/user-locales.js';
import { buildHomeView } from '../slack/views/home-view.js';

export interface HomeDeps {
  userLocales: UserLocales;
  mailboxes: readonly TMailboxConfig[];
}

/** The Home tab a user should see now. */
export async function composeHome(deps: HomeDeps, userId: string): Promise<HomeView> {
  return buildHomeView(await deps.userLocales.localeOf(userId), deps.mailboxes);
}
