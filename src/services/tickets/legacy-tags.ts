/**
 * Tags written before tags were normalised (routing rules once stored `VIP` or ` Billing `
 * as written) are shown normalised (readTags), but `/mail search tag:` matches Ticket.tags
 * exactly, in SQL, on both databases — and NFKC, which normalising needs, is not SQL's. So
 * the stored form is rewritten in the normalised form once per database, at the first
 * start that knows of it, before anything is searched; the Setting `legacy_tags_normalized`
 * then says it was done, and later starts skip it. Idempotent (a ticket already in its
 * normal form is left alone), each write conditional on the value read, so a tag edit made
 * meanwhile is never overwritten, and two instances starting at once do no harm.
 */
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { readTags, tagsJson } from '../../domain/tags.js';

const BATCH = 500;
/** The Setting whose presence says the rewrite was done (its value: how many tickets it rewrote). */
export const LEGACY_TAGS_DONE = 'legacy_tags_normalized';

/** Rewrites the tickets whose stored tags are not in normal form, unless done before; how many it rewrote. */
export async function normalizeLegacyTags(db: Db): Promise<number> {
  if (await db.setting.findUnique({ where: { key: LEGACY_TAGS_DONE } })) return 0;
  let rewritten = 0;
  for (let after = 0; ; ) {
    const rows = await db.ticket.findMany({
      where: { id: { gt: after }, NOT: { tags: '[]' } },
      orderBy: { id: 'asc' },
      take: BATCH,
      select: { id: true, tags: true },
    });
    if (rows.length === 0) break;
    for (const row of rows) {
      const normal = tagsJson(readTags(row.tags));
      if (normal === row.tags) continue;
      const { count } = await db.ticket.updateMany({ where: { id: row.id, tags: row.tags }, data: { tags: normal } });
      rewritten += count;
    }
    after = rows.at(-1)!.id;
  }
  try {
    await db.setting.create({ data: { key: LEGACY_TAGS_DONE, value: String(rewritten) } });
  } catch (error) {
    // Another instance starting at the same time finished first.
    if (!isUniqueViolation(error)) throw error;
  }
  return rewritten;
}
