import type { ListenerRegistry } from '../../listener-registry.js';
import { CALLBACK_IDS } from '../../ids.js';
import { closeReply } from '../../../services/replies/open-reply.js';
import { submitReply, type ReviewDeps } from '../../../services/replies/review-reply.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import {
  buildReplySubmittedModal,
  readReplyAttachments,
  readReplyFields,
  replySubmitErrors,
} from '../../views/reply-modals.js';

/**
 * The reply modal (`reply.submit`) and the forward modal (`forward.submit`): submitted, it answers with errors on its fields, or
 * closes (or, recipients differing from the customer's mail, turns into that warning);
 * closed without sending, an untouched draft is dropped.
 */
export function registerReplySubmit(registry: ListenerRegistry, deps: { review: ReviewDeps }): void {
  // A forward's modal is the reply modal with the forwarded mail below (forward.submit): the same way in.
  for (const callbackId of [CALLBACK_IDS.replySubmit, CALLBACK_IDS.forwardSubmit])
    registerSubmit(registry, deps, callbackId);
}

function registerSubmit(registry: ListenerRegistry, deps: { review: ReviewDeps }, callbackId: string): void {
  registry.view(callbackId, async ({ ack, body, view }) => {
    const { draftId } = readModalMetadata(view.private_metadata);
    // The body's block id changes each time a template fills it (see reply-modals.ts).
    const fields = readReplyFields(view.state.values);
    const locale = await deps.review.userLocales.localeOf(body.user.id);
    const submission = await submitReply(deps.review, {
      actorId: body.user.id,
      draftId: draftId ?? -1,
      values: { to: fields.to ?? '', cc: fields.cc ?? '', body: fields.body ?? '' },
      attachments: readReplyAttachments(view.state.values),
    });
    const errors = replySubmitErrors(locale, submission, fields.bodyRevision);
    if (errors) return ack({ response_action: 'errors', errors });
    // Recipients not as on the customer's mail: the modal stays to say so (nothing is held back).
    const confirmation = submission.kind === 'submitted' ? buildReplySubmittedModal(locale, submission) : null;
    await ack(confirmation ? { response_action: 'update', view: confirmation } : undefined);
  });

  registry.view({ callback_id: callbackId, type: 'view_closed' }, async ({ ack, body, view }) => {
    await ack();
    const { draftId } = readModalMetadata(view.private_metadata);
    if (draftId !== undefined) await closeReply(deps.review.db, { actorId: body.user.id, draftId });
  });
}
