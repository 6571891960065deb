import { SLASH_COMMAND } from '../../ids.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { answerMailCommand, type MailCommandDeps } from '../../../services/answer-mail-command.js';

/** `/mail`: acknowledged at once, answered to the user alone through response_url. */
export function registerMailCommand(registry: ListenerRegistry, deps: MailCommandDeps): void {
  registry.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    await ack();
    const message = await answerMailCommand(deps, { userId: command.user_id, channelId: command.channel_id, text: command.text });
    await respond({ response_type: 'ephemeral', ...message });
  });
}
