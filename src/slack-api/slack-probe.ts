/**
 * What `npm run doctor` asks Slack, without retries and within 10 s: who the token is, and
 * whether the bot is in a channel. Errors are Slack's, with its code (slackErrorCode).
 */
import { WebClient } from '@slack/web-api';

export interface SlackProbe {
  identity(): Promise<{ user?: string; team?: string }>;
  isBotInChannel(channelId: string): Promise<boolean>;
}

export function createSlackProbe(token: string, apiUrl: string | undefined): SlackProbe {
  const client = new WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, timeout: 10_000 });
  return {
    identity: async () => {
      const auth = await client.auth.test();
      return { user: auth.user, team: auth.team };
    },
    isBotInChannel: async (channelId) =>
      (await client.conversations.info({ channel: channelId })).channel?.is_member === true,
  };
}

/** Slack's error code of a failed call (`invalid_auth`, `channel_not_found`, …), if it gave one. */
export function slackErrorCode(error: unknown): string | undefined {
  return (error as { data?: { error?: string } }).data?.error;
}
