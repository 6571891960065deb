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
import { isUniqueViolation } from '../../db/errors.js';
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { Db, Tx } from '../../db/client.js';
import {
  mailboxScope,
  SHARED_SCOPE,
  TEMPLATE_BODY_MAX,
  TEMPLATE_CATEGORY_MAX,
  TEMPLATE_NAME_MAX,
  TEMPLATE_NOTE_MAX,
} from '../../domain/template-rules.js';
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
    select: {
      id: true,
      revision: true,
      ticket: { select: { id: true, mailboxId: true, slackChannelId: true, slackTs: true } },
    },
  });
  for (const draft of drafts) {
    await queueDraftUpdate(
      tx,
      draft.ticket,
      { draftId: draft.id, revision: draft.revision, reviewers: '' },
      `template-${versionId}`,
    );
  }
}

/** Why someone may not change a template here. */
export type TemplateDenial =
  | { kind: 'not_member'; channelId: string; mailboxName: string }
  | { kind: 'not_member_shared' }
  | { kind: 'unknown' };

/** The configured mailbox of a database row (by key), if it is still configured. */
async function mailboxConfigOf(deps: TemplateDeps, mailboxId: number | null): Promise<TMailboxConfig | null> {
  if (mailboxId === null) return null;
  const row = await deps.db.mailbox.findUnique({ where: { id: mailboxId }, select: { key: true } });
  return deps.mailboxes.find((mailbox) => mailbox.key === row?.key) ?? null;
}

async function denial(
  deps: TemplateDeps,
  actorId: string,
  mailbox: TMailboxConfig | null,
): Promise<TemplateDenial | null> {
  if (mailbox) {
    const refused = await accessRefusal(deps, mailbox.channelId, actorId);
    if (!refused) return null;
    return refused.kind === 'not_member'
      ? { kind: 'not_member', channelId: mailbox.channelId, mailboxName: mailbox.name }
      : { kind: 'unknown' };
  }
  let unknown = false;
  for (const channelId of new Set(deps.mailboxes.map((box) => box.channelId))) {
    const refused = await accessRefusal(deps, channelId, actorId);
    if (!refused) return null;
    if (refused.kind !== 'not_member') unknown = true;
  }
  return unknown ? { kind: 'unknown' } : { kind: 'not_member_shared' };
}

/** The empty modal's data: the mailboxes a template may be for, and the one asked from (if any). */
export interface NewTemplateForm {
  mailboxes: readonly { key: string; name: string; address: string }[];
  /** The scope chosen to begin with (mailboxScope of the mailbox asked from). */
  scope?: string;
}

/** "New template": the empty modal, scoped to the mailbox it was asked from (if any). */
export function openNewTemplate(deps: Pick<TemplateDeps, 'mailboxes'>, input: { mailboxKey: string }): NewTemplateForm {
  const known =
    deps.mailboxes.find((mailbox) => mailbox.key === input.mailboxKey) ??
    (deps.mailboxes.length === 1 ? deps.mailboxes[0] : undefined);
  return { mailboxes: deps.mailboxes, ...(known ? { scope: mailboxScope(known.key) } : {}) };
}

/** What a person types in the template modal (scope: SHARED_SCOPE or mailboxScope(key)). */
export interface TemplateFields {
  name: string;
  category: string | null;
  scope: string;
  body: string;
  note: string | null;
}

export type TemplateField = keyof TemplateFields;

/**
 * The edit modal's data: the latest version and its author, what the fields hold, and
 * whether someone else saved that version while this person's modal was open.
 */
export interface TemplateEditForm {
  templateId: number;
  /** The template's mailbox; null for a shared one. */
  mailboxName: string | null;
  latest: { version: number; authorId: string; createdAt: Date };
  fields: Omit<TemplateFields, 'scope'>;
  conflict: boolean;
}

export type EditOpening =
  | { kind: 'gone' }
  | { kind: 'denied'; denial: TemplateDenial }
  | { kind: 'edit'; form: TemplateEditForm };

/** "Edit": the latest version in the modal, for those who may change it. */
export async function openEditTemplate(
  deps: TemplateDeps,
  input: { actorId: string; templateId: number },
): Promise<EditOpening> {
  const loaded = await loadTemplate(deps.db, input.templateId);
  if (!loaded) return { kind: 'gone' };
  const denied = await denial(deps, input.actorId, await mailboxConfigOf(deps, loaded.template.mailboxId));
  if (denied) return { kind: 'denied', denial: denied };
  const { template, latest } = loaded;
  return {
    kind: 'edit',
    form: editForm(loaded, { name: template.name, category: template.category, body: latest.body, note: null }),
  };
}

