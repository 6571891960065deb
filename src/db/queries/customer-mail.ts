/**
 * The mails that name a customer's address, whatever its case in the stored header: those
 * they sent (From or Reply-To), and our mails to them (To or Cc; the JSON lists are
 * matched loosely here and exactly by the caller, which reads them).
 */
import type { Db, Tx } from '../client.js';

export interface AddressedMail {
  id: number;
  direction: string;
  toAddresses: string;
  ccAddresses: string;
}

export async function mailsNamingAddress(db: Db | Tx, address: string): Promise<AddressedMail[]> {
  const pattern = `%${address}%`;
  const rows = await db.$queryRaw<AddressedMail[]>`
    SELECT "id", "direction", "toAddresses", "ccAddresses" FROM "Message"
    WHERE ("direction" = 'in' AND (lower("fromAddress") = ${address} OR lower("replyTo") = ${address}))
       OR ("direction" = 'out' AND (lower("toAddresses") LIKE ${pattern} OR lower("ccAddresses") LIKE ${pattern}))`;
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}
