/**
 * Creating and editing templates from the `template.save` modal. Only members of a
 * mailbox's channel change its templates (shared ones: members of any mailbox channel).
 * A new template is version 1; each edit of the text is the next version, written only if
 * nobody saved one since the modal opened (a conditional update, with the unique
 * [templateId, version] behind it): of two people saving at once exactly one makes the
 * next version, and the other sees theirs on top of it before saving again. Every new
 * version is announced in the mailbox channels through the Slack post queue, in the same
 * transaction.
 */
import { readMetadataIds } from '../../slack/read-modal-metadata.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { ModalView } from '@slack/types';
import type { TLocale, TMailboxConfig } from '../../config/config-schema.js';
import type { Db, Tx } from '../../db/client.js';
import { t } from '../../i18n/messages.js';
import type { SlackMessage } from '../../slack-api/slack-message.js';
import { buildNoticeMessage } from '../../slack/views/help-message.js';
import { buildTemplateModal, TEMPLATE_FIELDS, type TemplateModalMetadata } from '../../slack/views/template-views.js';
import { mailboxScope, SHARED_SCOPE, TEMPLATE_BODY_MAX, TEMPLATE_CATEGORY_MAX, TEMPLATE_NAME_MAX, TEMPLATE_NOTE_MAX } from '../../domain/template-rules.js';
import { accessRefusal } from '../tickets/ticket-access.js';
import { queueTemplateAnnouncements } from './announce-template.js';
import { queueDraftUpdate } from '../replies/draft-posts.js';
import type { TemplateDeps } from './template-catalog.js';

/**
 * Drafts waiting for review that were written from an earlier version of the template:
 * their messages are shown again, now with the warning, so the reviewer knows before
 * approving.
 */
async function flagDraftsInReview(tx: Tx, templateId: number, versionId: number): Promise<void> {
  const drafts = await tx.draft.findMany({
    where: { state: 'in_review', templateVersion: { templateId } },
    select: { id: true, revision: true, ticket: { select: { id: true, mailboxId: true, slackChannelId: true, slackTs: true } } },
  });
  for (const draft of drafts) {
    await queueDraftUpdate(tx, draft.ticket, { draftId: draft.id, revision: draft.revision, reviewers: '' }, `template-${versionId}`);
  }
}

/** Why someone may not change a template here; null when they may. */
type Denial = { kind: 'not_member'; channelId: string; mailboxName: string } | { kind: 'not_member_shared' } | { kind: 'unknown' };

/** The configured mailbox of a database row (by key), if it is still configured. */
async function mailboxConfigOf(deps: TemplateDeps, mailboxId: number | null): Promise<TMailboxConfig | null> {
  if (mailboxId === null) return null;
  const row = await deps.db.mailbox.findUnique({ where: { id: mailboxId }, select: { key: true } });
  return deps.mailboxes.find((mailbox) => mailbox.key === row?.key) ?? null;
}

async function denial(deps: TemplateDeps, actorId: string, mailbox: TMailboxConfig | null): Promise<Denial | null> {
  if (mailbox) {
    const refused = await accessRefusal(deps, mailbox.channelId, actorId);
    if (!refused) return null;
    return refused.kind === 'not_member' ? { kind: 'not_member', channelId: mailbox.channelId, mailboxName: mailbox.name } : { kind: 'unknown' };
  }
  let unknown = false;
  for (const channelId of new Set(deps.mailboxes.map((box) => box.channelId))) {
    const refused = await accessRefusal(deps, channelId, actorId);
    if (!refused) return null;
    if (refused.kind !== 'not_member') unknown = true;
  }
  return unknown ? { kind: 'unknown' } : { kind: 'not_member_shared' };
}

function denialNotice(locale: TLocale, denied: Denial): SlackMessage {
  const text =
    denied.kind === 'not_member'
      ? t(locale, 'templates.notice_not_member', { channel: denied.channelId, mailbox: denied.mailboxName })
      : denied.kind === 'not_member_shared'
        ? t(locale, 'templates.notice_not_member_shared')
        : t(locale, 'templates.error_membership_unknown');
  return buildNoticeMessage(`:information_source: ${text}`);
}

