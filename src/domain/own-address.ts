/**
 * Whether an address reaches one of our own mailboxes: the same address in any case, or a
 * `+tag` variant of it (support+billing@example.com is delivered to support@). A reply to
 * one would come back in as a customer's mail and reopen the ticket it just closed.
 */
function addressKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return address.trim().toLowerCase();
  const local = address.slice(0, at).trim().toLowerCase();
  const domain = address
    .slice(at + 1)
    .trim()
    .toLowerCase();
  const plus = local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}@${domain}`;
}

export function ownAddressMatcher(ownAddresses: readonly string[]): (address: string) => boolean {
  const keys = new Set(ownAddresses.map(addressKey));
  return (address) => keys.has(addressKey(address));
}

/** Our own addresses: each mailbox's address, its aliases and the login it signs in as (often the same). */
export function ownAddressesOf(
  mailboxes: readonly { address: string; aliases?: readonly string[]; imap: { user: string } }[],
): string[] {
  return mailboxes.flatMap((mailbox) => [mailbox.address, ...(mailbox.aliases ?? []), mailbox.imap.user]);
}
