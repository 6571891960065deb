/**
 * The template modal's side of `template.save`: what the person typed (read from the view
 * state), the modal built from the service's data, and the service's answers in their
 * words: a notice when an edit may not open, errors on the fields, or the modal again.
 */
import type { ModalView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { mailboxScope, SHARED_SCOPE } from '../../domain/template-rules.js';
import { t } from '../../i18n/messages.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import type {
  NewTemplateForm,
  TemplateDenial,
  TemplateEditForm,
  TemplateFields,
  TemplateProblem,
  TemplateSaving,
} from '../../services/templates/edit-template.js';
import { buildInfoNotice } from './help-message.js';
import { buildTemplateModal, scopeName, TEMPLATE_FIELDS } from './template-views.js';

type Values = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value?: string } | null } | undefined> | undefined
>;

/** The modal's fields as typed: trimmed, and the text with its line endings normalised. */
export function readTemplateFields(values: Values | undefined): TemplateFields {
  const text = (field: { block: string; action: string }) => values?.[field.block]?.[field.action]?.value ?? '';
  const category = text(TEMPLATE_FIELDS.category).trim();
  const note = text(TEMPLATE_FIELDS.note).trim();
  return {
    name: text(TEMPLATE_FIELDS.name).trim(),
    category: category || null,
    scope: values?.[TEMPLATE_FIELDS.scope.block]?.[TEMPLATE_FIELDS.scope.action]?.selected_option?.value ?? '',
    // Only line endings are normalised: the text is the reply's, spaces and all.
    body: text(TEMPLATE_FIELDS.body).replace(/\r\n?/g, '\n').replace(/\s+$/, ''),
    note: note || null,
  };
}

/** "New template": every configured mailbox, and shared, to choose from. */
export function buildNewTemplateModal(locale: TLocale, form: NewTemplateForm): ModalView {
  const scopes = [
    ...form.mailboxes.map((mailbox) => ({
      value: mailboxScope(mailbox.key),
      label: `${mailbox.name} (${mailbox.address})`,
    })),
    { value: SHARED_SCOPE, label: t(locale, 'templates.scope_shared') },
  ];
  return buildTemplateModal({
    locale,
    name: '',
    category: '',
    body: '',
    scopes,
    ...(form.scope ? { scope: form.scope } : {}),
  });
}

export function buildTemplateEditModal(locale: TLocale, form: TemplateEditForm): ModalView {
  const { fields, latest } = form;
  return buildTemplateModal({
    locale,
    name: fields.name,
    category: fields.category ?? '',
    body: fields.body,
    note: fields.note ?? '',
    edit: {
      templateId: form.templateId,
      version: latest.version,
      authorId: latest.authorId,
      at: latest.createdAt,
      scopeLabel: scopeName(locale, form.mailboxName),
    },
    ...(form.conflict ? { conflict: { authorId: latest.authorId, version: latest.version } } : {}),
  });
}

/** Why an edit does not open: the template is gone, or the person may not change it. */
export function buildTemplateRefusalNotice(
  locale: TLocale,
  refusal: { kind: 'gone' } | { kind: 'denied'; denial: TemplateDenial },
): SlackMessage {
  const text = refusal.kind === 'gone' ? t(locale, 'templates.notice_gone') : denialNoticeText(locale, refusal.denial);
  return buildInfoNotice(text);
}

function denialNoticeText(locale: TLocale, denied: TemplateDenial): string {
  if (denied.kind === 'not_member')
    return t(locale, 'templates.notice_not_member', { channel: denied.channelId, mailbox: denied.mailboxName });
  return t(
    locale,
    denied.kind === 'not_member_shared' ? 'templates.notice_not_member_shared' : 'templates.error_membership_unknown',
  );
}

function denialError(locale: TLocale, denied: TemplateDenial): string {
  if (denied.kind === 'not_member') return t(locale, 'templates.error_not_member', { mailbox: denied.mailboxName });
  return t(
    locale,
    denied.kind === 'not_member_shared' ? 'templates.error_not_member_shared' : 'templates.error_membership_unknown',
  );
}

function problemText(locale: TLocale, problem: TemplateProblem): string {
  switch (problem.kind) {
    case 'name_required':
      return t(locale, 'templates.error_name_required');
    case 'body_required':
      return t(locale, 'templates.error_body_required');
    case 'too_long':
      return t(locale, 'templates.error_too_long', { max: problem.max });
    case 'unknown_scope':
      return t(locale, 'templates.error_scope');
    case 'denied':
      return denialError(locale, problem.denial);
    case 'gone':
      return t(locale, 'templates.error_gone');
    case 'unchanged':
      return t(locale, 'templates.error_unchanged', { version: problem.version });
    case 'name_taken':
      return t(locale, 'templates.error_name_taken', { name: problem.name });
  }
}

/** What Slack is told on submit: close (undefined), errors on fields, or the modal again. */
export type SaveAnswer =
  | undefined
  | { response_action: 'errors'; errors: Record<string, string> }
  | { response_action: 'update'; view: ModalView };

export function templateSaveAnswer(locale: TLocale, saving: TemplateSaving): SaveAnswer {
  if (saving.kind === 'saved') return undefined;
  if (saving.kind === 'rebased')
    return { response_action: 'update', view: buildTemplateEditModal(locale, saving.form) };
  const errors = Object.entries(saving.errors).map(([field, problem]) => [
    TEMPLATE_FIELDS[field as keyof typeof saving.errors].block,
    problemText(locale, problem),
  ]);
  return { response_action: 'errors', errors: Object.fromEntries(errors) };
}
