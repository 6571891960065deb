/**
 * Tags written before tags were normalised (routing rules once stored `VIP` or ` Billing `
 * as written) are shown normalised (readTags), but `/mail search tag:` matches Ticket.tags
 * exactly, in SQL, on both databases — and NFKC, which normalising needs, is not SQL's. So
 * the stored form is rewritten once in the normalised form, at start, before anything is
 * searched: idempotent (a ticket already in its normal form is left alone), each write
 * conditional on the value read, so a tag edit made meanwhile is never overwritten.
 */
import type { Db } from '../../db/client.js';
import { readTags, tagsJson } from '../../domain/tags.js';

const BATCH = 500;

/** Rewrites the tickets whose stored tags are not in normal form; how many it rewrote. */
export async function normalizeLegacyTags(db: Db): Promise<number> {
  let rewritten = 0;
  let after = 0;
  for (;;) {
    const rows = await db.ticket.findMany({
      where: { id: { gt: after }, NOT: { tags: '[]' } },
      orderBy: { id: 'asc' },
      take: BATCH,
      select: { id: true, tags: true },
    });
    if (rows.length === 0) return rewritten;
    for (const row of rows) {
      const normal = tagsJson(readTags(row.tags));
      if (normal === row.tags) continue;
      const { count } = await db.ticket.updateMany({ where: { id: row.id, tags: row.tags }, data: { tags: normal } });
      rewritten += count;
    }
    after = rows.at(-1)!.id;
  }
}
