import type { MailAddress } from './parsed-mail.js';

/** A stored mail's To or Cc (JSON list of { name, address }); unreadable: none. */
export function storedAddresses(json: string): MailAddress[] {
  try {
    const list = JSON.parse(json) as unknown;
    return Array.isArray(list)
      ? list.filter((entry): entry is MailAddress => typeof entry?.address === 'string' && entry.address !== '')
      : [];
  } catch {
    return [];
  }
}
