/**
 * History from files (`npm run import`): each mail is stored and understood like synced
 * mail (same dedupe, so importing twice, or importing mail the bot already has, adds
 * nothing) but becomes a closed ticket and is not posted to Slack.
 */
import type { Db } from '../../db/client.js';
import { rawHeader } from '../../mail/raw-headers.js';
import { ingestStoredMail, type IngestDeps } from './ingest-stored-mail.js';
import { storeRawMail } from './store-raw-mail.js';

export interface ImportCounts {
  imported: number;
  duplicates: number;
  unreadable: number;
}

export async function importMail(
  deps: IngestDeps & { db: Db },
  mailboxId: number,
  raw: Uint8Array,
  counts: ImportCounts,
): Promise<void> {
  const date = new Date(rawHeader(raw, 'date') ?? '');
  const stored = await storeRawMail(deps.db, {
    mailboxId,
    raw,
    internalDate: Number.isNaN(date.getTime()) ? undefined : date,
  });
  if (!stored.stored) {
    counts.duplicates += 1;
    return;
  }
  await ingestStoredMail(deps, stored.messageRowId, { announce: false });
  const row = await deps.db.message.findUniqueOrThrow({
    where: { id: stored.messageRowId },
    select: { parseState: true },
  });
  if (row.parseState === 'failed') counts.unreadable += 1;
  counts.imported += 1;
}
