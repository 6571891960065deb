import type { WebClient } from '@slack/web-api';
import type { ListenerRegistry } from '../../listener-registry.js';
import { composeHome, createChartUploader, type HomeDeps } from '../../../services/publish-home.js';
import { cachedPermalinks } from '../../../services/search/answer-search.js';
import type { TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import type { Reviewers } from '../../reviewers.js';

/**
 * Publishes the Home tab when a user opens it (not for the Messages tab): the dashboard
 * when the database is at hand, else the introduction.
 */
export function registerAppHomeOpened(registry: ListenerRegistry, deps: HomeDeps & { ticketActions?: TicketActionDeps; review?: { reviewers: Reviewers } }): void {
  let slack: WebClient | undefined;
  const uploadChart = createChartUploader(() => slack!);
  const permalink = cachedPermalinks(async (channel, ts) => (await slack!.chat.getPermalink({ channel, message_ts: ts })).permalink);
  registry.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    slack = client;
    const actions = deps.ticketActions;
    const dashboard =
      actions && deps.review
        ? { db: actions.db, members: actions.members, logger: actions.logger, permalink, mailboxes: deps.mailboxes, reviewers: deps.review.reviewers, uploadChart }
        : undefined;
    await client.views.publish({ user_id: event.user, view: await composeHome({ ...deps, ...(dashboard ? { dashboard } : {}) }, event.user) });
  });
}
