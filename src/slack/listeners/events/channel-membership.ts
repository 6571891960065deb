import type { ListenerRegistry } from '../../listener-registry.js';
import type { ChannelMembers } from '../../../slack-api/channel-members.js';

/** Joining or leaving a mailbox channel grants or takes away access to its tickets at once. */
export function registerChannelMembership(registry: ListenerRegistry, deps: { members: ChannelMembers }): void {
  registry.event('member_joined_channel', async ({ event }) => deps.members.joined(event.channel, event.user));
  registry.event('member_left_channel', async ({ event }) => deps.members.left(event.channel, event.user));
}