function denialError(locale: TLocale, denied: Denial): string {
  if (denied.kind === 'not_member') return t(locale, 'templates.error_not_member', { mailbox: denied.mailboxName });
  return t(locale, denied.kind === 'not_member_shared' ? 'templates.error_not_member_shared' : 'templates.error_membership_unknown');
}

function scopeChoices(locale: TLocale, mailboxes: readonly TMailboxConfig[]) {
  return [
    ...mailboxes.map((mailbox) => ({ value: mailboxScope(mailbox.key), label: `${mailbox.name} (${mailbox.address})` })),
    { value: SHARED_SCOPE, label: t(locale, 'templates.scope_shared') },
  ];
}

/** "New template": the empty modal, scoped to the mailbox it was asked from (if any). */
export async function openNewTemplate(deps: TemplateDeps, input: { actorId: string; mailboxKey: string }): Promise<ModalView> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const known = deps.mailboxes.find((mailbox) => mailbox.key === input.mailboxKey) ?? (deps.mailboxes.length === 1 ? deps.mailboxes[0] : undefined);
  return buildTemplateModal({ locale, name: '', category: '', body: '', scopes: scopeChoices(locale, deps.mailboxes), ...(known ? { scope: mailboxScope(known.key) } : {}) });
}

export type EditOpening = { kind: 'view'; view: ModalView } | { kind: 'notice'; message: SlackMessage };

/** "Edit": the latest version in the modal, for those who may change it. */
export async function openEditTemplate(deps: TemplateDeps, input: { actorId: string; templateId: number }): Promise<EditOpening> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const loaded = await loadTemplate(deps.db, input.templateId);
  if (!loaded) return { kind: 'notice', message: buildNoticeMessage(`:information_source: ${t(locale, 'templates.notice_gone')}`) };
  const denied = await denial(deps, input.actorId, await mailboxConfigOf(deps, loaded.template.mailboxId));
  if (denied) return { kind: 'notice', message: denialNotice(locale, denied) };
  const { template, latest } = loaded;
  return { kind: 'view', view: editModal(locale, template, latest, { name: template.name, category: template.category, body: latest.body, note: null }) };
}

type LoadedTemplate = NonNullable<Awaited<ReturnType<typeof loadTemplate>>>;

/** The edit modal on `latest`; with `conflict`, saying that someone else just saved it. */
function editModal(locale: TLocale, template: LoadedTemplate['template'], latest: LoadedTemplate['latest'], fields: Omit<Fields, 'scope'>, conflict = false): ModalView {
  return buildTemplateModal({
    locale,
    name: fields.name,
    category: fields.category ?? '',
    body: fields.body,
    note: fields.note ?? '',
    edit: { templateId: template.id, version: latest.version, authorId: latest.authorId, at: latest.createdAt, scopeLabel: template.mailbox?.name ?? t(locale, 'templates.shared') },
    ...(conflict ? { conflict: { authorId: latest.authorId, version: latest.version } } : {}),
  });
}

async function loadTemplate(db: Db, templateId: number) {
  const template = await db.template.findFirst({ where: { id: templateId, archived: false }, include: { mailbox: { select: { name: true } } } });
  if (!template) return null;
  const latest = await db.templateVersion.findUnique({ where: { templateId_version: { templateId, version: template.currentVersion } } });
  return latest ? { template, latest } : null;
}

/** What Slack is told on submit: close (undefined), errors on fields, or the modal again. */
export type SaveAnswer = undefined | { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'update'; view: ModalView };

type Values = Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null } | undefined> | undefined>;

interface Fields {
  name: string;
  category: string | null;
  scope: string;
  body: string;
  note: string | null;
}

