/**
 * Who a reply goes to and comes from, decided from the customer's mail. Pure.
 *
 * - Reply-all: Cc is everyone the customer wrote to or copied, except our own addresses
 *   (a copy to ourselves comes back in as new mail) and the reply's To.
 * - A recipient added to or left off the reply, compared with the customer's mail, is
 *   worth a second look (a colleague's address typed by mistake, a boss quietly dropped):
 *   it is named to the author and the reviewer, and blocks nothing.
 * - A mailbox with aliases answers from the alias the customer wrote to.
 */
import { ownAddressMatcher } from './own-address.js';
import type { MailAddress } from './parsed-mail.js';

/** The customer's mail as far as its recipients go (stored addresses). */
export interface CustomerRecipients {
  from: string | null;
  replyTo: string | null;
  to: readonly MailAddress[];
  cc: readonly MailAddress[];
}

export interface RecipientChanges {
  added: string[];
  removed: string[];
}

const keyOf = (address: string) => address.trim().toLowerCase();

/** The first of each address (by address, in any case). */
function distinct(addresses: readonly MailAddress[]): MailAddress[] {
  const seen = new Set<string>();
  return addresses.filter((entry) => {
    const key = keyOf(entry.address);
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Where RFC 5322 says a reply goes: the Reply-To, else the sender. */
export function replyTarget(customer: Pick<CustomerRecipients, 'from' | 'replyTo'>): string | null {
  return customer.replyTo?.trim() || customer.from?.trim() || null;
}

/** Reply-all's Cc: the customer's To and Cc, without our own addresses and without the reply's To. */
export function replyAllCc(customer: CustomerRecipients, isOurs: (address: string) => boolean): MailAddress[] {
  const target = replyTarget(customer);
  const to = target ? keyOf(target) : null;
  return distinct([...customer.to, ...customer.cc]).filter(
    (entry) => !isOurs(entry.address) && keyOf(entry.address) !== to,
  );
}

/**
 * The reply's recipients compared with the customer's mail: added, anyone not on it (its
 * sender, Reply-To, To and Cc); removed, anyone reply-all would have written to who is
 * not among the recipients.
 */
export function recipientChanges(
  customer: CustomerRecipients,
  isOurs: (address: string) => boolean,
  recipients: readonly MailAddress[],
): RecipientChanges {
  const onMail = new Set(
    [customer.from, customer.replyTo, ...[...customer.to, ...customer.cc].map((entry) => entry.address)]
      .filter((address): address is string => !!address)
      .map(keyOf),
  );
  const chosen = new Set(recipients.map((entry) => keyOf(entry.address)));
  const target = replyTarget(customer);
  const expected = distinct([...(target ? [{ name: '', address: target }] : []), ...replyAllCc(customer, isOurs)]);
  const addressesOf = (list: MailAddress[]) => list.map((entry) => entry.address);
  return {
    added: addressesOf(distinct(recipients)).filter((address) => !onMail.has(keyOf(address))),
    removed: addressesOf(expected).filter((address) => !chosen.has(keyOf(address))),
  };
}

/** Changes as a draft keeps them (JSON); anything unreadable: none. */
export function readRecipientChanges(json: string): RecipientChanges {
  try {
    const parsed = JSON.parse(json) as Partial<RecipientChanges>;
    const list = (value: unknown) => (Array.isArray(value) ? value.filter((item) => typeof item === 'string') : []);
    return { added: list(parsed.added), removed: list(parsed.removed) };
  } catch {
    return { added: [], removed: [] };
  }
}

export function hasRecipientChanges(changes: RecipientChanges | null | undefined): changes is RecipientChanges {
  return !!changes && changes.added.length + changes.removed.length > 0;
}

/**
 * The address a reply is sent from: the mailbox's alias the customer's mail was addressed
 * to (To, Cc or Delivered-To; a `+tag` variant counts), else the mailbox's address.
 */
export function replyFromAddress(
  mailbox: { address: string; aliases: readonly string[] },
  addressedTo: readonly string[],
): string {
  const alias = mailbox.aliases.find((candidate) => addressedTo.some(ownAddressMatcher([candidate])));
  return alias ?? mailbox.address;
}
