import type { ModalView } from '@slack/types';
import type { TLocale } from '../../../config/config-schema.js';
import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS } from '../../ids.js';
import {
  approveDraft,
  openChangesRequest,
  openDraftEditor,
  type DraftRefusal,
  type ReviewDeps,
} from '../../../services/replies/review-reply.js';
import { discardDraft } from '../../../services/replies/discard-draft.js';
import { readActionId } from '../../read-action-id.js';
import { buildChangesModal } from '../../views/changes-modal.js';
import { readDraftBlockId } from '../../views/draft-message.js';
import { buildDraftRefusalNotice } from '../../views/draft-notices.js';
import { buildReplyModal } from '../../views/reply-modals.js';

/** The review buttons' block names the draft and the revision shown (see draft-message.ts). */
function shownDraft(action: { block_id?: string; value?: string }): { draftId: number; revision: number } {
  return readDraftBlockId(action.block_id) ?? { draftId: readActionId(action.value) ?? -1, revision: -1 };
}

type ActionArgs = Parameters<Parameters<ListenerRegistry['action']>[1]>[0];

/**
 * The draft's buttons in the thread: approve, request changes, edit. Modals open straight
 * after the database checks, within the trigger's 3 seconds. (The changes modal's
 * submission: views/draft-changes.ts; the reply modal's: views/reply-submit.ts.)
 */
export function registerDraftActions(registry: ListenerRegistry, deps: { review: ReviewDeps }): void {
  /** Acknowledged at once: who clicked, in which language, and the draft as they were shown it. */
  const clicked = async ({ ack, body, action }: ActionArgs) => {
    await ack();
    const locale = await deps.review.userLocales.localeOf(body.user.id);
    return { locale, input: { actorId: body.user.id, ...shownDraft(action as { block_id?: string; value?: string }) } };
  };
  const tellRefusal = async ({ respond }: ActionArgs, locale: TLocale, refusal: DraftRefusal) =>
    void (await respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...buildDraftRefusalNotice(locale, refusal),
    }));
  const openView = async ({ body, client }: ActionArgs, view: ModalView) =>
    void (await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view }));

  registry.action(ACTION_IDS.draftApprove, async (args) => {
    const { locale, input } = await clicked(args);
    const approval = await approveDraft(deps.review, input);
    if (approval.kind === 'refused') await tellRefusal(args, locale, approval.refusal);
  });

  registry.action(ACTION_IDS.draftRequestChanges, async (args) => {
    const { locale, input } = await clicked(args);
    const opening = await openChangesRequest(deps.review, input);
    if (opening.kind === 'refused') return tellRefusal(args, locale, opening.refusal);
    await openView(args, buildChangesModal(locale, opening.shown));
  });

  // Behind Slack's confirm dialog; the draft message and thread say what happened.
  registry.action(ACTION_IDS.draftDiscard, async (args) => {
    const { locale, input } = await clicked(args);
    const discarded = await discardDraft(deps.review, input);
    if (discarded.kind === 'refused') await tellRefusal(args, locale, discarded.refusal);
  });

  registry.action(ACTION_IDS.draftEdit, async (args) => {
    const { locale, input } = await clicked(args);
    const opening = await openDraftEditor(deps.review, input);
    if (opening.kind === 'refused') return tellRefusal(args, locale, opening.refusal);
    await openView(args, buildReplyModal({ ...opening.modal, locale }));
  });
}
