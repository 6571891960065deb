import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS, CALLBACK_IDS } from '../../ids.js';
import { approveDraft, openChangesRequest, openDraftEditor, submitChangesRequest, submitReply, type ModalOpening, type ReviewDeps } from '../../../services/replies/review-reply.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { readActionId } from '../../read-action-id.js';
import { readDraftBlockId } from '../../views/draft-message.js';
import { CHANGES_FIELD } from '../../views/changes-modal.js';
import { readReplyFields, replyBodyBlockId } from '../../views/reply-modals.js';

type Values = Record<string, Record<string, { value?: string | null }>>;

const valueOf = (values: Values, field: { block: string; action: string }) => values[field.block]?.[field.action]?.value ?? '';

/** The review buttons' block names the draft and the revision shown (see draft-message.ts). */
function shownDraft(action: { block_id?: string; value?: string }): { draftId: number; revision: number } {
  return readDraftBlockId(action.block_id) ?? { draftId: readActionId(action.value) ?? -1, revision: -1 };
}

/**
 * The reply modal's submission and the review buttons. Modals open straight after the
 * database checks, within the trigger's 3 seconds.
 */
export function registerDraftActions(registry: ListenerRegistry, deps: { review: ReviewDeps }): void {
  registry.view(CALLBACK_IDS.replySubmit, async ({ ack, body, view }) => {
    const { draftId } = readModalMetadata(view.private_metadata);
    // The body's block id changes each time a template fills it (see reply-modals.ts).
    const fields = readReplyFields(view.state.values as Values);
    const answer = await submitReply(deps.review, {
      actorId: body.user.id,
      draftId: draftId ?? -1,
      values: { to: fields.to ?? '', cc: fields.cc ?? '', body: fields.body ?? '' },
      bodyBlock: replyBodyBlockId(fields.bodyRevision),
    });
    await ack(answer ? { response_action: 'errors', errors: answer.errors } : undefined);
  });

  registry.action(ACTION_IDS.draftApprove, async ({ ack, body, action, respond }) => {
    await ack();
    const notice = await approveDraft(deps.review, { actorId: body.user.id, ...shownDraft(action as { block_id?: string; value?: string }) });
    if (notice) await respond({ response_type: 'ephemeral', replace_original: false, ...notice });
  });

  const openModal = (open: (input: { actorId: string; draftId: number; revision: number }) => Promise<ModalOpening>) =>
    async ({ ack, body, action, respond, client }: Parameters<Parameters<ListenerRegistry['action']>[1]>[0]) => {
      await ack();
      const opening = await open({ actorId: body.user.id, ...shownDraft(action as { block_id?: string; value?: string }) });
      if (opening.kind === 'notice') return void (await respond({ response_type: 'ephemeral', replace_original: false, ...opening.message }));
      await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: opening.view });
    };
  registry.action(ACTION_IDS.draftRequestChanges, openModal((input) => openChangesRequest(deps.review, input)));
  registry.action(ACTION_IDS.draftEdit, openModal((input) => openDraftEditor(deps.review, input)));

  registry.view(CALLBACK_IDS.draftChanges, async ({ ack, body, view }) => {
    const shown = readModalMetadata(view.private_metadata);
    const answer = await submitChangesRequest(deps.review, {
      actorId: body.user.id,
      draftId: shown.draftId ?? -1,
      revision: shown.revision ?? -1,
      comment: valueOf(view.state.values as Values, CHANGES_FIELD),
    });
    await ack(answer ? { response_action: 'errors', errors: answer.errors } : undefined);
  });
}
