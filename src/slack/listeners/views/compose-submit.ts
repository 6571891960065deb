import type { AllMiddlewareArgs } from '@slack/bolt';
import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS, CALLBACK_IDS } from '../../ids.js';
import { readActionId } from '../../read-action-id.js';
import { readMetadataIds } from '../../read-modal-metadata.js';
import { updateModalInPlace } from '../../update-modal-in-place.js';
import { openCompose, pickComposeTemplate, submitNewMail } from '../../../services/replies/compose-new.js';
import type { ReviewDeps } from '../../../services/replies/review-reply.js';
import { buildComposeModal, composeSubmitErrors, readComposeFields } from '../../views/compose-modal.js';
import { buildNoticeModal, buildNoticeMessage } from '../../views/help-message.js';
import { readReplyAttachments, readReplyFields } from '../../views/reply-modals.js';
import { t } from '../../../i18n/messages.js';

/**
 * The compose modal of a new mail (`/mail new`, `mail.new`): opened with the mailboxes the
 * person may write from; submitted, it answers with errors on its fields or closes, the
 * ticket and its draft made (services/replies/compose-new.ts).
 */
export function registerComposeSubmit(registry: ListenerRegistry, deps: { review: ReviewDeps }): void {
  registry.view(CALLBACK_IDS.composeSubmit, async ({ ack, body, view }) => {
    const values = view.state.values as Parameters<typeof readReplyFields>[0];
    const fields = readReplyFields(values);
    const locale = await deps.review.userLocales.localeOf(body.user.id);
    const submission = await submitNewMail(deps.review, {
      actorId: body.user.id,
      values: { ...readComposeFields(values), to: fields.to ?? '', cc: fields.cc ?? '', body: fields.body ?? '' },
      attachments: readReplyAttachments(values),
      // The template version the text was filled from (ComposeModalMetadata).
      ...readMetadataIds(view.private_metadata, ['templateVersionId']),
    });
    const errors = composeSubmitErrors(locale, submission, fields.bodyRevision);
    await ack(errors ? { response_action: 'errors', errors } : undefined);
  });

  // A template chosen in the compose modal: the modal again, its text filled in, in place.
  registry.action(ACTION_IDS.composeTemplate, async ({ ack, body, action, client }) => {
    await ack();
    const container = (body as { view?: ModalContainer }).view;
    const versionId = readActionId((action as { selected_option?: { value?: string } | null }).selected_option?.value);
    if (!container || versionId === null) return;
    const values = container.state?.values;
    const fields = readReplyFields(values);
    const { mailboxKey, subject } = readComposeFields(values);
    const pick = await pickComposeTemplate(deps.review, {
      actorId: body.user.id,
      versionId,
      typed: { mailboxKey, to: fields.to, cc: fields.cc, subject, bodyRevision: fields.bodyRevision },
    });
    if (pick.kind === 'unusable') return;
    const view = buildComposeModal(await deps.review.userLocales.localeOf(body.user.id), {
      ...pick.opening,
      typed: { mailboxKey, cc: fields.cc, subject },
      body: pick.body,
      bodyRevision: fields.bodyRevision + 1,
      chosenVersionId: pick.chosenVersionId,
      templateFilled: pick.templateFilled,
    });
    await updateModalInPlace(client, deps.review.logger, {
      viewId: container.id,
      hash: container.hash,
      view,
      actorId: body.user.id,
      supersededCode: 'compose_template_superseded',
    });
  });
}

type ModalContainer = {
  id: string;
  hash: string;
  private_metadata?: string;
  state?: { values?: Parameters<typeof readReplyFields>[0] };
};

/** Opens the compose modal with a click's or a command's trigger (To filled in when given). */
export async function openComposeModal(
  deps: ReviewDeps,
  input: { userId: string; triggerId: string; to?: string; client: AllMiddlewareArgs['client'] },
): Promise<void> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const opening = await openCompose(deps, { actorId: input.userId, to: input.to });
  const view =
    opening.kind === 'compose'
      ? buildComposeModal(locale, opening)
      : buildNoticeModal(buildNoticeMessage(t(locale, 'compose.no_mailbox')));
  await input.client.views.open({ trigger_id: input.triggerId, view });
}
