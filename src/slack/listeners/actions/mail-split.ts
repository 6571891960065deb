import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS } from '../../ids.js';
import type { TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import { splitMail } from '../../../services/tickets/split-mail.js';
import { readActionId } from '../../read-action-id.js';
import { buildRefusalNotice } from '../../views/ticket-notices.js';

/**
 * "Split out" beside a follow-up's heading (confirmed in Slack first): the button's value
 * names the mail. The new ticket and both traces show what was done; a refusal is told to
 * the clicker alone.
 */
export function registerMailSplit(registry: ListenerRegistry, deps: { ticketActions: TicketActionDeps }): void {
  const { ticketActions } = deps;
  registry.action(ACTION_IDS.mailSplit, async ({ ack, body, action, respond }) => {
    await ack();
    const actorId = body.user.id;
    const messageRowId = readActionId((action as { value?: string }).value);
    const answer =
      messageRowId === null
        ? ({ kind: 'refused', refusal: { kind: 'choice_gone' } } as const)
        : await splitMail(ticketActions, { actorId, messageRowId });
    if (answer.kind === 'split') return;
    const notice = buildRefusalNotice(await ticketActions.userLocales.localeOf(actorId), answer.refusal);
    await respond({ response_type: 'ephemeral', replace_original: false, ...notice });
  });
}
