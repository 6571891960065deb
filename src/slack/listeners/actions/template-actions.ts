import type { ListenerRegistry } from '../../listener-registry.js';
import { ACTION_IDS } from '../../ids.js';
import { readActionId } from '../../read-action-id.js';
import { readModalMetadata } from '../../read-modal-metadata.js';
import { buildNoticeModal } from '../../views/help-message.js';
import { buildReplyModal, readReplyFields } from '../../views/reply-modals.js';
import {
  buildNewTemplateModal,
  buildTemplateEditModal,
  buildTemplateRefusalNotice,
} from '../../views/template-form.js';
import { openEditTemplate, openNewTemplate } from '../../../services/templates/edit-template.js';
import { pickTemplate } from '../../../services/templates/pick-template.js';
import type { TemplateDeps } from '../../../services/templates/template-catalog.js';
import { updateModalInPlace } from '../../update-modal-in-place.js';

type Clicked = { value?: string; selected_option?: { value?: string } | null };
type ReplyModalContainer = {
  id: string;
  hash: string;
  private_metadata?: string;
  state?: { values?: Parameters<typeof readReplyFields>[0] };
};

/**
 * Templates: "New template" and "Edit" open the modal with the click's trigger (within its
 * 3 seconds, so only database reads come first); the reply modal's template menu updates
 * that modal in place. (The modal's submission, `template.save`: views/template-save.ts.)
 */
export function registerTemplateActions(registry: ListenerRegistry, deps: { templates: TemplateDeps }): void {
  const { templates } = deps;
  registry.action(ACTION_IDS.templateNew, async ({ ack, body, action, client }) => {
    await ack();
    const locale = await templates.userLocales.localeOf(body.user.id);
    const view = buildNewTemplateModal(
      locale,
      openNewTemplate(templates, { mailboxKey: (action as Clicked).value ?? '' }),
    );
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view });
  });

  registry.action(ACTION_IDS.templateEdit, async ({ ack, body, action, respond, client }) => {
    await ack();
    const locale = await templates.userLocales.localeOf(body.user.id);
    const templateId = readActionId((action as Clicked).value) ?? -1;
    const opening = await openEditTemplate(templates, { actorId: body.user.id, templateId });
    const triggerId = (body as { trigger_id: string }).trigger_id;
    if (opening.kind === 'edit')
      return void (await client.views.open({
        trigger_id: triggerId,
        view: buildTemplateEditModal(locale, opening.form),
      }));
    const notice = buildTemplateRefusalNotice(locale, opening);
    if ((body as { response_url?: string }).response_url)
      return void (await respond({ response_type: 'ephemeral', replace_original: false, ...notice }));
    // From the Home tab there is no response_url: the refusal is a small modal instead.
    await client.views.open({ trigger_id: triggerId, view: buildNoticeModal(notice) });
  });

  registry.action(ACTION_IDS.replyTemplate, async ({ ack, body, action, client }) => {
    await ack();
    const container = (body as { view?: ReplyModalContainer }).view;
    if (!container) return;
    const { ticketId, draftId } = readModalMetadata(container.private_metadata);
    const versionId = readActionId((action as Clicked).selected_option?.value);
    if (draftId === undefined || versionId === null) return;
    const typed = readReplyFields(container.state?.values);
    const pick = await pickTemplate(templates, { actorId: body.user.id, ticketId, draftId, versionId, typed });
    if (pick.kind === 'unusable') return;
    const view = buildReplyModal({ ...pick.modal, locale: await templates.userLocales.localeOf(body.user.id) });
    await updateModalInPlace(client, templates.logger, {
      viewId: container.id,
      hash: container.hash,
      view,
      actorId: body.user.id,
      supersededCode: 'reply_template_superseded',
    });
  });
}
