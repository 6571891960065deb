import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS } from '../../ids.js';
import { openReply, type ReplyDeps } from '../../../services/replies/open-reply.js';
import { readActionId } from '../../read-action-id.js';
import { buildReplyOpeningModal } from '../../views/reply-modals.js';
import { buildRefusalNotice } from '../../views/ticket-notices.js';

/**
 * Reply: the modal must open within the trigger's 3 seconds, so the click is acknowledged
 * and the view opened straight after the (database-only) checks. ("Reply anyway" and the
 * modal's submission: views/reply-collision.ts, views/reply-submit.ts.)
 */
export function registerReplyActions(registry: ListenerRegistry, deps: { replies: ReplyDeps }): void {
  registry.action(ACTION_IDS.ticketReply, async ({ ack, body, action, respond, client }) => {
    await ack();
    const ticketId = readActionId((action as { value?: string }).value) ?? -1;
    const locale = await deps.replies.userLocales.localeOf(body.user.id);
    const opening = await openReply(deps.replies, { actorId: body.user.id, ticketId, deliberate: false });
    if (opening.kind === 'refused')
      return void (await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...buildRefusalNotice(locale, opening.refusal),
      }));
    await client.views.open({
      trigger_id: (body as { trigger_id: string }).trigger_id,
      view: buildReplyOpeningModal(locale, opening),
    });
  });
}
