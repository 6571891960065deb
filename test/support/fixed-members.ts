/**
 * Channel membership for service tests, without Slack: who is in which channel, fixed.
 * Joined and left events are no-ops; the tests that need them drive the real bot.
 */
import type { ChannelMembers } from '../../src/slack-api/channel-members.js';

export function fixedMembers(members: Record<string, readonly string[]>): ChannelMembers {
  return {
    isMember: async (channel, user) => members[channel]?.includes(user) ?? false,
    joined: () => {},
    left: () => {},
  };
}
