import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS } from '../../ids.js';
import { openMerge, undoMerge } from '../../../services/tickets/merge-tickets.js';
import type { TicketActionDeps } from '../../../services/tickets/change-ticket.js';
import { readActionId } from '../../read-action-id.js';
import { buildMergeOpening } from '../../views/merge-modal.js';
import { buildRefusalNotice } from '../../views/ticket-notices.js';

/** `<source ticket id>:<merge audit id>`, as the Undo button carries it. */
function undoValue(value: string | undefined): { sourceId: number; mergeAuditId: number } | null {
  const [source, audit, ...rest] = (value ?? '').split(':');
  const sourceId = readActionId(source);
  const mergeAuditId = readActionId(audit);
  return sourceId === null || mergeAuditId === null || rest.length ? null : { sourceId, mergeAuditId };
}

/**
 * "Merge…" on a ticket message opens the merge modal within the trigger's 3 seconds (its
 * submission: views/ticket-merge.ts); "Undo merge" on a merge's trace undoes it. A refusal
 * is told to the clicker alone; what was done, both threads show.
 */
export function registerTicketMerge(registry: ListenerRegistry, deps: { ticketActions: TicketActionDeps }): void {
  const { ticketActions } = deps;
  registry.action(ACTION_IDS.ticketMerge, async ({ ack, body, action, respond, client }) => {
    await ack();
    const actorId = body.user.id;
    const ticketId = readActionId((action as { value?: string }).value) ?? -1;
    const opening = await openMerge(ticketActions, { actorId, ticketId });
    const shown = buildMergeOpening(await ticketActions.userLocales.localeOf(actorId), opening);
    if ('notice' in shown)
      return void (await respond({ response_type: 'ephemeral', replace_original: false, ...shown.notice }));
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: shown.view });
  });

  registry.action(ACTION_IDS.ticketMergeUndo, async ({ ack, body, action, respond }) => {
    await ack();
    const actorId = body.user.id;
    const shown = undoValue((action as { value?: string }).value);
    const answer = shown
      ? await undoMerge(ticketActions, { actorId, ...shown })
      : ({ kind: 'refused', refusal: { kind: 'choice_gone' } } as const);
    if (answer.kind === 'undone') return;
    const notice = buildRefusalNotice(await ticketActions.userLocales.localeOf(actorId), answer.refusal);
    await respond({ response_type: 'ephemeral', replace_original: false, ...notice });
  });
}