function readFields(values: Values | undefined): Fields {
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

function readMetadata(text: string | undefined): TemplateModalMetadata {
  const { templateId, baseVersion } = readMetadataIds(text, ['templateId', 'baseVersion']);
  return templateId !== undefined && baseVersion !== undefined ? { templateId, baseVersion } : {};
}

/** Problems Slack's own limits would not catch (they hold only in Slack's client). */
function fieldErrors(locale: TLocale, fields: Fields): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!fields.name) errors[TEMPLATE_FIELDS.name.block] = t(locale, 'templates.error_name_required');
  else if (fields.name.length > TEMPLATE_NAME_MAX) errors[TEMPLATE_FIELDS.name.block] = t(locale, 'templates.error_too_long', { max: TEMPLATE_NAME_MAX });
  if ((fields.category?.length ?? 0) > TEMPLATE_CATEGORY_MAX) errors[TEMPLATE_FIELDS.category.block] = t(locale, 'templates.error_too_long', { max: TEMPLATE_CATEGORY_MAX });
  if (!fields.body.trim()) errors[TEMPLATE_FIELDS.body.block] = t(locale, 'templates.error_body_required');
  else if (fields.body.length > TEMPLATE_BODY_MAX) errors[TEMPLATE_FIELDS.body.block] = t(locale, 'templates.error_too_long', { max: TEMPLATE_BODY_MAX });
  if ((fields.note?.length ?? 0) > TEMPLATE_NOTE_MAX) errors[TEMPLATE_FIELDS.note.block] = t(locale, 'templates.error_too_long', { max: TEMPLATE_NOTE_MAX });
  return errors;
}

const errorsOf = (errors: Record<string, string>): SaveAnswer => ({ response_action: 'errors', errors });

export async function saveTemplate(deps: TemplateDeps, input: { actorId: string; privateMetadata: string | undefined; values: Values | undefined }): Promise<SaveAnswer> {
  const locale = await deps.userLocales.localeOf(input.actorId);
  const fields = readFields(input.values);
  const metadata = readMetadata(input.privateMetadata);
  const editing = metadata.templateId !== undefined;
  const errors = fieldErrors(locale, fields);
  if (Object.keys(errors).length) return errorsOf(errors);
  return editing ? saveEdit(deps, locale, input.actorId, metadata as Required<TemplateModalMetadata>, fields) : saveNew(deps, locale, input.actorId, fields);
}

async function saveNew(deps: TemplateDeps, locale: TLocale, actorId: string, fields: Fields): Promise<SaveAnswer> {
  const shared = fields.scope === SHARED_SCOPE;
  const mailbox = deps.mailboxes.find((box) => mailboxScope(box.key) === fields.scope);
  if (!shared && !mailbox) return errorsOf({ [TEMPLATE_FIELDS.scope.block]: t(locale, 'templates.error_scope') });
  const denied = await denial(deps, actorId, mailbox ?? null);
  if (denied) return errorsOf({ [TEMPLATE_FIELDS.scope.block]: denialError(locale, denied) });
  const mailboxId = mailbox ? (await deps.db.mailbox.findUnique({ where: { key: mailbox.key }, select: { id: true } }))?.id : null;
  if (mailboxId === undefined) return errorsOf({ [TEMPLATE_FIELDS.scope.block]: t(locale, 'templates.error_scope') });
  const nameTaken = () => errorsOf({ [TEMPLATE_FIELDS.name.block]: t(locale, 'templates.error_name_taken', { name: fields.name }) });
  try {
    const created = await deps.db.$transaction(async (tx) => {
      // The unique index does not cover shared templates (NULL mailbox), so those are looked for.
      if (await nameInUse(tx, mailboxId, fields.name)) return null;
      const template = await tx.template.create({
        data: { mailboxId, name: fields.name, category: fields.category, currentVersion: 1, versions: { create: { version: 1, body: fields.body, authorId: actorId } } },
        include: { versions: true },
      });
      await queueTemplateAnnouncements(tx, deps.mailboxes, { mailboxId, versionId: template.versions[0]!.id });
      return template;
    });
    if (!created) return nameTaken();
    deps.logger.info({ code: 'template_created', templateId: created.id, actorId, mailboxId }, 'template created');
    deps.wakePoster();
    return undefined;
  } catch (error) {
    if (isUniqueViolation(error)) return nameTaken();
    throw error;
  }
}

