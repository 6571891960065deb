import type { AllMiddlewareArgs } from '@slack/bolt';
import type { ListenerRegistry } from '../../listener-registry.js';
import { CALLBACK_IDS } from '../../ids.js';
import { openCompose, submitNewMail } from '../../../services/replies/compose-new.js';
import type { ReviewDeps } from '../../../services/replies/review-reply.js';
import { attachmentLimitBytes } from '../../../services/replies/reply-attachments.js';
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
    });
    const errors = composeSubmitErrors(locale, submission);
    await ack(errors ? { response_action: 'errors', errors } : undefined);
  });
}

/** Opens the compose modal with a click's or a command's trigger (To filled in when given). */
export async function openComposeModal(
  deps: ReviewDeps,
  input: { userId: string; triggerId: string; to?: string; client: AllMiddlewareArgs['client'] },
): Promise<void> {
  const locale = await deps.userLocales.localeOf(input.userId);
  const opening = await openCompose(deps, { actorId: input.userId, to: input.to });
  const view =
    opening.kind === 'compose'
      ? buildComposeModal(locale, {
          ...opening,
          attachmentLimitMb:
            Math.min(...opening.mailboxes.map((mailbox) => attachmentLimitBytes(deps.mailboxes, mailbox.key))) /
            (1024 * 1024),
        })
      : buildNoticeModal(buildNoticeMessage(t(locale, 'compose.no_mailbox')));
  await input.client.views.open({ trigger_id: input.triggerId, view });
}
