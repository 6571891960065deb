import type { ListenerRegistry } from '../../listener-registry.js';
import { recordThreadMessage, type SlackMessageEvent } from '../../../services/tickets/record-thread-message.js';
import type { Db } from '../../../db/client.js';
import type { Logger } from '../../../logging/logger.js';

/** Messages in channels: those in a ticket's thread become internal comments. */
export function registerThreadMessages(registry: ListenerRegistry, deps: { db: Db; logger: Logger }): void {
  registry.event('message', async ({ event }) => {
    await recordThreadMessage(deps, event as unknown as SlackMessageEvent);
  });
}
