import type { MailAddress } from './parsed-mail.js';
import { parseJson } from '../util/parse-json.js';

/** A stored mail's To or Cc (JSON list of { name, address }); unreadable: none. */
export function storedAddresses(json: string): MailAddress[] {
  const list = parseJson(json);
  return Array.isArray(list)
    ? list.filter((entry): entry is MailAddress => typeof entry?.address === 'string' && entry.address !== '')
    : [];
}
