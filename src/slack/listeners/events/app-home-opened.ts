import type { ListenerRegistry } from '../../listener-registry.js';
import { composeHome, type HomeDeps } from '../../../services/publish-home.js';

/** Publishes the Home tab when a user opens it (not for the Messages tab). */
export function registerAppHomeOpened(registry: ListenerRegistry, deps: HomeDeps): void {
  registry.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: await composeHome(deps, event.user) });
  });
}
