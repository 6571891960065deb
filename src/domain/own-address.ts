/**
 * Whether an address reaches one of our own mailboxes: the same address in any case, or a
 * `+tag` variant of it (support+billing@example.com is delivered to support@). A reply to
 * one would come back in as a customer's mail and reopen the ticket it just closed.
 */
function addressKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at === -1) return address.trim().toLowerCase();
  const local = address.slice(0, at).trim().toLowerCase();
  const domain = address.slice(at + 1).trim().toLowerCase();
  const plus = local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}@${domain}`;
}

export function ownAddressMatcher(ownAddresses: readonly string[]): (address: string) => boolean {
  const keys = new Set(ownAddresses.map(addressKey));
  return (address) => keys.has(addressKey(address));
}
