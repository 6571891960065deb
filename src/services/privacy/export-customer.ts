/**
 * A customer's data as one JSON file, for their access request (APPI, GDPR): their record,
 * their tickets, and their mails as read (headers, text, the list of attachments) — what
 * forget-customer.ts would remove. Sent to the asking admin's DM alone (`/mail
 * export-customer`), or written by `npm run export-customer`. Each export is audited
 * by the address's hash.
 */
import type { Db } from '../../db/client.js';
import { addressHash, customerAddressKey } from '../../domain/customer-address.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import { sendDirectFiles, type DirectFiles } from '../../slack-api/direct-files.js';
import { findCustomerData, holdsAnything } from './customer-data.js';
import { PRIVACY_ACTIONS } from './forget-customer.js';
import { parseJson } from '../../util/parse-json.js';

export type CustomerExport =
  | { kind: 'bad_address' }
  | { kind: 'nothing' }
  | { kind: 'ready'; address: string; filename: string; json: Buffer; tickets: number; mails: number };

export type ExportAnswer =
  | { kind: 'bad_address' }
  | { kind: 'nothing' }
  | { kind: 'sent'; filename: string; tickets: number; mails: number }
  | { kind: 'failed'; code: string };

/** A stored JSON column as its value, or as the text it holds when that is not JSON: an access export leaves nothing out. */
function listOf(json: string): unknown {
  return parseJson(json) ?? json;
}

/** The export of `input`'s customer, read in one go. */
export async function buildCustomerExport(db: Db, input: string, now = new Date()): Promise<CustomerExport> {
  const address = customerAddressKey(input);
  if (!address) return { kind: 'bad_address' };
  const data = await findCustomerData(db, address);
  if (!holdsAnything(data)) return { kind: 'nothing' };
  const tickets = await db.ticket.findMany({
    where: { id: { in: data.ticketIds } },
    orderBy: { id: 'asc' },
    select: {
      number: true,
      subject: true,
      status: true,
      urgency: true,
      tags: true,
      createdAt: true,
      closedAt: true,
      mailbox: { select: { key: true, address: true } },
    },
  });
  const mails = await db.message.findMany({
    where: { id: { in: data.messageIds } },
    orderBy: { id: 'asc' },
    select: {
      id: true,
      direction: true,
      messageId: true,
      inReplyTo: true,
      fromAddress: true,
      fromName: true,
      replyTo: true,
      toAddresses: true,
      ccAddresses: true,
      subject: true,
      sentAt: true,
      receivedAt: true,
      text: true,
      rawRemovedAt: true,
      mailbox: { select: { key: true } },
      ticket: { select: { number: true } },
      attachments: { select: { filename: true, contentType: true, size: true }, orderBy: { id: 'asc' } },
    },
  });
  const customer = data.customer;
  const document = {
    format: 'mailroom-customer-export/1',
    exportedAt: now.toISOString(),
    address,
    customer: customer && {
      address: customer.address,
      name: customer.name,
      company: customer.company,
      phone: customer.phone,
      notes: customer.notes,
      firstSeen: customer.createdAt.toISOString(),
    },
    tickets: tickets.map((ticket) => ({
      mailbox: ticket.mailbox.key,
      mailboxAddress: ticket.mailbox.address,
      number: ticket.number,
      subject: ticket.subject,
      status: ticket.status,
      urgency: ticket.urgency,
      tags: listOf(ticket.tags),
      createdAt: ticket.createdAt.toISOString(),
      closedAt: ticket.closedAt?.toISOString() ?? null,
    })),
    mails: mails.map((mail) => ({
      mailbox: mail.mailbox.key,
      ticketNumber: mail.ticket?.number ?? null,
      direction: mail.direction,
      messageId: mail.messageId,
      inReplyTo: mail.inReplyTo,
      from: mail.fromAddress && { name: mail.fromName, address: mail.fromAddress },
      replyTo: mail.replyTo,
      to: listOf(mail.toAddresses),
      cc: listOf(mail.ccAddresses),
      subject: mail.subject,
      date: mail.sentAt?.toISOString() ?? null,
      receivedAt: mail.receivedAt.toISOString(),
      text: mail.text,
      attachments: mail.attachments,
      sourceRemovedByRetention: mail.rawRemovedAt?.toISOString() ?? null,
    })),
  };
  const filename = `customer-${now.toISOString().slice(0, 10)}-${addressHash(address).slice(0, 8)}.json`;
  return {
    kind: 'ready',
    address,
    filename,
    json: Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8'),
    tickets: tickets.length,
    mails: mails.length,
  };
}

/** Records that an export of `address` was given to `actorId` (by hash, not the address). */
export async function auditExport(db: Db, ready: { address: string; tickets: number; mails: number }, actorId: string) {
  await db.auditLog.create({
    data: {
      actorId,
      action: PRIVACY_ACTIONS.exported,
      detail: JSON.stringify({ addressHash: addressHash(ready.address), tickets: ready.tickets, mails: ready.mails }),
    },
  });
}

export interface ExportDeps {
  db: Db;
  logger: Logger;
  directFiles: DirectFiles;
}

/** Builds the export and shares it in `userId`'s DM with the bot, with `comment(address)`. */
export async function sendCustomerExport(
  deps: ExportDeps,
  input: { userId: string; address: string; comment: (address: string) => string },
): Promise<ExportAnswer> {
  const built = await buildCustomerExport(deps.db, input.address);
  if (built.kind !== 'ready') return built;
  const failure = await sendDirectFiles(deps.directFiles, input.userId, [
    {
      filename: built.filename,
      title: built.filename,
      length: built.json.byteLength,
      chunks: [built.json],
      comment: input.comment(built.address),
    },
  ]);
  if (failure) {
    deps.logger.warn(
      {
        code: 'customer_export_failed',
        actorId: input.userId,
        slackError: failure.code,
        err: errorMessage(failure.error),
      },
      'could not send a customer export',
    );
    return { kind: 'failed', code: failure.code };
  }
  await auditExport(deps.db, built, input.userId);
  deps.logger.info(
    { code: 'customer_exported', actorId: input.userId, addressHash: addressHash(built.address), mails: built.mails },
    'a customer’s data sent to an admin',
  );
  return { kind: 'sent', filename: built.filename, tickets: built.tickets, mails: built.mails };
}