async function nameInUse(tx: Tx, mailboxId: number | null, name: string, except?: number): Promise<boolean> {
  const found = await tx.template.findFirst({ where: { mailboxId, name, archived: false, ...(except ? { NOT: { id: except } } : {}) }, select: { id: true } });
  return found !== null;
}

async function saveEdit(deps: TemplateDeps, locale: TLocale, actorId: string, metadata: Required<TemplateModalMetadata>, fields: Fields): Promise<SaveAnswer> {
  const { db } = deps;
  const loaded = await loadTemplate(db, metadata.templateId);
  if (!loaded) return errorsOf({ [TEMPLATE_FIELDS.body.block]: t(locale, 'templates.error_gone') });
  const { template, latest } = loaded;
  const denied = await denial(deps, actorId, await mailboxConfigOf(deps, template.mailboxId));
  if (denied) return errorsOf({ [TEMPLATE_FIELDS.body.block]: denialError(locale, denied) });
  if (latest.version !== metadata.baseVersion) return rebased(locale, template, latest, fields);
  const textChanged = fields.body !== latest.body;
  if (!textChanged && fields.name === template.name && fields.category === template.category) {
    return errorsOf({ [TEMPLATE_FIELDS.body.block]: t(locale, 'templates.error_unchanged', { version: latest.version }) });
  }
  const nameTaken = () => errorsOf({ [TEMPLATE_FIELDS.name.block]: t(locale, 'templates.error_name_taken', { name: fields.name }) });
  const next = metadata.baseVersion + 1;
  try {
    const outcome = await db.$transaction(async (tx) => {
      if (fields.name !== template.name && (await nameInUse(tx, template.mailboxId, fields.name, template.id))) return 'name_taken' as const;
      // Only if nobody saved a version since this modal opened.
      const { count } = await tx.template.updateMany({
        where: { id: template.id, currentVersion: metadata.baseVersion, archived: false },
        data: { name: fields.name, category: fields.category, ...(textChanged ? { currentVersion: next } : {}) },
      });
      if (count === 0) return 'conflict' as const;
      if (!textChanged) return 'renamed' as const;
      const version = await tx.templateVersion.create({ data: { templateId: template.id, version: next, body: fields.body, authorId: actorId, changeNote: fields.note } });
      await queueTemplateAnnouncements(tx, deps.mailboxes, { mailboxId: template.mailboxId, versionId: version.id });
      await flagDraftsInReview(tx, template.id, version.id);
      return 'saved' as const;
    });
    if (outcome === 'name_taken') return nameTaken();
    if (outcome === 'conflict') return rebasedAfterConflict(deps, locale, template.id, fields);
    deps.logger.info({ code: outcome === 'saved' ? 'template_version_saved' : 'template_renamed', templateId: template.id, version: textChanged ? next : latest.version, actorId }, 'template saved');
    if (outcome === 'saved') deps.wakePoster();
    return undefined;
  } catch (error) {
    // The version number was taken after all (the unique index): the same as a conflict.
    if (isUniqueViolation(error)) {
      const target = String((error as { meta?: { target?: unknown } }).meta?.target ?? '');
      return target.includes('name') ? nameTaken() : rebasedAfterConflict(deps, locale, template.id, fields);
    }
    throw error;
  }
}

async function rebasedAfterConflict(deps: TemplateDeps, locale: TLocale, templateId: number, fields: Fields): Promise<SaveAnswer> {
  const loaded = await loadTemplate(deps.db, templateId);
  if (!loaded) return errorsOf({ [TEMPLATE_FIELDS.body.block]: t(locale, 'templates.error_gone') });
  return rebased(locale, loaded.template, loaded.latest, fields);
}

/**
 * Someone saved a newer version while this modal was open: the modal again, now based on
 * theirs, with this person's text kept and a warning saying who and which version.
 */
function rebased(locale: TLocale, template: LoadedTemplate['template'], latest: LoadedTemplate['latest'], fields: Fields): SaveAnswer {
  return { response_action: 'update', view: editModal(locale, template, latest, fields, true) };
}

