/**
 * Who may act on a ticket: members of the channel where it was posted. Every service that
 * changes or shows a ticket asks here first.
 */
import type { Db, Ticket } from '../../db/client.js';
import type { Refusal } from '../../domain/refusal.js';
import type { Logger } from '../../logging/logger.js';
import type { ChannelMembers } from '../../slack-api/channel-members.js';
import { errorMessage } from '../../errors.js';

/** The channel whose members may act on a ticket: where it was posted, else its mailbox's. */
export function ticketChannel(ticket: Pick<Ticket, 'slackChannelId'> & { mailbox: { channelId: string } }): string {
  return ticket.slackChannelId ?? ticket.mailbox.channelId;
}

/**
 * Whether the user may act on the ticket: null when they may, else the refusal. Slack not
 * answering is a refusal too: nothing changes that was not checked.
 */
export async function accessRefusal(
  deps: { members: ChannelMembers; logger: Logger },
  channelId: string,
  userId: string,
): Promise<Refusal | null> {
  try {
    return (await deps.members.isMember(channelId, userId)) ? null : { kind: 'not_member', channelId };
  } catch (error) {
    deps.logger.warn(
      { code: 'channel_members_unavailable', channelId, err: errorMessage(error) },
      'could not read channel members',
    );
    return { kind: 'membership_unknown', channelId };
  }
}

/**
 * A ticket merged into another takes no clicks (its mails are worked on there): the refusal
 * naming that ticket, or null for a ticket of its own.
 */
export async function mergedRefusal(db: Db, ticket: { mergedIntoId: number | null }): Promise<Refusal | null> {
  const targetNumber = await mergedIntoNumber(db, ticket);
  return targetNumber === null ? null : { kind: 'merged', targetNumber };
}

/** The number of the ticket this one was merged into, or null when it was not. */
export async function mergedIntoNumber(db: Db, ticket: { mergedIntoId: number | null }): Promise<number | null> {
  if (ticket.mergedIntoId === null) return null;
  const target = await db.ticket.findUnique({ where: { id: ticket.mergedIntoId }, select: { number: true } });
  return target?.number ?? 0;
}
