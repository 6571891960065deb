import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS, CALLBACK_IDS } from '../../ids.js';
import { closeReply, openReply, type ReplyDeps } from '../../../services/replies/open-reply.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { readActionId } from '../../read-action-id.js';

/**
 * Reply: the modal must open within the trigger's 3 seconds, so the click is acknowledged
 * and the view opened straight after the (database-only) checks.
 */
export function registerReplyActions(registry: ListenerRegistry, deps: { replies: ReplyDeps }): void {
  registry.action(ACTION_IDS.ticketReply, async ({ ack, body, action, respond, client }) => {
    await ack();
    const ticketId = readActionId((action as { value?: string }).value) ?? -1;
    const opening = await openReply(deps.replies, { actorId: body.user.id, ticketId, deliberate: false });
    if (opening.kind === 'notice') return void (await respond({ response_type: 'ephemeral', replace_original: false, ...opening.message }));
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: opening.view });
  });

  // "Reply anyway" on the collision warning: the same modal replaces the warning.
  registry.view(CALLBACK_IDS.replyCollision, async ({ ack, body, view }) => {
    const { ticketId } = readModalMetadata(view.private_metadata);
    const opening = await openReply(deps.replies, { actorId: body.user.id, ticketId, deliberate: true });
    if (opening.kind === 'view') return void (await ack({ response_action: 'update', view: opening.view }));
    await ack({ response_action: 'update', view: { type: 'modal', title: { type: 'plain_text', text: 'Mailroom' }, blocks: opening.message.blocks } });
  });

  registry.view({ callback_id: CALLBACK_IDS.replySubmit, type: 'view_closed' }, async ({ ack, body, view }) => {
    await ack();
    const { draftId } = readModalMetadata(view.private_metadata);
    if (draftId !== undefined) await closeReply(deps.replies.db, { actorId: body.user.id, draftId });
  });
}
