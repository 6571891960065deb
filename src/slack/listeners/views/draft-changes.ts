import type { ListenerRegistry } from '../../listener-registry.js';
import { CALLBACK_IDS } from '../../ids.js';
import { submitChangesRequest, type ReviewDeps } from '../../../services/replies/review-reply.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { CHANGES_FIELD, changesErrors } from '../../views/changes-modal.js';

type Values = Record<string, Record<string, { value?: string | null }>>;

/** The reviewer's "what should change?" (`draft.changes`): errors on the comment, or it closes. */
export function registerDraftChanges(registry: ListenerRegistry, deps: { review: ReviewDeps }): void {
  registry.view(CALLBACK_IDS.draftChanges, async ({ ack, body, view }) => {
    const shown = readModalMetadata(view.private_metadata);
    const locale = await deps.review.userLocales.localeOf(body.user.id);
    const submission = await submitChangesRequest(deps.review, {
      actorId: body.user.id,
      draftId: shown.draftId ?? -1,
      revision: shown.revision ?? -1,
      comment: (view.state.values as Values)[CHANGES_FIELD.block]?.[CHANGES_FIELD.action]?.value ?? '',
    });
    const errors = changesErrors(locale, submission);
    await ack(errors ? { response_action: 'errors', errors } : undefined);
  });
}
