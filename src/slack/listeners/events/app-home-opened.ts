import type { ListenerRegistry } from '../../listener-registry.js';
import { publishHome, type DashboardDeps, type HomeDeps } from '../../publish-home.js';

/**
 * Publishes the Home tab when a user opens it (not for the Messages tab): the dashboard,
 * or the introduction for someone who sees no mailbox.
 */
export function registerAppHomeOpened(registry: ListenerRegistry, deps: HomeDeps & { dashboard: DashboardDeps }): void {
  registry.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await publishHome(client, deps, event.user);
  });
}
