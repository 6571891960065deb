/**
 * The values of the template variables for one reply (`{{customer_name}}`, …), used when a
 * template fills the reply's text and when the signature is put below it; and the
 * signature itself, as it will be sent.
 */
import type { TLocale, TMailboxConfig } from '../../config/config-schema.js';
import { replyFromAddress } from '../../domain/reply-recipients.js';
import { fillTemplate, formatMailDate, type TemplateValues } from '../../domain/template-variables.js';
import type { UserNames } from '../../slack-api/user-names.js';

export interface ReplyVariableInput {
  actorId: string;
  ticket: {
    number: number;
    mailbox: { key: string; name: string; address: string; locale: string };
    customer: { address: string; name: string | null; company: string | null } | null;
  };
  original: {
    fromAddress: string | null;
    fromName: string | null;
    sentAt: Date | null;
    receivedAt: Date;
    addressedTo: string[];
  } | null;
}

type VariableDeps = { userNames: UserNames; mailboxes: readonly TMailboxConfig[] };

function mailboxConfig(deps: Pick<VariableDeps, 'mailboxes'>, key: string): TMailboxConfig | undefined {
  return deps.mailboxes.find((mailbox) => mailbox.key === key);
}

/** The address the reply goes out from: the alias the customer wrote to, else the mailbox's. */
export function replyFrom(
  deps: Pick<VariableDeps, 'mailboxes'>,
  mailbox: { key: string; address: string },
  original: { addressedTo: string[] } | null,
): string {
  const config = mailboxConfig(deps, mailbox.key);
  return replyFromAddress(
    { address: config?.address ?? mailbox.address, aliases: config?.aliases ?? [] },
    original?.addressedTo ?? [],
  );
}

export async function replyVariables(deps: VariableDeps, input: ReplyVariableInput): Promise<TemplateValues> {
  const { ticket, original } = input;
  const mailDate = original?.sentAt ?? original?.receivedAt;
  return {
    // The sender's name stands in only when the sender is the customer (not a web form's robot).
    customer_name:
      ticket.customer?.name ?? (original?.fromAddress === ticket.customer?.address ? original?.fromName : null),
    customer_company: ticket.customer?.company,
    agent_name: await deps.userNames.nameOf(input.actorId),
    ticket_number: String(ticket.number),
    original_date: mailDate ? formatMailDate(mailDate, ticket.mailbox.locale as TLocale) : null,
    mailbox_name: ticket.mailbox.name,
    mailbox_address: replyFrom(deps, ticket.mailbox, original),
  };
}

/**
 * The signature below the author's reply, variables filled: the author's own
 * (`agentSignatures`) or the mailbox's; empty when there is none.
 */
export async function replySignature(deps: VariableDeps, input: ReplyVariableInput): Promise<string> {
  const config = mailboxConfig(deps, input.ticket.mailbox.key);
  const text = config?.agentSignatures[input.actorId] ?? config?.signature ?? '';
  return text.trim() ? fillTemplate(text, await replyVariables(deps, input)) : '';
}
