/**
 * A customer named by their mail address, for the privacy commands (forget, export): the
 * form Customer.address holds (trimmed, lower-cased), and the hash an audit record keeps
 * instead of the address, so a second request for the same person is recognised without
 * the record itself holding their data.
 */
import { createHash } from 'node:crypto';
import { storedAddresses } from './stored-addresses.js';

const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** The address as Customer.address holds it, or null when `input` is not one address. */
export function customerAddressKey(input: string): string | null {
  const address = input
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .replace(/^mailto:/i, '')
    .toLowerCase();
  return ADDRESS.test(address) ? address : null;
}

/** SHA-256 of the address, hex: what the audit log keeps of whom a request was about. */
export function addressHash(address: string): string {
  return createHash('sha256').update(address, 'utf8').digest('hex');
}

/** Whether a stored JSON list of { name, address } (Message.toAddresses, …) names `address`. */
export function listsAddress(json: string, address: string): boolean {
  return storedAddresses(json).some((entry) => entry.address.trim().toLowerCase() === address);
}
