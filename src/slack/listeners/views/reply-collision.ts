import type { ListenerRegistry } from '../../listener-registry.js';
import { CALLBACK_IDS } from '../../ids.js';
import { openReply, type ReplyDeps } from '../../../services/replies/open-reply.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { buildNoticeModal } from '../../views/help-message.js';
import { buildReplyOpeningModal } from '../../views/reply-modals.js';
import { buildRefusalNotice } from '../../views/ticket-notices.js';

/** "Reply anyway" on the collision warning: the reply modal (or why not) replaces the warning. */
export function registerReplyCollision(registry: ListenerRegistry, deps: { replies: ReplyDeps }): void {
  registry.view(CALLBACK_IDS.replyCollision, async ({ ack, body, view }) => {
    const { ticketId } = readModalMetadata(view.private_metadata);
    const locale = await deps.replies.userLocales.localeOf(body.user.id);
    const opening = await openReply(deps.replies, { actorId: body.user.id, ticketId, deliberate: true });
    const shown =
      opening.kind === 'refused'
        ? buildNoticeModal(buildRefusalNotice(locale, opening.refusal))
        : buildReplyOpeningModal(locale, opening);
    await ack({ response_action: 'update', view: shown });
  });
}