type LoadedTemplate = NonNullable<Awaited<ReturnType<typeof loadTemplate>>>;

/** The edit modal on the latest version; with `conflict`, saying that someone else just saved it. */
function editForm(
  { template, latest }: LoadedTemplate,
  fields: Omit<TemplateFields, 'scope'>,
  conflict = false,
): TemplateEditForm {
  return {
    templateId: template.id,
    mailboxName: template.mailbox?.name ?? null,
    latest: { version: latest.version, authorId: latest.authorId, createdAt: latest.createdAt },
    fields: { name: fields.name, category: fields.category, body: fields.body, note: fields.note },
    conflict,
  };
}

async function loadTemplate(db: Db, templateId: number) {
  const template = await db.template.findFirst({
    where: { id: templateId, archived: false },
    include: { mailbox: { select: { name: true } } },
  });
  if (!template) return null;
  const latest = await db.templateVersion.findUnique({
    where: { templateId_version: { templateId, version: template.currentVersion } },
  });
  return latest ? { template, latest } : null;
}

/** What is wrong with one field of the modal. */
export type TemplateProblem =
  | { kind: 'name_required' }
  | { kind: 'body_required' }
  | { kind: 'too_long'; max: number }
  | { kind: 'unknown_scope' }
  | { kind: 'denied'; denial: TemplateDenial }
  | { kind: 'gone' }
  | { kind: 'unchanged'; version: number }
  | { kind: 'name_taken'; name: string };

/** A save's outcome: saved (the modal closes), problems on fields, or the modal again on a newer version. */
export type TemplateSaving =
  | { kind: 'saved' }
  | { kind: 'invalid'; errors: Partial<Record<TemplateField, TemplateProblem>> }
  | { kind: 'rebased'; form: TemplateEditForm };

/** The version an edit started from (absent for a new template). */
export interface EditedVersion {
  templateId: number;
  baseVersion: number;
}

/** Problems Slack's own limits would not catch (they hold only in Slack's client). */
function fieldProblems(fields: TemplateFields): Partial<Record<TemplateField, TemplateProblem>> {
  const problems: Partial<Record<TemplateField, TemplateProblem>> = {};
  if (!fields.name) problems.name = { kind: 'name_required' };
  else if (fields.name.length > TEMPLATE_NAME_MAX) problems.name = { kind: 'too_long', max: TEMPLATE_NAME_MAX };
  if ((fields.category?.length ?? 0) > TEMPLATE_CATEGORY_MAX)
    problems.category = { kind: 'too_long', max: TEMPLATE_CATEGORY_MAX };
  if (!fields.body.trim()) problems.body = { kind: 'body_required' };
  else if (fields.body.length > TEMPLATE_BODY_MAX) problems.body = { kind: 'too_long', max: TEMPLATE_BODY_MAX };
  if ((fields.note?.length ?? 0) > TEMPLATE_NOTE_MAX) problems.note = { kind: 'too_long', max: TEMPLATE_NOTE_MAX };
  return problems;
}

const invalid = (field: TemplateField, problem: TemplateProblem): TemplateSaving => ({
  kind: 'invalid',
  errors: { [field]: problem },
});

export async function saveTemplate(
  deps: TemplateDeps,
  input: { actorId: string; fields: TemplateFields; edit: EditedVersion | null },
): Promise<TemplateSaving> {
  const { fields } = input;
  const problems = fieldProblems(fields);
  if (Object.keys(problems).length) return { kind: 'invalid', errors: problems };
  return input.edit ? saveEdit(deps, input.actorId, input.edit, fields) : saveNew(deps, input.actorId, fields);
}

