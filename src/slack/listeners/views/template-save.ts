import type { ListenerRegistry } from '../../listener-registry.js';
import { CALLBACK_IDS } from '../../ids.js';
import { readMetadataIds } from '../../read-modal-metadata.js';
import { readTemplateFields, templateSaveAnswer, type SaveAnswer } from '../../views/template-form.js';
import { saveTemplate, type EditedVersion } from '../../../services/templates/edit-template.js';
import type { TemplateDeps } from '../../../services/templates/template-catalog.js';

/** The version an edit modal started from; null for a new template (or metadata missing either id). */
function readEditedVersion(privateMetadata: string | undefined): EditedVersion | null {
  const { templateId, baseVersion } = readMetadataIds(privateMetadata, ['templateId', 'baseVersion']);
  return templateId !== undefined && baseVersion !== undefined ? { templateId, baseVersion } : null;
}

/** `template.save` answered: the modal closes, shows errors on its fields, or comes back on a newer version. */
export async function answerTemplateSave(
  deps: TemplateDeps,
  input: { actorId: string; privateMetadata: string | undefined; values: Parameters<typeof readTemplateFields>[0] },
): Promise<SaveAnswer> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const saving = await saveTemplate(deps, {
    actorId: input.actorId,
    fields: readTemplateFields(input.values),
    edit: readEditedVersion(input.privateMetadata),
  });
  return templateSaveAnswer(locale, saving);
}

export function registerTemplateSave(registry: ListenerRegistry, deps: { templates: TemplateDeps }): void {
  registry.view(CALLBACK_IDS.templateSave, async ({ ack, body, view }) => {
    await ack(
      await answerTemplateSave(deps.templates, {
        actorId: body.user.id,
        privateMetadata: view.private_metadata,
        values: view.state.values,
      }),
    );
  });
}
