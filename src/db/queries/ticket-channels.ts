import type { Db } from '../client.js';

/** Every channel a ticket was posted in (routing rules can post beside the mailbox's own). */
export async function channelsWithTickets(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ channel: string }[]>(
    `SELECT DISTINCT "slackChannelId" AS "channel" FROM "Ticket" WHERE "slackChannelId" IS NOT NULL`,
  );
  return rows.map((row) => row.channel);
}
