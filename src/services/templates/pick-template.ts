/**
 * A template chosen in the reply modal: the modal comes back with the body filled in from
 * the template's latest version, variables substituted, and what the person had typed in
 * To and Cc kept. The draft records which version it started from. An option from an older
 * modal (the template has a newer version since) fills in the newest version and says so:
 * only the latest version is ever used.
 */
import { EDITABLE_DRAFT_STATES } from '../../domain/draft-controls.js';
import { fillTemplate } from '../../domain/template-variables.js';
import { answeredMail, composeReplyModal, withAddressees, type ReplyModalData } from '../replies/open-reply.js';
import { replyVariables } from '../replies/reply-variables.js';
import { accessRefusal, ticketChannel } from '../tickets/ticket-access.js';
import type { TemplateDeps } from './template-catalog.js';

export interface PickInput {
  actorId: string;
  /** From the reply modal's metadata. */
  ticketId: number;
  draftId: number;
  /** The option chosen: a template version id. */
  versionId: number;
  /** What the person has in the modal now (null: a field the modal does not have). */
  typed: { to: string | null; cc: string | null; bodyRevision: number };
}

/** The reply modal again, filled in; `unusable` when the choice cannot be used (nothing changes then). */
export type TemplatePick = { kind: 'unusable' } | { kind: 'filled'; modal: ReplyModalData };

export async function pickTemplate(deps: TemplateDeps, input: PickInput): Promise<TemplatePick> {
  const { db } = deps;
  const { ticketId, draftId, versionId } = input;
  const unusable = { kind: 'unusable' } as const;
  const ticket = await db.ticket.findUnique({
    where: { id: ticketId },
    include: { mailbox: true, customer: { select: { address: true, name: true, company: true } } },
  });
  if (!ticket) return unusable;
  if (await accessRefusal(deps, ticketChannel(ticket), input.actorId)) return unusable;
  // The same drafts the author may still submit (one in review included: submitting makes a new revision).
  const draft = await db.draft.findFirst({
    where: { id: draftId, ticketId, authorId: input.actorId, state: { in: EDITABLE_DRAFT_STATES } },
  });
  if (!draft) return unusable;

  const picked = await db.templateVersion.findUnique({ where: { id: versionId }, include: { template: true } });
  const template = picked?.template;
  if (!template || template.archived || (template.mailboxId !== null && template.mailboxId !== ticket.mailboxId))
    return unusable;
  // Only the latest version: an option from before an edit gets the edit.
  const latest =
    picked.version === template.currentVersion
      ? picked
      : await db.templateVersion.findUnique({
          where: { templateId_version: { templateId: template.id, version: template.currentVersion } },
        });
  if (!latest) return unusable;
  await db.draft.update({ where: { id: draft.id }, data: { templateVersionId: latest.id } });

  const original = await withAddressees(db, await answeredMail(db, draft));
  const body = fillTemplate(latest.body, await replyVariables(deps, { actorId: input.actorId, ticket, original }));
  const { typed } = input;
  deps.logger.info(
    {
      code: 'reply_template_picked',
      ticketId: ticket.id,
      draftId: draft.id,
      templateVersionId: latest.id,
      actorId: input.actorId,
    },
    'template filled into a reply',
  );
  const templateFilled = { name: template.name, version: latest.version, newer: latest.id !== picked.id };
  const modal = await composeReplyModal(deps, {
    ticket,
    draft,
    original,
    overrides: {
      ...(typed.to !== null ? { to: typed.to } : {}),
      ...(typed.cc !== null ? { cc: typed.cc } : {}),
      body,
      bodyRevision: typed.bodyRevision + 1,
      chosenVersionId: latest.id,
      templateFilled,
    },
  });
  return { kind: 'filled', modal };
}