async function saveNew(deps: TemplateDeps, actorId: string, fields: TemplateFields): Promise<TemplateSaving> {
  const shared = fields.scope === SHARED_SCOPE;
  const mailbox = deps.mailboxes.find((box) => mailboxScope(box.key) === fields.scope);
  if (!shared && !mailbox) return invalid('scope', { kind: 'unknown_scope' });
  const denied = await denial(deps, actorId, mailbox ?? null);
  if (denied) return invalid('scope', { kind: 'denied', denial: denied });
  const mailboxId = mailbox
    ? (await deps.db.mailbox.findUnique({ where: { key: mailbox.key }, select: { id: true } }))?.id
    : null;
  if (mailboxId === undefined) return invalid('scope', { kind: 'unknown_scope' });
  const nameTaken = () => invalid('name', { kind: 'name_taken', name: fields.name });
  try {
    const created = await deps.db.$transaction(async (tx) => {
      // The unique index does not cover shared templates (NULL mailbox), so those are looked for.
      if (await nameInUse(tx, mailboxId, fields.name)) return null;
      const template = await tx.template.create({
        data: {
          mailboxId,
          name: fields.name,
          category: fields.category,
          currentVersion: 1,
          versions: { create: { version: 1, body: fields.body, authorId: actorId } },
        },
        include: { versions: true },
      });
      await queueTemplateAnnouncements(tx, deps.mailboxes, { mailboxId, versionId: template.versions[0]!.id });
      return template;
    });
    if (!created) return nameTaken();
    deps.logger.info({ code: 'template_created', templateId: created.id, actorId, mailboxId }, 'template created');
    deps.wakePoster();
    return { kind: 'saved' };
  } catch (error) {
    if (isUniqueViolation(error)) return nameTaken();
    throw error;
  }
}

async function nameInUse(tx: Tx, mailboxId: number | null, name: string, except?: number): Promise<boolean> {
  const found = await tx.template.findFirst({
    where: { mailboxId, name, archived: false, ...(except ? { NOT: { id: except } } : {}) },
    select: { id: true },
  });
  return found !== null;
}

async function saveEdit(
  deps: TemplateDeps,
  actorId: string,
  edit: EditedVersion,
  fields: TemplateFields,
): Promise<TemplateSaving> {
  const { db } = deps;
  const loaded = await loadTemplate(db, edit.templateId);
  if (!loaded) return invalid('body', { kind: 'gone' });
  const { template, latest } = loaded;
  const denied = await denial(deps, actorId, await mailboxConfigOf(deps, template.mailboxId));
  if (denied) return invalid('body', { kind: 'denied', denial: denied });
  if (latest.version !== edit.baseVersion) return rebased(loaded, fields);
  const textChanged = fields.body !== latest.body;
  if (!textChanged && fields.name === template.name && fields.category === template.category)
    return invalid('body', { kind: 'unchanged', version: latest.version });
  const nameTaken = () => invalid('name', { kind: 'name_taken', name: fields.name });
  const next = edit.baseVersion + 1;
  try {
    const outcome = await db.$transaction(async (tx) => {
      if (fields.name !== template.name && (await nameInUse(tx, template.mailboxId, fields.name, template.id)))
        return 'name_taken' as const;
      // Only if nobody saved a version since this modal opened.
      const { count } = await tx.template.updateMany({
        where: { id: template.id, currentVersion: edit.baseVersion, archived: false },
        data: { name: fields.name, category: fields.category, ...(textChanged ? { currentVersion: next } : {}) },
      });
      if (count === 0) return 'conflict' as const;
      if (!textChanged) return 'renamed' as const;
      const version = await tx.templateVersion.create({
        data: { templateId: template.id, version: next, body: fields.body, authorId: actorId, changeNote: fields.note },
      });
      await queueTemplateAnnouncements(tx, deps.mailboxes, { mailboxId: template.mailboxId, versionId: version.id });
      await flagDraftsInReview(tx, template.id, version.id);
      return 'saved' as const;
    });
    if (outcome === 'name_taken') return nameTaken();
    if (outcome === 'conflict') return rebasedAfterConflict(deps, template.id, fields);
    deps.logger.info(
      {
        code: outcome === 'saved' ? 'template_version_saved' : 'template_renamed',
        templateId: template.id,
        version: textChanged ? next : latest.version,
        actorId,
      },
      'template saved',
    );
    if (outcome === 'saved') deps.wakePoster();
    return { kind: 'saved' };
  } catch (error) {
    // The version number was taken after all (the unique index): the same as a conflict.
    if (isUniqueViolation(error)) {
      const target = String((error as { meta?: { target?: unknown } }).meta?.target ?? '');
      return target.includes('name') ? nameTaken() : rebasedAfterConflict(deps, template.id, fields);
    }
    throw error;
  }
}

async function rebasedAfterConflict(
  deps: TemplateDeps,
  templateId: number,
  fields: TemplateFields,
): Promise<TemplateSaving> {
  const loaded = await loadTemplate(deps.db, templateId);
  if (!loaded) return invalid('body', { kind: 'gone' });
  return rebased(loaded, fields);
}

/**
 * Someone saved a newer version while this modal was open: the modal again, now based on
 * theirs, with this person's text kept and a warning saying who and which version.
 */
function rebased(loaded: LoadedTemplate, fields: TemplateFields): TemplateSaving {
  return { kind: 'rebased', form: editForm(loaded, fields, true) };
}
