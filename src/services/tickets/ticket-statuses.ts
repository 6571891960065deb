/**
 * A mailbox's statuses: the built-in three, then its own from the configuration (kept in
 * the database so old tickets, numbers and reminders can still read them).
 */
import type { TMailboxConfig } from '../../config/config-schema.js';
import type { Db } from '../../db/client.js';
import { DEFAULT_STATUSES, type StatusCategory, type StatusDefinition } from '../../domain/ticket-fields.js';

export async function ticketStatuses(db: Db, mailboxId: number): Promise<StatusDefinition[]> {
  return (await ticketStatusesOf(db, [mailboxId])).get(mailboxId)!;
}

/** The statuses of several mailboxes, read in one query, by mailbox id. */
export async function ticketStatusesOf(db: Db, mailboxIds: Iterable<number>): Promise<Map<number, StatusDefinition[]>> {
  const ids = [...new Set(mailboxIds)];
  const custom = await db.customStatus.findMany({
    where: { mailboxId: { in: ids } },
    orderBy: [{ position: 'asc' }, { id: 'asc' }],
  });
  const statuses = new Map(ids.map((id): [number, StatusDefinition[]] => [id, [...DEFAULT_STATUSES]]));
  for (const row of custom)
    statuses
      .get(row.mailboxId)!
      .push({ key: row.key, labelJa: row.labelJa, labelEn: row.labelEn, category: row.category as StatusCategory });
  return statuses;
}

/**
 * A ticket filter: the status is one of `category` (or, with `negate`, none of them), each
 * ticket by its own mailbox's statuses — a custom key may be open in one mailbox and
 * closed in another. Only tickets of the mailboxes in `statuses` match.
 */
export function statusCategoryWhere(
  statuses: ReadonlyMap<number, readonly StatusDefinition[]>,
  category: StatusCategory,
  negate = false,
) {
  return {
    OR: [...statuses].map(([mailboxId, list]) => {
      const keys = list.filter((status) => status.category === category).map((status) => status.key);
      return { mailboxId, status: negate ? { notIn: keys } : { in: keys } };
    }),
  };
}

/**
 * The file's statuses replace the stored ones. A status removed from the file is kept
 * while tickets still have it (they must stay readable) and dropped once none has.
 */
export async function syncCustomStatuses(
  db: Db,
  mailboxId: number,
  statuses: TMailboxConfig['statuses'],
): Promise<void> {
  await db.$transaction(async (tx) => {
    const keys = statuses.map((status) => status.key);
    const inUse = await tx.ticket.findMany({
      where: { mailboxId, status: { notIn: ['open', 'in_progress', 'done', ...keys] } },
      distinct: ['status'],
      select: { status: true },
    });
    await tx.customStatus.deleteMany({
      where: { mailboxId, key: { notIn: [...keys, ...inUse.map((row) => row.status)] } },
    });
    for (const [position, status] of statuses.entries()) {
      const fields = { labelJa: status.ja, labelEn: status.en, category: status.category, position };
      await tx.customStatus.upsert({
        where: { mailboxId_key: { mailboxId, key: status.key } },
        create: { mailboxId, key: status.key, ...fields },
        update: fields,
      });
    }
  });
}
