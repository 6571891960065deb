/**
 * A template chosen in the reply modal: the modal comes back with the body filled in from
 * the template's latest version, variables substituted, and what the person had typed in
 * To and Cc kept. The draft records which version it started from. An option from an older
 * modal (the template has a newer version since) fills in the newest version and says so:
 * only the latest version is ever used.
 */
import { EDITABLE_DRAFT_STATES } from '../../domain/draft-controls.js';
import type { ModalView } from '@slack/types';
import type { TLocale } from '../../config/config-schema.js';
import { fillTemplate, formatMailDate } from '../../domain/template-variables.js';
import { t } from '../../i18n/messages.js';
import { readModalMetadata } from '../../slack/read-modal-metadata.js';
import { readActionId } from '../../slack/read-action-id.js';
import { escapeAndTruncate } from '../../slack/views/escape.js';
import { readReplyFields } from '../../slack/views/reply-modals.js';
import { answeredMail, composeReplyModal } from '../replies/open-reply.js';
import { accessRefusal, ticketChannel } from '../tickets/ticket-access.js';
import type { TemplateDeps } from './template-catalog.js';

export interface PickInput {
  actorId: string;
  /** The option's value: a template version id. */
  value: string | undefined;
  view: { private_metadata?: string; state?: { values?: Parameters<typeof readReplyFields>[0] } };
}

/** The updated reply modal, or null when the choice cannot be used (nothing changes then). */
export async function pickTemplate(deps: TemplateDeps, input: PickInput): Promise<ModalView | null> {
  const { db } = deps;
  const { ticketId, draftId } = readModalMetadata(input.view.private_metadata);
  const versionId = readActionId(input.value);
  if (draftId === undefined || versionId === null) return null;
  const ticket = await db.ticket.findUnique({ where: { id: ticketId }, include: { mailbox: true, customer: { select: { address: true, name: true, company: true } } } });
  if (!ticket) return null;
  if (await accessRefusal(deps, ticketChannel(ticket), input.actorId)) return null;
  // The same drafts the author may still submit (one in review included: submitting makes a new revision).
  const draft = await db.draft.findFirst({ where: { id: draftId, ticketId, authorId: input.actorId, state: { in: EDITABLE_DRAFT_STATES } } });
  if (!draft) return null;

  const picked = await db.templateVersion.findUnique({ where: { id: versionId }, include: { template: true } });
  const template = picked?.template;
  if (!template || template.archived || (template.mailboxId !== null && template.mailboxId !== ticket.mailboxId)) return null;
  // Only the latest version: an option from before an edit gets the edit.
  const latest = picked.version === template.currentVersion ? picked : await db.templateVersion.findUnique({ where: { templateId_version: { templateId: template.id, version: template.currentVersion } } });
  if (!latest) return null;
  await db.draft.update({ where: { id: draft.id }, data: { templateVersionId: latest.id } });

  const locale = await deps.userLocales.localeOf(input.actorId);
  const original = await answeredMail(db, draft);
  const mailDate = original?.sentAt ?? original?.receivedAt;
  const body = fillTemplate(latest.body, {
    // The sender's name stands in only when the sender is the customer (not a web form's robot).
    customer_name: ticket.customer?.name ?? (original?.fromAddress === ticket.customer?.address ? original?.fromName : null),
    customer_company: ticket.customer?.company,
    agent_name: await deps.userNames.nameOf(input.actorId),
    ticket_number: String(ticket.number),
    original_date: mailDate ? formatMailDate(mailDate, ticket.mailbox.locale as TLocale) : null,
    mailbox_name: ticket.mailbox.name,
    mailbox_address: ticket.mailbox.address,
  });
  const typed = readReplyFields(input.view.state?.values);
  const note = t(locale, latest.id === picked.id ? 'reply.template_filled' : 'reply.template_newer', { name: escapeAndTruncate(template.name, 200), version: latest.version });
  deps.logger.info({ code: 'reply_template_picked', ticketId: ticket.id, draftId: draft.id, templateVersionId: latest.id, actorId: input.actorId }, 'template filled into a reply');
  return composeReplyModal(deps, {
    locale,
    ticket,
    draft,
    original,
    overrides: { ...(typed.to !== null ? { to: typed.to } : {}), ...(typed.cc !== null ? { cc: typed.cc } : {}), body, bodyRevision: typed.bodyRevision + 1, chosenVersionId: latest.id, templateNote: note },
  });
}
